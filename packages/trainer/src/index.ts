/**
 * `@neural-ode/trainer`: the experiments of the neural ODE study end to end: training loops for image and text
 * classification with checkpoints and resume, the spiral experiment, optimizers with PyTorch semantics,
 * metrics, plots and result tables.
 * @packageDocumentation
 */
export {
  trainConfigSchema,
  lrScheduleSchema,
  stepLrScheduleSchema,
  noLrScheduleSchema,
  spiralConfigSchema,
  OPTIMIZER_NAMES,
  EXPERIMENT_SOLVER,
  experimentSolver,
  upgradeStoredConfig,
  SPIRAL_TOLERANCES,
  spiralSolver,
  parseTrainConfig,
  parseSpiralConfig,
} from './config';
export type { TrainConfig, TrainConfigInput, LrSchedule, SpiralConfig, SpiralConfigInput } from './config';
export type {
  EpochMetrics,
  TrainEvent,
  StartEvent,
  StepEvent,
  EpochEvent,
  CheckpointEvent,
  LogEvent,
  RunControl,
  TrainResult,
  EvaluateResult,
} from './events';
export { train, resume } from './train';
export type { TrainControl, ResumeControl, SplitsInput } from './train';
export { evaluate, evaluateOptionsSchema, evaluateSplit } from './evaluate';
export type { EvaluateOptions } from './evaluate';
export { runSpiral, spiralTruth, SPIRAL_W, SPIRAL_Z0 } from './spiral';
export type { SpiralResult, SpiralPaths, SpiralEvent, SpiralControl } from './spiral';
export { plotRuns, plotSpiral } from './plot';
export type { PlotPaths, SpiralPlotData } from './plot';
export { reportRuns } from './report';
export {
  STUDY_SOURCE,
  STUDY_ROW_NAMES,
  STUDY_TABLE_NAMES,
  STUDY_TABLES,
  studyParams,
  runState,
  measureRows,
  studyReportTable,
} from './study';
export type { StudyRow, StudyRowName, StudyTable, StudyTableName, RowState, ReproducedRow, MeasuredRow } from './study';
export { readRun, readMetrics, modelLabel, RUN_FILES } from './run-dir';
export type { RunInfo } from './run-dir';
export { locateCheckpoint } from './checkpoint';
export type { CheckpointState, EpochProgress } from './checkpoint';
export { writeFileAtomic, appendLineAtomic } from './atomic-write';
export { svgToPng } from './png';
export { Rng } from './rng';
export type { RngState } from './rng';
export { learningRateAt } from './lr-schedule';
export { createOptimizer, Sgd, Adam, RmsProp } from './optimizers';
export type { Optimizer, OptimizerParam, OptimizerState, SgdOptions, AdamOptions, RmsPropOptions } from './optimizers';
