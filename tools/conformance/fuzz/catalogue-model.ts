/**
 * The platform lifecycle as contracts/asyncapi/platform-events.yaml describes it, in two halves:
 * the producer's histories (what platform-service can send: a create at version 1, updates one
 * version up each, one final delete) and the consumer's copy (what commands-service must hold
 * after applying events in version order: a newer version wins, a delete leaves a tombstone and
 * takes the platform's commands, nothing changes a tombstone). Events are drawn from consistent
 * histories but delivered in any order, duplicated, late or never: the copy they must converge on
 * does not depend on the order they are handled in, so a batch may be consumed concurrently.
 */

/** What each message of the queue does to a platform, per the contract's description. */
export const lifecycle: Readonly<Record<string, 'create' | 'update' | 'delete'>> = {
  'platform.published': 'create',
  'platform.updated': 'update',
  'platform.deleted': 'delete',
};

/** One event of a history: its type and its payload as platform-service would send it. */
export interface LifecycleEvent {
  readonly type: string;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly id: number;
  readonly version: number;
  /** The messageId it was first sent with; a redelivery of the same message keeps it. */
  messageId?: string;
}

/** The producer's side of one platform. */
interface History {
  readonly id: number;
  readonly events: LifecycleEvent[];
  /** 0: not created yet. */
  version: number;
  deleted: boolean;
}

/** What to make of one generated event. */
export interface EventIntent {
  /** Which of the platforms in play (modulo their number). */
  readonly slot: number;
  readonly type: string;
  /** A payload generated from the type's schema; `id` and `version` are set from the history. */
  readonly payload: Readonly<Record<string, unknown>>;
  /** Send an earlier event of this type of the platform again (a duplicate or a late one) instead of a new one, if there is one. */
  readonly replay: number | undefined;
}

/** Platform-service's histories: turns intents into events a real producer could have sent. */
export interface Producer {
  /** The event an intent stands for (advancing that platform's history unless it is a replay). */
  next(intent: EventIntent): LifecycleEvent;
}

export function createProducer(slots: number, taken: (id: number) => boolean): Producer {
  const histories: (History | undefined)[] = Array.from({ length: slots }, () => undefined);
  const born = new Set<number>();
  const event = (history: History, type: string, payload: Readonly<Record<string, unknown>>, version: number): LifecycleEvent => {
    const made: LifecycleEvent = { type, payload: { ...payload, id: history.id, ...('version' in payload || lifecycle[type] !== 'create' ? { version } : {}) }, id: history.id, version };
    history.events.push(made);
    return made;
  };
  /** A platform nobody has used yet, with the generated id when it is free (so ids span the schema's range). */
  const fresh = (wanted: unknown): History => {
    let id = typeof wanted === 'number' && Number.isInteger(wanted) && wanted >= 1 ? wanted : 1;
    while (born.has(id) || taken(id)) id = id >= 2_147_483_647 ? 1 : id + 1;
    born.add(id);
    return { id, events: [], version: 0, deleted: false };
  };
  return {
    next(intent) {
      const slot = intent.slot % slots;
      const kind = lifecycle[intent.type];
      let history = histories[slot];
      const earlier = history?.events.filter((made) => made.type === intent.type) ?? [];
      if (intent.replay !== undefined && earlier.length > 0) return earlier[intent.replay % earlier.length] as LifecycleEvent;
      // Every new event is one of its own (a new id, or the next version): a create, or anything after a delete, starts a new platform.
      if (history === undefined || history.deleted || kind === 'create') history = histories[slot] = fresh(intent.payload.id);
      if (kind === 'create') {
        history.version = 1;
        return event(history, intent.type, intent.payload, 1);
      }
      // An update or delete of a platform whose create was never sent: it overtook its create.
      if (history.version === 0) history.version = 1;
      history.version++;
      if (kind === 'delete') history.deleted = true;
      return event(history, intent.type, intent.payload, history.version);
    },
  };
}

/** One platform of commands-service's copy, as the API and the sweep see it. */
export interface HeldPlatform {
  readonly name: string;
  readonly version: number;
  readonly deleted: boolean;
  /** Commands of the platform. */
  readonly commands: number;
}

/** The copy commands-service must hold; keyed by platform id. */
export interface CatalogueModel {
  /** Applies an accepted event as the contract says; true when it changes the copy. */
  apply(event: LifecycleEvent): boolean;
  /** A command was added to a live platform. */
  addCommand(id: number): void;
  /** Live platform ids. */
  live(): number[];
  has(id: number): boolean;
  /** The copy, in comparable form: tombstones without a name (theirs is whatever the row held). */
  snapshot(): Map<number, HeldPlatform>;
}

export function createCatalogueModel(): CatalogueModel {
  const held = new Map<number, HeldPlatform>();
  return {
    apply(event) {
      const kind = lifecycle[event.type];
      const row = held.get(event.id);
      const newer = row === undefined || (!row.deleted && row.version < event.version);
      if (!newer) return false;
      if (kind === 'delete') held.set(event.id, { name: '', version: event.version, deleted: true, commands: 0 });
      else held.set(event.id, { name: String(event.payload.name), version: event.version, deleted: false, commands: row?.commands ?? 0 });
      return true;
    },
    addCommand(id) {
      const row = held.get(id);
      if (row === undefined || row.deleted) throw new Error(`cannot add a command to platform ${id}: the model does not hold it live`);
      held.set(id, { ...row, commands: row.commands + 1 });
    },
    live: () => [...held].filter(([, row]) => !row.deleted).map(([id]) => id),
    has: (id) => held.has(id),
    snapshot: () => new Map([...held].map(([id, row]) => [id, row.deleted ? { ...row, name: '' } : row])),
  };
}
