import { defineProject } from 'vitest/config';
import { workspaceAliases } from '../../vitest.workspace-alias';

export default defineProject({
  resolve: { alias: workspaceAliases() },
  test: { name: 'trainer', include: ['src/**/*.test.ts'], testTimeout: 300_000, hookTimeout: 60_000 },
});
