/** The deployable parts of the repository, as the deployment checks see them. */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseDockerfile, withBuildArgs } from './dockerfile.ts';
import type { Dockerfile } from './dockerfile.ts';
import type { AnyEntity, EntityClass, EntitySchema } from '@mikro-orm/core';

export const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface MigratedService {
  /** The part's folder, e.g. `platform-service`. */
  readonly name: string;
  /** `<service>/migrations`, holding one folder per server driver. */
  readonly migrationsRoot: string;
  /** The service's entities (imported lazily: only the tools need them all at once). */
  entities(): Promise<(EntitySchema | EntityClass<AnyEntity>)[]>;
}

/** Every workspace with a database: its `src/database.ts` exports `entities`, its migrations are in `<it>/migrations`. */
export const migratedServices: readonly MigratedService[] = (JSON.parse(readFileSync(join(repositoryRoot, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces
  .filter((workspace) => existsSync(join(repositoryRoot, workspace, 'src', 'database.ts')))
  .map((name) => ({
    name,
    migrationsRoot: join(repositoryRoot, name, 'migrations'),
    entities: async () => [...((await import(join(repositoryRoot, name, 'src', 'database.ts'))) as { entities: (EntitySchema | EntityClass<AnyEntity>)[] }).entities],
  }));

/** A part built from the repository's one Dockerfile, with the build arguments compose.yaml gives it. */
export interface ImagePart {
  readonly part: string;
  /** `PART` (the folder) and `PORTS` (HTTP port first). */
  readonly args: Readonly<Record<string, string>>;
}

/** The parts compose.yaml builds from the root Dockerfile, in file order. */
export async function imageParts(root = repositoryRoot): Promise<ImagePart[]> {
  const compose = parse(await readFile(join(root, 'compose.yaml'), 'utf8')) as { services: Record<string, { build?: { dockerfile?: string; args?: Record<string, string> } }> };
  return Object.entries(compose.services)
    .filter(([, service]) => service.build?.dockerfile === 'Dockerfile')
    .map(([part, service]) => ({ part, args: service.build?.args ?? {} }));
}

/** The root Dockerfile as `docker build` reads it for one part. */
export async function partDockerfile(part: string, root = repositoryRoot): Promise<Dockerfile> {
  const found = (await imageParts(root)).find((candidate) => candidate.part === part);
  if (found === undefined) throw new Error(`cannot read the Dockerfile of ${part}: compose.yaml builds no such part from Dockerfile`);
  return parseDockerfile(withBuildArgs(await readFile(join(root, 'Dockerfile'), 'utf8'), found.args));
}
