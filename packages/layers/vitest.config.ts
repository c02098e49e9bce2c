import { defineProject } from 'vitest/config';
import { workspaceAliases } from '../../vitest.workspace-alias';

export default defineProject({
  resolve: { alias: workspaceAliases() },
  test: { name: 'layers', include: ['src/**/*.test.ts'], testTimeout: 60_000 },
});
