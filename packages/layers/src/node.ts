/**
 * `@neural-ode/layers/node`: everything in `@neural-ode/layers`, plus a file IO handler for Node
 * (`fileSystem(dir)`, and `registerFileSystemRouter()` for `file://` URLs) where tfjs-node is not installed.
 * @packageDocumentation
 */
export * from './index';
export { fileSystem, registerFileSystemRouter, MODEL_JSON, WEIGHTS_BIN } from './file-system';
