/**
 * `@neural-ode/models`: the reference ResNet, ODE-Net and VDCNN models of the neural ODE experiments on
 * TensorFlow.js, weight-compatible with the PyTorch originals through safetensors.
 * @packageDocumentation
 */
export { resnet, resnetOptionsSchema } from './models/resnet';
export type { ResnetOptions } from './models/resnet';
export { odenet, odenetOptionsSchema } from './models/odenet';
export type { OdenetOptions } from './models/odenet';
export { vdcnn, vdcnnOptionsSchema } from './models/vdcnn';
export type { VdcnnOptions } from './models/vdcnn';
export { vdcnnOde, vdcnnOdeOptionsSchema } from './models/vdcnn-ode';
export type { VdcnnOdeOptions } from './models/vdcnn-ode';
export { modelRegistry, modelNames, modelOptionsSchema, createModel } from './models/registry';
export type { ModelEntry, ModelOptions } from './models/registry';
export { WeightedModel, parseOptions } from './models/model';
export type { Model, OdeModel, ModelName, ApplyOptions } from './models/model';
export { ImageClassifier, IMAGE_WIDTH } from './models/image-classifier';
export type { ImageFeature } from './models/image-classifier';
export { TextClassifier, TEXT_ALPHABET, TEXT_EMBEDDING_SIZE, TEXT_WIDTH } from './models/text-classifier';
export type { TextFeature } from './models/text-classifier';

export { odeBlockOptionsShape, odeBlockOptionsSchema, odeBlockSolver, ODE_BLOCK_GRADIENT } from './solver';
export type { OdeBlockOptions } from './solver';

export { Conv2d } from './layers/conv2d';
export type { Conv2dOptions } from './layers/conv2d';
export { Conv1d } from './layers/conv1d';
export type { Conv1dOptions } from './layers/conv1d';
export { Linear } from './layers/linear';
export type { LinearOptions } from './layers/linear';
export { GroupNorm, groupNorm, GROUP_NORM_KERNEL, GROUP_NORM_GRAD_KERNEL } from './layers/group-norm';
export type { GroupNormOptions, GroupNormAttrs } from './layers/group-norm';
export { BatchNorm1d } from './layers/batch-norm1d';
export type { BatchNorm1dOptions } from './layers/batch-norm1d';
export { Embedding } from './layers/embedding';
export type { EmbeddingOptions } from './layers/embedding';
export { ConcatConv2d } from './layers/concat-conv2d';
export type { BoundConcatConv } from './layers/concat-conv2d';
export { ConcatConv1d } from './layers/concat-conv1d';
export { ResBlock } from './layers/res-block';
export { ResBlock1d } from './layers/res-block1d';
export { OdeFunc } from './layers/ode-func';
export type { OdeDynamics, OdeFuncOptions } from './layers/ode-func';
export { OdeBlock } from './layers/ode-block';
export type { NfeCounts } from './layers/ode-block';
export { KMaxPool, kMaxPool } from './layers/k-max-pool';

export { createInitializer } from './init';
export type { Initializer } from './init';
export { toTorchPermutation, torchShape, withPrefix, weightAndBias } from './weights';
export type { NamedWeight, WeightLayout } from './weights';
export { loadStateDict, saveStateDict } from './state-dict';
export type { HasNamedWeights } from './state-dict';
export { parseSafetensors, serializeSafetensors } from './safetensors';
export type { SafetensorsDtype, SafetensorsEntry, SafetensorsInput } from './safetensors';
