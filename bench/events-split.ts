/**
 * Where the event delay goes, from the stamps both sides store: the platform's `created_at` (its
 * commit, give or take the transaction), the outbox row's `sent_at` (the relay marked it after the
 * broker's confirms) and the copy's `changed_at` (the consumer's write). Per burst of creates (the
 * bench's warm-up and rounds, told apart by a gap of more than a second), p50 / p99 of
 * commit → confirmed, confirmed → row and commit → row, for ours and the raw side of a finished
 * `npm run bench -- --only=events-delay` (its databases stay in bench/results/data/).
 *
 * `node bench/events-split.ts [scenario id, default events-delay]`
 */
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { dataDir } from './harness/fixtures.ts';
import { percentile } from './harness/stats.ts';

interface Stamped {
  readonly createdAt: number;
  readonly sentAt: number;
  readonly rowAt: number;
}

/** Each event's three stamps; the copy is attached to read the consumer's `changed_at` by external id. */
function stamps(source: string, target: string): Stamped[] {
  const db = new DatabaseSync(source, { readOnly: true });
  try {
    db.prepare('attach database ? as target').run(target);
    return db
      .prepare(
        `select p.created_at as createdAt, o.sent_at as sentAt, t.changed_at as rowAt from outbox_messages o
         join platforms p on p.id = json_extract(cast(o.payload as text), '$.id')
         join target.platforms t on t.external_id = p.id
         where o.sent_at is not null order by p.id`,
      )
      .all() as unknown as Stamped[];
  } finally {
    db.close();
  }
}

/** Splits events into bursts: a gap of more than 300 ms between two creates starts a new one. */
function bursts(events: readonly Stamped[]): Stamped[][] {
  const result: Stamped[][] = [];
  let last = Number.NEGATIVE_INFINITY;
  for (const event of events) {
    if (event.createdAt - last > 300) result.push([]);
    result.at(-1)?.push(event);
    last = event.createdAt;
  }
  return result;
}

const summary = (values: number[]): string => {
  const sorted = values.toSorted((a, b) => a - b);
  return `${percentile(sorted, 50)}/${percentile(sorted, 99)}`;
};

const id = process.argv[2] ?? 'events-delay';
const sides = {
  ours: [`${id}-platforms`, `${id}-commands`],
  raw: [`${id}-raw-outbox`, `${id}-raw-target`],
} as const;
const path = (name: string): string => join(dataDir, `${name}.sqlite`);
for (const [side, [source, target]] of Object.entries(sides)) {
  bursts(stamps(path(source), path(target))).forEach((burst, index) => {
    const confirmed = summary(burst.map((event) => event.sentAt - event.createdAt));
    const consumed = summary(burst.map((event) => event.rowAt - event.sentAt));
    const total = summary(burst.map((event) => event.rowAt - event.createdAt));
    console.log(`${side} burst ${index} (${burst.length} events), p50/p99 ms: commit→confirmed ${confirmed}, confirmed→row ${consumed}, commit→row ${total}`);
  });
}
