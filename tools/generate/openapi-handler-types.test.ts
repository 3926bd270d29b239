/**
 * Type-level checks of the generated REST surface: a handler set that misses an operation,
 * answers with the wrong body shape, an undeclared status or without a declared header, or
 * returns a body (a value of its own type, not only a literal) that lacks a required property or
 * has one the contract does not declare, must fail `tsc`; a correct one must compile. Runs the repository's TypeScript 7 compiler
 * on a temporary project whose `@platform/gen` is freshly generated.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateOpenapi } from './openapi.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

const header = `import { createRestServer, problem } from '@platform/runtime/rest';
import { platformServiceSurface } from '@platform/gen/openapi/platform-service/server.ts';
import type { Platform, PlatformServiceHandlers } from '@platform/gen/openapi/platform-service/server.ts';
export const platforms: Platform[] = [];
`;

const correctPlatform = `
  async listPlatforms() {
    return { status: 200, body: platforms };
  },
  async createPlatform({ body }) {
    const platform = { id: platforms.length + 1, ...body };
    return { status: 201, body: platform, headers: { location: \`/api/platforms/\${platform.id}\`, etag: '"1"' } };
  },
  async getPlatformById({ params }, { log }) {
    log.info({ id: params.id }, 'looking up a platform');
    const found = platforms.find((p) => p.id === params.id);
    return found ? { status: 200, body: found, headers: { etag: '"1"' } } : { status: 404, body: problem(404, \`cannot find platform \${params.id}: no such id\`) };
  },
  async updatePlatform({ params, body }) {
    const found = platforms.find((p) => p.id === params.id);
    return found ? { status: 200, body: { ...found, ...body }, headers: { etag: '"2"' } } : { status: 404, body: problem(404) };
  },
  async deletePlatform({ params }) {
    return platforms.some((p) => p.id === params.id) ? { status: 204 } : { status: 404, body: problem(404) };
  },`;

/** Fixture files; every name but `correct-*` must produce the errors listed in `expected`. */
const fixtures: Record<string, string> = {
  'correct-platform.ts': `${header}
export const handlers = {${correctPlatform}
} satisfies PlatformServiceHandlers;
export const server = createRestServer({ surface: platformServiceSurface, handlers, validateResponses: true });
`,
  'correct-commands.ts': `import { createRestServer } from '@platform/runtime/rest';
import { commandsServiceSurface } from '@platform/gen/openapi/commands-service/server.ts';
import type { Command, CommandsServiceHandlers } from '@platform/gen/openapi/commands-service/server.ts';
import { createPlatformServiceClient } from '@platform/gen/openapi/platform-service/client.ts';
const commands: Command[] = [];
const platformService = createPlatformServiceClient('http://localhost:5000');
export const handlers = {
  async testInboundConnection() {
    return { status: 200, body: { message: 'Inbound test of commands-service succeeded' } };
  },
  async listPlatforms() {
    const { data } = await platformService.GET('/api/platforms');
    return { status: 200, body: (data ?? []).map(({ id, name }) => ({ id, name })) };
  },
  async listCommandsForPlatform({ params }) {
    return { status: 200, body: commands.filter((c) => c.platformId === params.platformId) };
  },
  async getCommandForPlatform({ params: { platformId, commandId } }) {
    const found = commands.find((c) => c.platformId === platformId && c.id === commandId);
    return found ? { status: 200, body: found } : { status: 404, body: { type: 'about:blank', title: 'Not Found', status: 404 } };
  },
  async createCommandForPlatform({ params, body }) {
    const command = { id: commands.length + 1, platformId: params.platformId, ...body };
    return { status: 201, body: command, headers: { location: \`/api/c/platforms/\${params.platformId}/commands/\${command.id}\` } };
  },
} satisfies CommandsServiceHandlers;
export const server = createRestServer({ surface: commandsServiceSurface, handlers });
`,
  'missing-operation.ts': `${header}
export const handlers = {
  async listPlatforms() {
    return { status: 200, body: platforms };
  },
  async getPlatformById() {
    return { status: 404, body: problem(404) };
  },
  async updatePlatform() {
    return { status: 404, body: problem(404) };
  },
  async deletePlatform() {
    return { status: 404, body: problem(404) };
  },
} satisfies PlatformServiceHandlers;
`,
  'wrong-body-shape.ts': `${header}
export const handlers = {${correctPlatform.replace('{ status: 200, body: platforms }', "{ status: 200, body: [{ id: 1, name: 'Dot Net', cost: 0 }] }")}
} satisfies PlatformServiceHandlers;
`,
  'undeclared-status.ts': `${header}
export const handlers = {${correctPlatform.replace("{ status: 404, body: problem(404, `cannot find platform ${params.id}: no such id`) }", "{ status: 410, body: problem(410) }")}
} satisfies PlatformServiceHandlers;
`,
  'missing-location-header.ts': `${header}
export const handlers = {${correctPlatform.replace(", headers: { location: `/api/platforms/${platform.id}`, etag: '\"1\"' }", '')}
} satisfies PlatformServiceHandlers;
`,
  'wrong-param-type.ts': `${header}
export const handlers = {${correctPlatform.replace("log.info({ id: params.id }, 'looking up a platform');", 'const name: string = params.id;')}
} satisfies PlatformServiceHandlers;
`,
  'correct-own-view-type.ts': `${header}
/** A service's own read model: exactly the declared fields, under another name. */
interface PlatformView { readonly id: number; readonly name: string; readonly publisher: string; readonly cost: string }
const views: PlatformView[] = [];
export const handlers = {${correctPlatform.replace('{ status: 200, body: platforms }', '{ status: 200, body: views }')}
} satisfies PlatformServiceHandlers;
export const server = createRestServer({ surface: platformServiceSurface, handlers });
`,
  'extra-body-property.ts': `${header}
/** A row with a column the contract does not declare (or a field the contract dropped). */
interface PlatformRow { readonly id: number; readonly name: string; readonly publisher: string; readonly cost: string; readonly createdAt: string }
const rows: PlatformRow[] = [];
export const handlers = {${correctPlatform.replace('{ status: 200, body: platforms }', '{ status: 200, body: rows }')}
} satisfies PlatformServiceHandlers;
export const server = createRestServer({ surface: platformServiceSurface, handlers });
`,
  'extra-problem-property.ts': `${header}
const notFound = { ...problem(404, 'cannot find platform: no such id'), stack: 'Error: at db.ts:12' };
export const handlers = {${correctPlatform.replace("{ status: 404, body: problem(404, `cannot find platform ${params.id}: no such id`) }", '{ status: 404, body: notFound }')}
} satisfies PlatformServiceHandlers;
export const server = createRestServer({ surface: platformServiceSurface, handlers });
`,
  'missing-required-property.ts': `${header}
/** A read model that lost a field the contract requires. */
interface PlatformSummary { readonly id: number; readonly name: string; readonly publisher: string }
const summaries: PlatformSummary[] = [];
export const handlers = {${correctPlatform.replace('{ status: 200, body: platforms }', '{ status: 200, body: summaries }')}
} satisfies PlatformServiceHandlers;
`,
  'mismatched-surface.ts': `import { createRestServer } from '@platform/runtime/rest';
import { platformServiceSurface } from '@platform/gen/openapi/platform-service/server.ts';
import { handlers } from './correct-commands.ts';
export const server = createRestServer({ surface: platformServiceSurface, handlers });
`,
};

