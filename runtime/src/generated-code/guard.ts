/**
 * `node --import @platform/runtime/generated-code/guard <entry>`: refuses to start, with one line,
 * when gen/ was generated from other contract bytes than those in contracts/ (see index.ts). Loaded
 * before the entry, so it runs even when a stale gen/ would fail the entry's imports.
 */
import { fileURLToPath } from 'node:url';
import { staleGeneratedCode } from './index.ts';

// This file is <root>/runtime/src/generated-code/guard.ts.
const reason = staleGeneratedCode(fileURLToPath(new URL('../../../', import.meta.url)));
if (reason !== undefined) {
  process.stderr.write(`${reason}\n`);
  process.exit(1);
}
