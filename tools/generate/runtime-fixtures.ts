/**
 * Generation step `runtime-fixtures`: the runtime's own test contracts (runtime/fixtures/openapi
 * and runtime/fixtures/proto) compiled exactly as the services' contracts are, into
 * runtime/src/generated/fixtures/ (not gen/: the runtime never imports gen/). The runtime's tests
 * bind and call these instead of a service's contract, so a service's contract can change without touching them.
 */
import { join } from 'node:path';
import { runtimeGenDirOf } from './runtime-gen-dir.ts';
import type { GenerateContext } from './index.ts';
import { generateOpenapi } from './openapi.ts';
import { generateProtoModule } from './proto.ts';

/** Where the fixtures are, below the repository root. */
export const runtimeFixturesDir = 'runtime/fixtures';

export async function generateRuntimeFixtures(ctx: GenerateContext): Promise<void> {
  const fixtures = join(ctx.root, runtimeFixturesDir);
  const genDir = join(runtimeGenDirOf(ctx), 'fixtures');
  await generateOpenapi({ root: ctx.root, contractsDir: fixtures, genDir });
  await generateProtoModule(ctx.root, join(fixtures, 'proto'), join(genDir, 'proto'));
}
