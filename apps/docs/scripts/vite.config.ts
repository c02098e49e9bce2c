// vite-node runs the generator the way vitest runs the tests: workspace packages from their TypeScript sources,
// and tfjs-core's browser-style ESM (directory imports) transformed instead of handed to Node.
import { workspaceAliases } from '../../../vitest.workspace-alias';

export default {
  resolve: { alias: workspaceAliases() },
  logLevel: 'warn',
};
