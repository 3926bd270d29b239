/**
 * Property-based fuzzing from the AsyncAPI contract (issue 13): for every queue a part consumes,
 * messages of every type it receives, valid ones (payload and metadata from the message's
 * schemas, AMQP properties as the platform's transport sets them) and mutated ones breaking one
 * thing each (event-mutations.ts), are published with plain amqplib to the real consumer
 * (commands-service on RabbitMQ, on PostgreSQL and on SQLite). Properties:
 * - every valid message is handled (applied, or ignored as stale), and the database then holds
 *   what the contract's version-ordered application gives (catalogue-model.ts): newer versions
 *   win, a delete leaves a tombstone and takes the platform's commands, nothing revives it;
 * - a message the contract tolerates (an unknown member or header, odd but well-formed text, ...)
 *   is handled like the valid one it came from;
 * - every other message is dead-lettered at once (`poison_message`, one attempt), unchanged, with
 *   an `x-dead-letter-reason` naming the fault, and leaves no trace in the database;
 * - every message gets exactly one outcome, handled or dead-lettered (nothing is lost or handled
 *   twice), no handler is retried or requeued, the consumer keeps consuming and, once stopped,
 *   has left nothing in its queue.
 *
 * Seed: FUZZ_SEED, else fixed under CI, else random (printed, so a failure can be replayed).
 * FUZZ_RUNS scales the number of cases (default 1). The cases of one database share a broker
 * queue and a database, so a failing run stops at its first counterexample (no shrinking: the
 * state it would shrink against has moved on).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCatalogueModel, createProducer } from './fuzz/catalogue-model.ts';
import { type ConsumerUnderTest, keyOf, startConsumerUnderTest } from './fuzz/consumer-under-test.ts';
import { loadEventContract } from './fuzz/event-contract.ts';
import { type FuzzMessage, type MessagePlan, materialize, mutatedPlans, platformSlots, validPlans } from './fuzz/event-messages.ts';

const seed = Number(process.env.FUZZ_SEED ?? (process.env.CI ? 20_261_213 : Math.floor(Math.random() * 2 ** 31)));
const scale = Number(process.env.FUZZ_RUNS ?? 1);
const runs = { valid: Math.max(1, Math.round(30 * scale)), mutated: Math.max(1, Math.round(40 * scale)) };
/** Long enough for any message to be handled on a loaded machine; reached only when one is lost. */
const livenessBoundMs = 30_000;
const caseTimeout = 180_000;

const contract = await loadEventContract();
/** How each queue's consumer is started in a test; a queue whose consumer is missing here fails the run. */
const consumers: Readonly<Record<string, typeof startConsumerUnderTest>> = { 'commands-service': startConsumerUnderTest };
const drivers = ['postgresql', 'sqlite'] as const;

const tally = { valid: 0, mutated: 0, messages: 0, accepted: 0, deadLettered: 0, kinds: new Set<string>(), unmodelled: new Set<string>() };

const describeMessage = (message: FuzzMessage): string =>
  `${message.kind} (${message.type}): routing key ${message.publish.routingKey}, properties ${JSON.stringify(message.publish.options, (_key, value: unknown) => (typeof value === 'string' && value.length > 200 ? `${value.slice(0, 200)}…` : value))}, body ${message.publish.body.toString('utf8').slice(0, 300)}${message.publish.body.length > 300 ? '…' : ''}`;

