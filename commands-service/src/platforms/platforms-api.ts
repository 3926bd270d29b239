import type { CommandsServiceHandlers } from '@platform/gen/openapi/commands-service/server.ts';
import { driverOf, statementsOf, type Orm, type PreparedStatement } from '@platform/runtime/db';

/** The platform operations of the REST contract. Platforms are shown by their external id, deleted ones not at all. */
export type PlatformsApi = Pick<CommandsServiceHandlers, 'listPlatforms' | 'testInboundConnection'>;

/** A row of `listStatement`: the external id (some drivers give integers as strings) and the name. */
type ListedPlatform = readonly [externalId: number | string, name: string];

/**
 * The live platforms in external id order, written once per ORM and run as a prepared statement
 * through the driver (runtime db/statements.ts; no value is bound). It was `em.fork().find(...)`:
 * hydrating 100 entities into an identity map per request made enough survive each young-generation
 * collection to grow V8's young generation to its maximum, 7 MB of idle RSS (issue 18).
 */
export function listStatement(orm: Orm): PreparedStatement {
  const statements = statementsOf(orm);
  const [platforms, externalId, name, deleted] = ['platforms', 'external_id', 'name', 'deleted'].map((identifier) => statements.quote(identifier));
  const no = driverOf(orm) === 'postgresql' ? 'false' : '0';
  return statements.prepare(`select ${externalId}, ${name} from ${platforms} where ${deleted} = ${no} order by ${externalId} asc`, { arrays: true });
}

export function createPlatformsApi(orm: Orm) {
  const list = listStatement(orm);
  return {
    async listPlatforms() {
      const rows = await statementsOf(orm).rows<ListedPlatform>(list, []);
      return { status: 200, body: rows.map(([id, name]) => ({ id: Number(id), name })) };
    },

    async testInboundConnection(request, { log }) {
      log.info({ userAgent: request.headers['user-agent'] }, 'inbound connection test received');
      return { status: 200, body: { message: 'Inbound test of commands-service succeeded' } };
    },
  } satisfies PlatformsApi;
}
