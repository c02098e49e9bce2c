import * as tf from '@tensorflow/tfjs-core';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** The file names a saved model gets in its folder (those of tfjs-node's `file://` handler). */
export const MODEL_JSON = 'model.json';
/** The weights file of a saved model. */
export const WEIGHTS_BIN = 'weights.bin';

const FILE_SCHEME = 'file://';

/**
 * A tfjs IO handler for Node that reads and writes a model as tfjs-node's `file://` handler does (which needs
 * `@tensorflow/tfjs-node`): a folder with `model.json` (topology + weights manifest) and `weights.bin`.
 *
 * - `model.save(fileSystem(dir))` creates `dir` if needed and writes both files (each to a temporary name first,
 *   then renamed, `model.json` last: a folder is never left with a topology that points at missing weights).
 * - `tf.loadLayersModel(fileSystem(path))` reads `path` (a `model.json`, or a folder holding one) and the weight files
 *   its manifest lists, relative to it.
 *
 * @example
 * ```ts
 * import { fileSystem } from '@neural-ode/layers/node';
 * await model.save(fileSystem('./my-model'));
 * const again = await tf.loadLayersModel(fileSystem('./my-model'));
 * ```
 */
export function fileSystem(path: string): tf.io.IOHandler {
  if (typeof path !== 'string' || path.length === 0) {
    throw new Error(`fileSystem: path = ${JSON.stringify(path)} must be a non-empty string. Fix: pass the model's folder (or its model.json), e.g. './my-model'.`);
  }
  const where = path.startsWith(FILE_SCHEME) ? path.slice(FILE_SCHEME.length) : path;
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new Error('fileSystem: saving a binary (GraphDef) topology is not supported. Fix: save a tf.LayersModel.');
      }
      await mkdir(where, { recursive: true });
      const weights = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig !== undefined ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.signature !== undefined ? { signature: artifacts.signature } : {}),
        ...(artifacts.userDefinedMetadata !== undefined ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
        ...(artifacts.modelInitializer !== undefined ? { modelInitializer: artifacts.modelInitializer } : {}),
      };
      await writeAtomically(join(where, WEIGHTS_BIN), new Uint8Array(weights));
      await writeAtomically(join(where, MODEL_JSON), JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON({ ...artifacts, weightData: weights }) };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      const file = (await isFolder(where)) ? join(where, MODEL_JSON) : where;
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (e) {
        throw new Error(`fileSystem: cannot read ${file} (${(e as Error).message}). Fix: pass the folder a model was saved to, or its model.json.`);
      }
      let modelJson: tf.io.ModelJSON;
      try {
        modelJson = JSON.parse(text) as tf.io.ModelJSON;
      } catch (e) {
        throw new Error(`fileSystem: ${file} is not JSON (${(e as Error).message}). Fix: pass a model.json written by model.save.`);
      }
      if (modelJson.modelTopology == null) {
        throw new Error(`fileSystem: ${file} has no modelTopology. Fix: pass a model.json written by model.save.`);
      }
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const p of group.paths) {
            const bytes = await readFile(join(dirname(file), p));
            buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
          }
        }
        return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
      });
    },
  };
}

/**
 * Routes `file://` URLs (`model.save('file://./my-model')`, `tf.loadLayersModel('file://./my-model/model.json')`) to
 * {@link fileSystem}, as tfjs-node does; does nothing where a `file://` handler is registered already (tfjs-node
 * loaded). Returns whether it registered the routes.
 */
export function registerFileSystemRouter(): boolean {
  if (tf.io.getSaveHandlers(`${FILE_SCHEME}x`).length > 0 || tf.io.getLoadHandlers(`${FILE_SCHEME}x`).length > 0) return false;
  // A router declines a URL by returning null (tfjs's declared type leaves that out).
  const route = ((url: string | string[]) => (typeof url === 'string' && url.startsWith(FILE_SCHEME) ? fileSystem(url) : null)) as Parameters<
    typeof tf.io.registerSaveRouter
  >[0];
  tf.io.registerSaveRouter(route);
  tf.io.registerLoadRouter(route);
  return true;
}

async function isFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function writeAtomically(file: string, data: Uint8Array | string): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, data);
  await rename(temp, file);
}
