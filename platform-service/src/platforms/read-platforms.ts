/**
 * Reading the catalogue. Large reads go page by page with keyset pagination on the primary key
 * (`id > last seen`, ordered by id, limited), each page in a fresh entity manager, so memory
 * stays bounded by one page whatever the size of the catalogue.
 *
 * Reads select the four public columns as plain rows (query builder, no entity hydration): they
 * only ever become `PlatformView`s, and hydrating entities into an identity map first cost about
 * six times as much CPU per page (bench: GET /api/platforms and GetAllPlatforms profiles).
 */
import type { Orm } from '@platform/runtime/db';
import { Platform, toPlatformView } from './platform-entity.ts';
import type { PlatformView } from './platform-entity.ts';

/** The columns every read returns: a `PlatformView`. */
const viewColumns = ['id', 'name', 'publisher', 'cost'] as const;

type PlatformRow = Pick<Platform, (typeof viewColumns)[number]>;

/** One platform by id, or undefined. */
export async function findPlatform(orm: Orm, id: number): Promise<PlatformView | undefined> {
  const rows = await orm.em.fork().createQueryBuilder(Platform).select([...viewColumns]).where({ id }).limit(1).execute<PlatformRow[]>('all', false);
  const [row] = rows;
  return row === undefined ? undefined : toPlatformView(row);
}

export interface PlatformPagesOptions {
  /** Only platforms with a greater id; 0 starts at the beginning. */
  readonly afterId?: number;
  /** Platforms per page, >= 1. */
  readonly pageSize: number;
  /** Stops reading (the generator ends) once aborted, e.g. when the client went away. */
  readonly signal?: AbortSignal;
}

/** The catalogue in ascending id order, one page (never empty) at a time. */
export async function* platformPages(orm: Orm, options: PlatformPagesOptions): AsyncGenerator<PlatformView[]> {
  const { pageSize, signal } = options;
  let afterId = options.afterId ?? 0;
  for (;;) {
    if (signal?.aborted) return;
    const rows = await orm.em
      .fork()
      .createQueryBuilder(Platform)
      .select([...viewColumns])
      .where({ id: { $gt: afterId } })
      .orderBy({ id: 'asc' })
      .limit(pageSize)
      .execute<PlatformRow[]>('all', false);
    if (rows.length === 0) return;
    const page = rows.map(toPlatformView);
    yield page;
    if (rows.length < pageSize) return;
    afterId = page[page.length - 1]?.id ?? afterId;
  }
}

/** Every platform in id order (read page by page; the result itself holds the whole catalogue). */
export async function listPlatforms(orm: Orm, pageSize = 1000): Promise<PlatformView[]> {
  const all: PlatformView[] = [];
  for await (const page of platformPages(orm, { pageSize })) all.push(...page);
  return all;
}
