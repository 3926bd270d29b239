import { join } from 'node:path';
import type { GenerateContext } from './index.ts';

/** Where a step writes the runtime's own generated code (a module of its own: steps must not import index.ts, which imports them). */
export function runtimeGenDirOf(ctx: GenerateContext): string {
  return ctx.runtimeGenDir ?? join(ctx.genDir, 'runtime');
}
