import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// One run, one summary: unit tests (no broker), integration tests (a real Kafka cluster and
// schema registry, started or reused by the test kit's global setup) and type tests.
const sources = ['packages', 'examples', 'bench'];

export default defineConfig({
  // In-repo packages resolve to their TypeScript sources (the `source` export condition),
  // so tests never run against a stale build.
  resolve: { conditions: ['source', ...defaultClientConditions] },
  // Not `module` on the server side: @opentelemetry's packages point it at builds with
  // extension-less imports that only a bundler resolves; Node takes their `default` build.
  ssr: {
    resolve: {
      conditions: ['source', ...defaultServerConditions.filter((c) => c !== 'module')],
      externalConditions: ['source'],
    },
  },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: sources.map((dir) => `${dir}/**/*.test.ts`),
          exclude: ['**/node_modules/**', '**/dist/**', '**/*.integration.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: sources.map((dir) => `${dir}/**/*.integration.test.ts`),
          // KBUS_TEST_EXCLUDE (comma-separated globs) leaves files out of one run: CI's container
          // phase leaves out the security tests, which use the secured process stack anyway.
          exclude: ['**/node_modules/**', '**/dist/**', ...(process.env.KBUS_TEST_EXCLUDE?.split(',') ?? [])],
          globalSetup: ['packages/testkit/src/vitest/global-setup.ts'],
          setupFiles: ['packages/testkit/src/vitest/setup-file.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // Two cores: integration files run two at a time at most (KBUS_TEST_WORKERS=1: one
          // at a time, for a cluster that shares those cores from containers).
          maxWorkers: Number(process.env.KBUS_TEST_WORKERS ?? 2),
        },
      },
      {
        extends: true,
        test: {
          name: 'types',
          include: [],
          typecheck: {
            enabled: true,
            only: true,
            include: sources.map((dir) => `${dir}/**/*.test-d.ts`),
            tsconfig: 'tsconfig.typetests.json',
          },
        },
      },
    ],
  },
});