/** Per failing fixture: the TypeScript error code and a piece of its message. */
const expected: Record<string, { code: string; message: RegExp }> = {
  'missing-operation.ts': { code: 'TS2741', message: /Property 'createPlatform' is missing in type .* but required in type 'PlatformServiceHandlers'/ },
  'wrong-body-shape.ts': { code: 'TS2322', message: /Property 'publisher' is missing in type '\{ id: number; name: string; cost: number; \}' but required in type/ },
  'undeclared-status.ts': { code: 'TS2322', message: /Type '410' is not assignable to type/ },
  'missing-location-header.ts': { code: 'TS2322', message: /Property 'headers' is missing in type '\{ status: 201; body: .*' but required in type/ },
  'wrong-param-type.ts': { code: 'TS2322', message: /Type 'number' is not assignable to type 'string'/ },
  // Reported where the set is bound: the property, then why (it may only be absent).
  // tsc names the set's own type where it is bound, then the body the contract allows: the extra property may only be absent (`never`).
  'extra-body-property.ts': { code: 'TS2719', message: /not assignable to type 'ExactHandlers<[\s\S]*createdAt: never/ },
  'extra-problem-property.ts': { code: 'TS2719', message: /not assignable to type 'ExactHandlers<[\s\S]*stack: string; \}; \}' is not assignable/ },
  'missing-required-property.ts': { code: 'TS2322', message: /Property 'cost' is missing in type 'PlatformSummary' but required in type/ },
  'mismatched-surface.ts': { code: 'TS2322', message: /missing the following properties from type 'PlatformServiceHandlers': createPlatform, getPlatformById, updatePlatform, deletePlatform/ },
};

let dir: string;
let diagnostics: Map<string, string[]>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'openapi-types-'));
  await generateOpenapi({ root, contractsDir: join(root, 'contracts'), genDir: join(dir, 'gen') });
  await symlink(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const tsconfig = {
    extends: join(root, 'tsconfig.base.json'),
    compilerOptions: { paths: { '@platform/gen/*': ['./gen/*'] } },
    include: ['*.ts'],
  };
  await writeFile(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  for (const [name, text] of Object.entries(fixtures)) await writeFile(join(dir, name), text);

  const output = await promisify(execFile)(process.execPath, [tsc, '-p', dir, '--pretty', 'false'], { cwd: dir }).then(
    (result) => result.stdout,
    (error: { stdout?: string }) => error.stdout ?? String(error),
  );
  // Lines look like `file.ts(12,5): error TS2322: ...`; continuation lines are indented.
  diagnostics = new Map();
  let current = '';
  for (const line of output.split('\n')) {
    const match = /^(.+?)\(\d+,\d+\): error (TS\d+: .*)$/.exec(line);
    if (match) {
      current = match[1]!;
      diagnostics.set(current, [...(diagnostics.get(current) ?? []), match[2]!]);
    } else if (line.trim() && current) {
      const messages = diagnostics.get(current)!;
      messages[messages.length - 1] += `\n${line}`;
    }
  }
}, 60_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('generated handler interfaces under tsc', () => {
  it('compile a correct handler set for each service, bound with createRestServer', () => {
    expect(diagnostics.get('correct-platform.ts')).toBeUndefined();
    expect(diagnostics.get('correct-commands.ts')).toBeUndefined();
    expect(diagnostics.get('correct-own-view-type.ts')).toBeUndefined();
  });

  it('report errors only in the failing fixtures (generated code and runtime compile)', () => {
    expect([...diagnostics.keys()].toSorted()).toEqual(Object.keys(expected).toSorted());
  });

  it.each(Object.entries(expected))('reject %s', (file, { code, message }) => {
    const errors = diagnostics.get(file) ?? [];
    // The errors ride along so a failure shows what tsc said instead.
    expect({ matched: errors.some((e) => e.startsWith(`${code}:`) && message.test(e)), errors }).toMatchObject({ matched: true });
  });
});
