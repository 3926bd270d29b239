/**
 * Reading the catalogue: the platforms that exist (deleted ones are tombstones, never read here),
 * with their versions. Large reads go page by page with keyset pagination on the primary key
 * (`id > last seen`, ordered by id, limited), so memory stays bounded by one page whatever the
 * size of the catalogue.
 *
 * Reads select the public columns and the version (REST's list: the public columns alone) as plain
 * rows: they only ever become views, and hydrating entities into an identity map first cost about
 * six times as much CPU per page (bench: GET /api/platforms and GetAllPlatforms profiles). The
 * statements are built once per ORM by MikroORM's query builder (so quoting and limit syntax are
 * the driver's own: `limit ?` on SQLite and PostgreSQL, `top (?)` on SQL Server) and then only
 * executed, as prepared statements through the driver (runtime db/statements.ts): building a query
 * builder per request was about 30 % of the CPU of GET /api/platforms/{id}, MikroORM's execute
 * path about 14 %.
 */
import type { Orm, PreparedStatement } from '@platform/runtime/db';
import { statementsOf } from '@platform/runtime/db';
import { Platform, type PlatformView, type VersionedPlatform } from './platform-entity.ts';

/** The columns every read returns: a `VersionedPlatform`. */
const viewColumns = ['id', 'name', 'publisher', 'cost', 'version'] as const;
/** The columns of a `PlatformView`, in its members' order, for REST's list. */
const publicColumns = ['id', 'name', 'publisher', 'cost'] as const;

type PlatformRow = Pick<Platform, (typeof viewColumns)[number]>;

/** A finished SQL statement, prepared for the driver (db/statements.ts), and where its two values go. */
interface ReadStatement {
  readonly prepared: PreparedStatement;
  params(key: number, limit: number): number[];
}

interface ReadStatements {
  /** `id = key`, at most `limit` rows, each as its `PlatformColumns`. */
  readonly byId: ReadStatement;
  /** `id > key` in id order, at most `limit` rows. */
  readonly pageAfter: ReadStatement;
  /** `pageAfter` with each row as its `PlatformColumns`. */
  readonly pageAfterColumns: ReadStatement;
  /** `pageAfter` of the `publicColumns` only, each row as their array. */
  readonly viewPageAfter: ReadStatement;
}

/**
 * A platform row as the array of its columns (`viewColumns`, in order), for reads that turn every
 * row into something else in one pass. Some drivers give an integer column as a string.
 */
export type PlatformColumns = readonly [id: number | string, name: string, publisher: string, cost: string, version: number | string];

// Placeholder values no id or limit takes, used only to find where the driver puts each parameter.
const keyMark = -1_000_001;
const limitMark = -1_000_002;

const statementsByOrm = new WeakMap<Orm, ReadStatements>();

function readStatements(orm: Orm): ReadStatements {
  let statements = statementsByOrm.get(orm);
  if (statements === undefined) {
    const query = (columns: readonly (typeof viewColumns)[number][] = viewColumns) => orm.em.fork().createQueryBuilder(Platform).select([...columns]);
    const pageAfter = (columns?: readonly (typeof viewColumns)[number][]) =>
      query(columns).where({ id: { $gt: keyMark }, deletedAt: null }).orderBy({ id: 'asc' }).limit(limitMark).toQuery();
    statements = {
      byId: readStatement(orm, query().where({ id: keyMark, deletedAt: null }).limit(limitMark).toQuery(), { arrays: true }),
      pageAfter: readStatement(orm, pageAfter()),
      pageAfterColumns: readStatement(orm, pageAfter(), { arrays: true }),
      viewPageAfter: readStatement(orm, pageAfter(publicColumns), { arrays: true }),
    };
    statementsByOrm.set(orm, statements);
  }
  return statements;
}

function readStatement(orm: Orm, built: { readonly sql: string; readonly params: readonly unknown[] }, options?: { readonly arrays: boolean }): ReadStatement {
  const { sql, params: marks } = built;
  const slots = marks.map((mark) => (mark === keyMark ? 'key' : mark === limitMark ? 'limit' : undefined));
  if (slots.length !== 2 || !slots.includes('key') || !slots.includes('limit')) {
    throw new Error(`cannot prepare platform reads: unexpected parameters ${JSON.stringify(marks)} for ${sql}`);
  }
  return { prepared: statementsOf(orm).prepare(sql, options), params: (key, limit) => slots.map((slot) => (slot === 'key' ? key : limit)) };
}

async function readRows(orm: Orm, statement: ReadStatement, key: number, limit: number): Promise<PlatformRow[]> {
  return statementsOf(orm).rows<PlatformRow>(statement.prepared, statement.params(key, limit));
}

/** A row as the drivers return it: some give a column they cannot type as a string. */
function toVersioned(row: PlatformRow): VersionedPlatform {
  return { id: Number(row.id), name: row.name, publisher: row.publisher, cost: row.cost, version: Number(row.version) };
}

