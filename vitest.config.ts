/**
 * Root Vitest config.
 * - default reporter for people, totals reporter for CI (`N passed, N failed` line + JSON file);
 * - every `*.test.ts` except generated code, installed packages and the AsyncAPI template;
 * - forks: each test file in its own child process, so node:sqlite, signals and
 *   process-wide state (listeners, env) never leak between files;
 * - generous timeout: integration tests talk to the real PostgreSQL and RabbitMQ;
 * - every answer a part gives is checked against its contract when the run ends
 *   (tools/conformance/global-setup.ts): an undeclared one fails the run.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', 'gen/**', 'tools/generate/asyncapi-template/**', 'test-artifacts/**'],
    reporters: ['default', './tools/vitest/totals-reporter.ts'],
    pool: 'forks',
    globalSetup: ['./tools/conformance/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