for (const queue of contract.queues) {
  describe.each(drivers)(`${queue.queue} (${queue.consumer}) on %s, fuzzed from ${contract.file} (seed ${seed})`, (driver) => {
    const start = consumers[queue.consumer];
    let folder: string;
    let consumer: ConsumerUnderTest;
    const model = createCatalogueModel();
    const producer = createProducer(platformSlots, (id) => model.has(id));
    /** Keys of every message sent, to check at the end that each got its outcome. */
    const sent = new Set<string>();
    let failed: string | undefined;

    beforeAll(async () => {
      if (start === undefined) throw new Error(`cannot fuzz queue ${queue.queue}: no way to start its consumer ${queue.consumer} (add it to consumers)`);
      folder = await mkdtemp(join(tmpdir(), 'event-fuzz-'));
      consumer = await start(driver, folder);
    });

    afterAll(async () => {
      await consumer?.dispose();
      await rm(folder, { recursive: true, force: true });
    });

    /** Waits until every message has an outcome, or throws naming those without one. */
    async function settle(messages: readonly FuzzMessage[]): Promise<Awaited<ReturnType<ConsumerUnderTest['outcomes']>>> {
      const since = Date.now();
      for (;;) {
        const outcomes = await consumer.outcomes();
        const waiting = messages.filter((message) => !outcomes.handled.has(keyOf(message.publish)) && !outcomes.deadLetters.has(keyOf(message.publish)));
        if (waiting.length === 0) return outcomes;
        if (Date.now() - since > livenessBoundMs) throw new Error(`lost: neither handled nor dead-lettered after ${livenessBoundMs} ms:\n${waiting.map(describeMessage).join('\n')}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }

    /** Publishes a batch (after adding a command, when asked) and checks every property; throws what broke. */
    async function exercise(messages: readonly FuzzMessage[], command: number | undefined): Promise<void> {
      const live = model.live();
      if (command !== undefined && live.length > 0) {
        const platformId = live[command % live.length] as number;
        const status = await consumer.addCommand(platformId);
        if (status !== 201) throw new Error(`cannot add a command to platform ${platformId}, which the model holds live: ${status}`);
        model.addCommand(platformId);
      }
      const allRefused = messages.every((message) => message.expect.outcome === 'dead-letter');
      const before = allRefused ? await consumer.digest() : undefined;
      const troublesBefore = (await consumer.outcomes()).troubles.length;
      for (const message of messages) sent.add(keyOf(message.publish));
      await consumer.publish(messages.map((message) => message.publish));
      const outcomes = await settle(messages);

      for (const message of messages) {
        const key = keyOf(message.publish);
        const handled = outcomes.handled.get(key) ?? 0;
        const deadLetters = outcomes.deadLetters.get(key) ?? [];
        if (handled + deadLetters.length !== 1) throw new Error(`${handled} times handled and ${deadLetters.length} times dead-lettered, expected one outcome: ${describeMessage(message)}`);
        const [deadLetter] = deadLetters;
        if (message.expect.outcome === 'accept') {
          if (deadLetter !== undefined) throw new Error(`dead-lettered (${String(deadLetter.properties.headers?.['x-dead-letter-reason'])}), but the contract accepts it: ${describeMessage(message)}`);
          tally.accepted++;
          continue;
        }
        if (deadLetter === undefined) throw new Error(`handled, but the contract refuses it (expected a dead letter naming ${message.expect.reason}): ${describeMessage(message)}`);
        const headers = deadLetter.properties.headers ?? {};
        const reason = String(headers['x-dead-letter-reason']);
        const problems = [
          message.expect.reason.test(reason) ? undefined : `its reason "${reason}" does not name ${message.expect.reason}`,
          headers['x-dead-letter-code'] === 'poison_message' ? undefined : `its code is ${String(headers['x-dead-letter-code'])}, not poison_message`,
          headers['x-dead-letter-attempts'] === '1' ? undefined : `it was attempted ${String(headers['x-dead-letter-attempts'])} times, not once`,
          deadLetter.content.equals(message.publish.body) ? undefined : 'its payload is not the one sent',
          message.publish.options.messageId && deadLetter.properties.messageId !== message.publish.options.messageId ? `its messageId is ${String(deadLetter.properties.messageId)}` : undefined,
        ].filter((problem) => problem !== undefined);
        if (problems.length > 0) throw new Error(`dead letter: ${problems.join('; ')}: ${describeMessage(message)}`);
        tally.deadLettered++;
      }

      const troubles = outcomes.troubles.slice(troublesBefore);
      if (troubles.length > 0) throw new Error(`the service logged trouble: ${JSON.stringify(troubles).slice(0, 2000)}`);
      if (before !== undefined && (await consumer.digest()) !== before) throw new Error(`messages it dead-lettered left a trace in the database:\n${messages.map(describeMessage).join('\n')}`);
      for (const message of messages) {
        if (message.event !== undefined) model.apply(message.event);
        else if (message.expect.outcome === 'accept') tally.unmodelled.add(message.type);
      }
      if (tally.unmodelled.size === 0) {
        const [held, wanted] = [await consumer.copy(), model.snapshot()];
        const differences = [...new Set([...held.keys(), ...wanted.keys()])]
          .filter((id) => JSON.stringify(held.get(id)) !== JSON.stringify(wanted.get(id)))
          .map((id) => `platform ${id}: stored ${JSON.stringify(held.get(id))}, the contract gives ${JSON.stringify(wanted.get(id))}`);
        if (differences.length > 0) throw new Error(`the copy differs from version-ordered application:\n${differences.join('\n')}\nafter:\n${messages.map(describeMessage).join('\n')}`);
      }
      if (!(await consumer.consuming())) throw new Error('the consumer stopped consuming');
    }

    /** Runs the property; resolves with what broke (the messages it sent are in the error), 'held' otherwise. */
    async function check(plans: Arbitrary<readonly MessagePlan[]>, numRuns: number, kind: 'valid' | 'mutated'): Promise<string> {
      // After a failure the database and the model no longer agree: what would follow proves nothing.
      if (failed !== undefined) return `not run: an earlier property failed (${failed})`;
      const property = fc.asyncProperty(plans, fc.option(fc.nat(), { freq: 3 }), async (batch, command) => {
        tally[kind]++;
        const messages = batch.map((plan) => materialize(plan, producer));
        tally.messages += messages.length;
        for (const message of messages) tally.kinds.add(message.kind);
        await exercise(messages, command ?? undefined);
      });
      const details = await fc.check(property, { seed, numRuns, endOnFailure: true });
      if (!details.failed) return 'held';
      const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      failed = kind;
      return `failed at case ${details.numRuns} (replay with FUZZ_SEED=${seed}): ${error}`;
    }

    it('applies-valid-messages-of-every-type-as-version-ordered-application-gives', async () => {
      expect(await check(fc.array(validPlans(queue), { minLength: 1, maxLength: 8 }), runs.valid, 'valid')).toBe('held');
    }, caseTimeout);

    for (const message of queue.messages) {
      it(`${message.type}: dead-letters-mutated-messages-naming-the-fault-or-accepts-what-the-contract-tolerates`, async () => {
        expect(await check(fc.array(mutatedPlans(message), { minLength: 1, maxLength: 3 }), runs.mutated, 'mutated')).toBe('held');
      }, caseTimeout);
    }

    it('keeps-consuming-and-leaves-nothing-in-its-queue', async () => {
      const outcomes = await consumer.outcomes();
      expect([...sent].filter((key) => !outcomes.handled.has(key) && !outcomes.deadLetters.has(key))).toEqual([]);
      expect(await consumer.consuming()).toBe(true);
      expect(await consumer.stop()).toBe(0);
    });
  });
}

afterAll(() => {
  const unmodelled = tally.unmodelled.size === 0 ? '' : `; no model for ${[...tally.unmodelled].join(', ')}: their effect on the database was not compared`;
  console.info(
    `event contract fuzz: ${tally.valid + tally.mutated} cases (${tally.valid} valid, ${tally.mutated} mutated) on ${drivers.join(' and ')}, ${tally.messages} messages (${tally.accepted} handled, ${tally.deadLettered} dead-lettered, ${tally.kinds.size} kinds) to ${contract.queues.length} queue(s) of ${contract.file}, seed ${seed}${unmodelled}`,
  );
});
