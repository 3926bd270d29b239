/**
 * `npm run start -w <part>` (run in the part's folder). With NODE_ENV=production it runs the part
 * compiled ahead of time, `dist/main.js` (`npm run build -w <part>`, tools/build/build-part.ts), as
 * the Docker image does; otherwise `src/main.ts` from source, after the generated-code guard.
 *
 * The part's `start` script gives Node the production flags (tools/build/build-part.ts
 * `productionNodeFlags`); a launcher cannot set V8's heap sizes for its own process.
 *
 * Plain JavaScript on purpose: a `.ts` launcher would start Node's type stripper, whose memory
 * the compiled part exists to save (issue 18, idle RSS).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const partDir = process.cwd();
if (process.env.NODE_ENV === 'production') {
  const built = join(partDir, 'dist', 'main.js');
  if (!existsSync(built)) {
    process.stderr.write(`cannot start ${partDir}: ${built} is missing; build it first with \`npm run build -w <part>\`\n`);
    process.exit(1);
  }
  await import(pathToFileURL(built).href);
} else {
  await import('@platform/runtime/generated-code/guard');
  await import(pathToFileURL(join(partDir, 'src', 'main.ts')).href);
}
