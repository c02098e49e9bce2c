/**
 * `@neural-ode/layers/node`: a file IO handler for Node (`fileSystem(dir)`, and `registerFileSystemRouter()` for
 * `file://` URLs) where tfjs-node is not installed. The layers themselves come from `@neural-ode/layers` (this entry
 * does not repeat them, so CommonJS users get one copy of each class).
 * @packageDocumentation
 */
export { fileSystem, registerFileSystemRouter, MODEL_JSON, WEIGHTS_BIN } from './file-system';
