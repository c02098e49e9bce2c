import { defineProject } from 'vitest/config';
import { workspaceAliases } from '../../vitest.workspace-alias';

export default defineProject({
  resolve: { alias: workspaceAliases() },
  test: {
    name: 'docs',
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    // The browser test builds the site when dist is missing or stale, then drives Chromium: give it room.
    hookTimeout: 600_000,
  },
});