/**
 * One existing platform by id, or undefined (also for a deleted one). The row is read as its
 * columns: node:sqlite's object row made this read about 2.5 us (a quarter) dearer in process.
 */
export async function findPlatform(orm: Orm, id: number): Promise<VersionedPlatform | undefined> {
  const { byId } = readStatements(orm);
  const [row] = await statementsOf(orm).rows<PlatformColumns>(byId.prepared, byId.params(id, 1));
  if (row === undefined) return undefined;
  const [rowId, name, publisher, cost, version] = row;
  return { id: Number(rowId), name, publisher, cost, version: Number(version) };
}

export interface PlatformPagesOptions {
  /** Only platforms with a greater id; 0 starts at the beginning. */
  readonly afterId?: number;
  /** Platforms per page, >= 1. */
  readonly pageSize: number;
  /** Stops reading (the generator ends) once aborted, e.g. when the client went away. */
  readonly signal?: AbortSignal;
}

/** The existing platforms in ascending id order, one page (never empty) at a time. */
export async function* platformPages(orm: Orm, options: PlatformPagesOptions): AsyncGenerator<VersionedPlatform[]> {
  const { pageSize, signal } = options;
  const { pageAfter } = readStatements(orm);
  let afterId = options.afterId ?? 0;
  for (;;) {
    if (signal?.aborted) return;
    const rows = await readRows(orm, pageAfter, afterId, pageSize);
    if (rows.length === 0) return;
    const page = rows.map(toVersioned);
    yield page;
    if (rows.length < pageSize) return;
    afterId = page[page.length - 1]?.id ?? afterId;
  }
}

/** Every existing platform in id order (read page by page; the result itself holds the whole catalogue). */
export async function listPlatforms(orm: Orm, pageSize = 1000): Promise<VersionedPlatform[]> {
  const all: VersionedPlatform[] = [];
  for await (const page of platformPages(orm, { pageSize })) all.push(...page);
  return all;
}

/**
 * `platformPages` with each row given to `as` as its columns: one pass from the driver to what the
 * caller sends (the gRPC messages), with no object per row in between. At 100k rows per
 * StreamPlatforms, the row objects and a copy of each were a fifth of its CPU (bench profile).
 */
export async function* platformPagesAs<T>(orm: Orm, options: PlatformPagesOptions, as: (columns: PlatformColumns) => T): AsyncGenerator<T[]> {
  const { pageSize, signal } = options;
  const { pageAfterColumns } = readStatements(orm);
  let afterId = options.afterId ?? 0;
  for (;;) {
    if (signal?.aborted) return;
    const rows = await statementsOf(orm).rows<PlatformColumns>(pageAfterColumns.prepared, pageAfterColumns.params(afterId, pageSize));
    if (rows.length === 0) return;
    yield rows.map(as);
    if (rows.length < pageSize) return;
    afterId = Number(rows[rows.length - 1]?.[0] ?? afterId);
  }
}

/** Every existing platform in id order, each as `as(columns)` (read page by page; the result holds the whole catalogue). */
export async function listPlatformsAs<T>(orm: Orm, as: (columns: PlatformColumns) => T, pageSize = 1000): Promise<T[]> {
  const { pageAfterColumns } = readStatements(orm);
  const all: T[] = [];
  for (let afterId = 0; ; ) {
    const rows = await statementsOf(orm).rows<PlatformColumns>(pageAfterColumns.prepared, pageAfterColumns.params(afterId, pageSize));
    for (const row of rows) all.push(as(row));
    if (rows.length < pageSize) return all;
    afterId = Number(rows[rows.length - 1]?.[0] ?? afterId);
  }
}

/** A view's columns (`publicColumns`), as `PlatformColumns` without the version. */
type ViewColumns = readonly [id: number | string, name: string, publisher: string, cost: string];

/**
 * Every existing platform in id order as its public view (REST's list): the four public columns
 * only, each row read as their array and made into its view in one step. In process, on 100 rows
 * (bench/prototypes/list-path-micro.ts): node:sqlite builds array rows for about a quarter less CPU
 * than objects, the unused version column was about a fifth of the read, and views made here share
 * one shape, which JSON.stringify writes faster than the driver's row objects; read and stringify
 * together went from 121 to 59 us, against 82 us for bare Express's `all()` and stringify.
 */
export async function listPlatformViews(orm: Orm, pageSize = 1000): Promise<PlatformView[]> {
  const { viewPageAfter } = readStatements(orm);
  const statements = statementsOf(orm);
  const all: PlatformView[] = [];
  for (let afterId = 0; ; ) {
    const rows = await statements.rows<ViewColumns>(viewPageAfter.prepared, viewPageAfter.params(afterId, pageSize));
    for (const [id, name, publisher, cost] of rows) all.push({ id: Number(id), name, publisher, cost });
    if (rows.length < pageSize) return all;
    afterId = all[all.length - 1]?.id ?? afterId;
  }
}
