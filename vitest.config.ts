import { defineConfig } from 'vitest/config';

// One run over every package (each has its own vitest.config.ts), one summary at the end.
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'apps/*/vitest.config.ts'],
  },
});
