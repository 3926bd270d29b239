/**
 * Proto step: compiles our buf module (contracts/proto) and the gRPC health and reflection
 * protos into gen/proto with protoc-gen-es, driven by the repository's buf.gen.yaml; the health and
 * reflection code also goes to runtime/src/generated/grpc, which the runtime imports.
 *
 * The health and reflection protos are not ours: they are taken from the npm packages
 * `grpc-health-check` and `@grpc/reflection` at generation time and staged in a temporary
 * buf module outside the repository, so the repository never holds a copy that could drift.
 * Everything runs offline (no Buf Schema Registry) and writes identical bytes every time.
 */
import { access, cp, glob, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { runBufOrThrow } from '../contracts/buf.ts';
import { runtimeGenDirOf } from './runtime-gen-dir.ts';
import type { GenerateContext } from './index.ts';

const require = createRequire(import.meta.url);

/** A proto shipped inside an npm package, and the canonical path it is imported and reflected by. */
interface ThirdPartyProto {
  readonly pkg: string;
  readonly path: string;
}

/** Protos served by runtime/src/grpc (health.ts, reflection.ts). */
export const thirdPartyProtos: readonly ThirdPartyProto[] = [
  { pkg: 'grpc-health-check', path: 'grpc/health/v1/health.proto' },
  { pkg: '@grpc/reflection', path: 'grpc/reflection/v1/reflection.proto' },
  { pkg: '@grpc/reflection', path: 'grpc/reflection/v1alpha/reflection.proto' },
];

/** The `out` of the plugin in buf.gen.yaml; buf writes it below the `-o` base folder. */
const templateOut = 'gen/proto';

/**
 * Runs the buf CLI and resolves with its stdout (the one runner, in tools/contracts/buf.ts);
 * exported for the tests that drive buf (lint, curl).
 */
export const runBuf = runBufOrThrow;

export async function generateProto(ctx: GenerateContext): Promise<void> {
  const staging = await mkdtemp(join(tmpdir(), 'platform-proto-'));
  try {
    const module = join(staging, 'module');
    const out = join(staging, 'out');
    for (const proto of thirdPartyProtos) {
      const target = join(module, proto.path);
      await mkdir(dirname(target), { recursive: true });
      await cp(await locateProto(proto), target);
    }
    // Our module: buf.gen.yaml's own input (contracts/proto), as a plain `buf generate` would do.
    await runBuf(['generate', '--template', join(ctx.root, 'buf.gen.yaml'), '-o', out], ctx.root);
    // The staged third-party module, with the same template and plugin options.
    await runBuf(['generate', module, '--template', join(ctx.root, 'buf.gen.yaml'), '-o', out], ctx.root);
    const generated = join(out, templateOut);
    await access(generated).catch((cause: unknown) => {
      throw new Error(`cannot generate protobuf code: buf wrote nothing to ${templateOut} (does buf.gen.yaml still say out: ${templateOut}?)`, { cause });
    });
    // Replace, never merge: a file whose proto was removed must not linger in gen/.
    const target = join(ctx.genDir, 'proto');
    await rm(target, { recursive: true, force: true });
    await cp(generated, target, { recursive: true });
    // The runtime serves health and reflection from its own copy: it never imports gen/.
    const runtimeTarget = join(runtimeGenDirOf(ctx), 'grpc');
    await rm(runtimeTarget, { recursive: true, force: true });
    await cp(join(generated, 'grpc'), runtimeTarget, { recursive: true });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * Compiles a buf module other than ours (a folder of .proto files, such as the runtime's test
 * fixtures) with the same template and plugin options into `targetDir`, which it replaces. The
 * module is staged outside the repository, where no buf.yaml claims it.
 */
export async function generateProtoModule(root: string, moduleDir: string, targetDir: string): Promise<void> {
  const staging = await mkdtemp(join(tmpdir(), 'platform-proto-'));
  try {
    const out = join(staging, 'out');
    await cp(moduleDir, join(staging, 'module'), { recursive: true });
    await runBuf(['generate', join(staging, 'module'), '--template', join(root, 'buf.gen.yaml'), '-o', out], root);
    await rm(targetDir, { recursive: true, force: true });
    await cp(join(out, templateOut), targetDir, { recursive: true });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * Finds a proto inside its npm package by its canonical path suffix, so a package that moves
 * its proto folder (grpc-health-check keeps `proto/health/v1/`, @grpc/reflection `build/proto/grpc/...`)
 * still works. The package is resolved from tools/, where it is a dependency.
 */
async function locateProto({ pkg, path }: ThirdPartyProto): Promise<string> {
  const root = dirname(require.resolve(`${pkg}/package.json`));
  const suffix = path.replace(/^grpc\//, '');
  const matches: string[] = [];
  for await (const match of glob(`**/${suffix}`, { cwd: root, exclude: (name) => basename(name) === 'node_modules' })) {
    matches.push(match);
  }
  const found = matches.toSorted((a, b) => a.length - b.length || (a < b ? -1 : 1))[0];
  if (!found) throw new Error(`cannot generate protobuf code: ${pkg} contains no file ending in ${suffix}`);
  return join(root, found);
}
