/**
 * `@neural-ode/cli`: the `neural-ode` command line (train, evaluate, spiral, plot, report, datasets) as a library:
 * {@link main} runs it in-process, {@link describeCli} describes every command and flag for the docs.
 * @packageDocumentation
 */
export { main, stopsGracefully, CLI_VERSION, CLI_DESCRIPTION } from './main';
export { describeCli } from './describe';
export type { CliInfo, CliCommandInfo, CliFlagInfo } from './describe';
export { CliUsageError, EXIT } from './errors';
export type { CliIO } from './io';
export { processIO } from './io';
export type { ArgumentSpec, CommandSpec, RunContext } from './command';
export type { FlagSpec } from './flags';
export { schemaFields } from './schema-fields';
export type { SchemaField } from './schema-fields';
export { resolveTrainInvocation, trainFlags } from './train-options';
export { REFERENCE_DATA_NAMES, REFERENCE_SOLVERS, REFERENCE_DEFAULT_TOL, REFERENCE_WEIGHT_DECAY, referenceDecision } from './reference-flags';
export type { ReferenceFlagValues, NativeChoice, ReferenceDecision } from './reference-flags';
export type { TrainInvocation } from './train-options';
export { COMMANDS } from './commands/index';
export type { TrainJsonResult } from './commands/train';
export type { EvaluateJsonResult } from './commands/evaluate';
export type { SpiralJsonResult } from './commands/spiral';
export { SPIRAL_TARGET_RMSE } from './commands/spiral';
export type { PlotJsonResult } from './commands/plot';
export type { ReportJsonResult } from './commands/report';
export type { DownloadJsonResult, InfoJsonResult } from './commands/datasets';
