/** Both REST contracts through the gateway, with the client packages only. */
import { createCommandsServiceClient } from '@contract-first/commands-service-client';
import type { Command } from '@contract-first/commands-service-client';
import { createPlatformServiceClient } from '@contract-first/platform-service-client';
import type { Platform, Problem } from '@contract-first/platform-service-client';
import { report, setting } from './env.js';

const gateway = setting('GATEWAY_URL');
const name = setting('PLATFORM_NAME');
const platforms = createPlatformServiceClient(gateway);
const commands = createCommandsServiceClient(gateway);

const created = await platforms.POST('/api/platforms', { body: { name, publisher: 'Consumer Inc.', cost: 'Free' } });
if (created.data === undefined) throw new Error(`cannot create a platform: ${created.response.status} ${JSON.stringify(created.error)}`);
const platform: Platform = created.data;

const read = await platforms.GET('/api/platforms/{id}', { params: { path: { id: platform.id } } });
const missing = await platforms.GET('/api/platforms/{id}', { params: { path: { id: 2147483647 } } });
const missingProblem: Problem | undefined = missing.error;
const invalid = await platforms.POST('/api/platforms', { body: { name: ' ', publisher: 'Consumer Inc.', cost: 'Free' } });

// The platform reaches commands-service as a platform.published event: wait for it.
let known = false;
for (let attempt = 0; attempt < 300 && !known; attempt += 1) {
  const listed = await commands.GET('/api/c/platforms');
  known = (listed.data ?? []).some((entry) => entry.id === platform.id);
  if (!known) await new Promise((resolve) => setTimeout(resolve, 100));
}
const added = await commands.POST('/api/c/platforms/{platformId}/commands', {
  params: { path: { platformId: platform.id } },
  body: { howTo: 'List the containers', commandLine: 'docker ps' },
});
const command: Command | undefined = added.data;

report({
  created: platform,
  location: created.response.headers.get('location'),
  read: read.data,
  missing: { status: missing.response.status, problem: missingProblem },
  invalid: { status: invalid.response.status, fields: invalid.error?.errors?.map((error) => error.field) },
  knownToCommandsService: known,
  command,
});

/** Never called: each line must fail to compile, which proves the packages' types are the contract's, not `any`. */
export async function rejectedByTheCompiler(): Promise<void> {
  // @ts-expect-error `cost` is required
  await platforms.POST('/api/platforms', { body: { name, publisher: 'p' } });
  // @ts-expect-error the id is an integer
  await platforms.GET('/api/platforms/{id}', { params: { path: { id: '1' } } });
  // @ts-expect-error no such path in the contract
  await platforms.GET('/api/platform');
}
