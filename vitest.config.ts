/**
 * Root Vitest config (created from tools/vitest/vitest.config.proposal.ts; owned by the lead).
 * - default reporter for people, totals reporter for CI (`N passed, N failed` line + JSON file);
 * - every `*.test.ts` except generated code, installed packages and the AsyncAPI template;
 * - forks: each test file in its own child process, so node:sqlite, signals and
 *   process-wide state (listeners, env) never leak between files;
 * - generous timeout: integration tests talk to the real PostgreSQL and RabbitMQ.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', 'gen/**', 'tools/generate/asyncapi-template/**', 'test-artifacts/**'],
    reporters: ['default', './tools/vitest/totals-reporter.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
