import { defineProject } from 'vitest/config';
import { workspaceAliases } from '../../vitest.workspace-alias';

export default defineProject({
  resolve: { alias: workspaceAliases() },
  test: {
    name: 'backend-native',
    include: ['src/**/*.test.ts'],
    testTimeout: 120_000,
  },
});
