/**
 * Mutations of a valid event message, each breaking (or bending) one thing, with what the
 * contract says the consumer must do with the result: dead-letter it with a reason naming the
 * fault, or accept it (unknown payload members and metadata keys, which tolerant readers drop;
 * text that is odd but well-formed; AMQP properties and headers the contract leaves open).
 * Payload and metadata mutations are read from the message's schemas, so every member and key
 * of a new message is mutated too.
 */
import * as fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import { metadataKeys } from '@platform/runtime/messaging';
import type { EventMessageContract } from './event-contract.ts';
import { eventValuesOf, isOfType } from './event-values.ts';
import { type Draft, headerText, propertyKeys } from './wire.ts';

type Json = Readonly<Record<string, unknown>>;

export type Expectation = { readonly outcome: 'accept' } | { readonly outcome: 'dead-letter'; readonly reason: RegExp };

export interface Mutation {
  /** What was broken, e.g. `payload /name: too long`. */
  readonly kind: string;
  readonly expect: Expectation;
  apply(draft: Draft): Draft;
}

const accept: Expectation = { outcome: 'accept' };
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const deadLetter = (reason: RegExp): Expectation => ({ outcome: 'dead-letter', reason });
/** A reason naming a payload member (`/name must ...`, `/cost is required`) or the payload itself (`/ must be object`). */
const namingMember = (name: string): RegExp => new RegExp(`(?:^|[:;] )/${escape(name)} `);
/** A reason naming a metadata key (`metadata/appId must be equal to constant`). */
const namingKey = (key: string): RegExp => new RegExp(`metadata/${escape(key)} `);
/** The two metadata keys the consumer checks before the schema, and how its reasons name them. */
const transportReasons: Readonly<Record<string, RegExp>> = { contentType: /content type/, type: /has no type|for type|message type is/ };
const reasonForKey = (key: string): RegExp => transportReasons[key] ?? namingKey(key);
const codePoints = (text: string): number => [...text].length;

const payloadOf = (draft: Draft): Record<string, unknown> => ({ ...(draft.payload as Record<string, unknown>) });
const withMember = (kind: string, expect: Expectation, name: string, value: unknown): Mutation => ({
  kind,
  expect,
  apply: (draft) => ({ ...draft, payload: { ...payloadOf(draft), [name]: value } }),
});
const withBody = (kind: string, expect: Expectation, body: (draft: Draft) => Buffer): Mutation => ({ kind, expect, apply: (draft) => ({ ...draft, body: body(draft) }) });

/** Strings no well-formed text contains: lone surrogates and U+0000. */
const brokenTexts = ['\ud800', 'x\udc00y', 'ends high \ud83d', '\udfff\ud800', 'a\u0000b', '\u0000'];
/** Odd but well-formed text, which is stored exactly as sent. */
const oddTexts = ['\ufeffBOM', '\u202eevil', 'e\u0301\u0301\u0301', '👨‍👩‍👧‍👦', '\ufffe\uffff', '\u{10ffff}', '\u2028\u2029', '\u00a0', ' ', '\t\n', '\\"\'', '%s%n', 'null', '0', "'; drop table platforms; --"];
/** A JSON value of every type, to find those a member's type refuses. */
const anyTypes = ['x', '7', 7, -1, 1.5, 0.1, 1e300, true, false, null, [], [1], {}, { a: 1 }];

/** Mutations of one payload member, from its schema. */
function memberMutations(name: string, schema: Json, required: boolean): Arbitrary<Mutation>[] {
  const at = namingMember(name);
  const wrongTypes = anyTypes.filter((value) => !isOfType(value, schema.type));
  const mutations: Arbitrary<Mutation>[] = [fc.constantFrom(...wrongTypes).map((value) => withMember(`payload /${name}: wrong type`, deadLetter(at), name, value))];
  if (required) mutations.push(fc.constant({ kind: `payload /${name}: missing`, expect: deadLetter(new RegExp(`/${escape(name)} is required`)), apply: (draft: Draft) => ({ ...draft, payload: Object.fromEntries(Object.entries(payloadOf(draft)).filter(([key]) => key !== name)) }) }));
  if (schema.type === 'integer' || schema.type === 'number') {
    const outside: unknown[] = [];
    if (typeof schema.minimum === 'number') outside.push(schema.minimum - 1, schema.minimum - 2 ** 40, -Number.MAX_VALUE);
    if (typeof schema.maximum === 'number') outside.push(schema.maximum + 1, 2 ** 53 + 2, Number.MAX_VALUE);
    if (outside.length > 0) mutations.push(fc.constantFrom(...outside).map((value) => withMember(`payload /${name}: out of range`, deadLetter(at), name, value)));
    // JSON numbers that are no JavaScript number: they parse as ±Infinity.
    mutations.push(fc.constantFrom('1e400', '-1e400').map((text) => withBody(`payload /${name}: ${text}`, deadLetter(at), (draft) => Buffer.from(JSON.stringify({ ...payloadOf(draft), [name]: '@' }).replace('"@"', text)))));
  }
  if (schema.type === 'string') {
    const [min, max] = [Number(schema.minLength ?? 0), typeof schema.maxLength === 'number' ? schema.maxLength : undefined];
    if (min > 0) mutations.push(fc.constant(withMember(`payload /${name}: too short`, deadLetter(at), name, 'x'.repeat(min - 1))));
    if (max !== undefined) {
      mutations.push(fc.tuple(fc.integer({ min: max + 1, max: max + 2000 }), fc.constantFrom('x', 'é', '𝕏', '👍🏽')).map(([length, unit]) => withMember(`payload /${name}: too long`, deadLetter(at), name, unit.repeat(length))));
      // Exactly as long as allowed, in characters outside the BMP: two UTF-16 units and four UTF-8 bytes each.
      mutations.push(fc.constant(withMember(`payload /${name}: longest allowed`, accept, name, '𝕏'.repeat(max))));
      mutations.push(fc.integer({ min: 1_000_000, max: 4_000_000 }).map((length) => withMember(`payload /${name}: huge`, deadLetter(at), name, 'x'.repeat(length))));
    }
    mutations.push(fc.constantFrom(...brokenTexts).map((text) => withMember(`payload /${name}: not well-formed text`, deadLetter(at), name, text)));
    const odd = oddTexts.filter((text) => codePoints(text) >= min && (max === undefined || codePoints(text) <= max));
    if (odd.length > 0) mutations.push(fc.constantFrom(...odd).map((text) => withMember(`payload /${name}: odd text`, accept, name, text)));
  }
  return mutations;
}

/** Mutations of the payload: each declared member, unknown members, and the body as a whole. */
export function payloadMutations(message: EventMessageContract): Arbitrary<Mutation>[] {
  const properties = (message.payload.properties ?? {}) as Record<string, Json>;
  const required = new Set((message.payload.required ?? []) as string[]);
  const root = namingMember('');
  const notJson = /payload is not JSON/;
  const unknownName = fc.oneof(fc.string({ minLength: 1, maxLength: 30 }), fc.constantFrom('__proto__', 'constructor', 'id ', 'ID', 'Name', '')).filter((key) => !(key in properties));
  return [
    ...Object.entries(properties).flatMap(([name, schema]) => memberMutations(name, schema, required.has(name))),
    fc.tuple(unknownName, fc.jsonValue({ maxDepth: 3 })).map(([name, value]) => withMember('payload: unknown member', accept, name, value)),
    fc.integer({ min: 200_000, max: 2_000_000 }).map((length) => withMember('payload: huge unknown member', accept, 'attachment', 'x'.repeat(length))),
    fc.integer({ min: 100, max: 3000 }).map((depth) => withBody('payload: deeply nested unknown member', accept, (draft) => Buffer.from(JSON.stringify(payloadOf(draft)).replace(/}$/, `,"nested":${'['.repeat(depth)}${']'.repeat(depth)}}`)))),
    fc.constantFrom<unknown>(null, 0, 42, 'text', true, [], [{}], ['platform']).map((value) => ({ kind: 'payload: not an object', expect: deadLetter(root), apply: (draft: Draft) => ({ ...draft, payload: value }) })),
    fc
      .oneof(fc.constantFrom('', ' ', 'null,', "{'id':1}", 'NaN', '{"id":1,}', '{', '}{', 'undefined', '\ufeff'), fc.string({ maxLength: 40 }))
      .filter((text) => { try { JSON.parse(text); return false; } catch { return true; } })
      .map((text) => withBody('payload: not JSON', deadLetter(notJson), () => Buffer.from(text))),
    fc.nat().map((cut) => withBody('payload: truncated JSON', deadLetter(notJson), (draft) => { const text = JSON.stringify(draft.payload); return Buffer.from(text.slice(0, cut % text.length)); })),
    fc.integer({ min: 1_000_000, max: 3_000_000 }).map((length) => withBody('payload: huge, not JSON', deadLetter(notJson), () => Buffer.alloc(length, '{'))),
    fc.constantFrom<(json: string) => Buffer>(
      (json) => Buffer.concat([Buffer.from(json.slice(0, -1)), Buffer.from(',"bad":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]),
      (json) => Buffer.concat([Buffer.from(json.slice(0, -1)), Buffer.from(',"cesu":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]),
      (json) => Buffer.from(`\ufeff${json}`, 'utf16le'),
      (json) => Buffer.from(json.replace(/}$/, ',"latin1":"caf\u00e9"}'), 'latin1'),
    ).map((encode) => withBody('payload: not UTF-8', deadLetter(notJson), (draft) => encode(JSON.stringify(draft.payload)))),
  ];
}

const setKey = (kind: string, expect: Expectation, key: string, value: unknown): Mutation => ({ kind, expect, apply: (draft) => ({ ...draft, metadata: { ...draft.metadata, [key]: value } }) });
const wire = (kind: string, expect: Expectation, change: (draft: Draft) => Draft): Mutation => ({ kind, expect, apply: change });
/** An `x-death` header as the broker writes it, with the given count. */
const xDeath = (count: unknown) => [{ count, reason: 'rejected', queue: 'some.queue', exchange: '', 'routing-keys': ['platform.published'], time: { '!': 'timestamp', value: 1_767_225_600 } }];

/** Mutations of the metadata the headers schema describes: keys missing, other values, values that break its rules. */
export function metadataMutations(message: EventMessageContract): Arbitrary<Mutation>[] {
  const properties = (message.metadata.properties ?? {}) as Record<string, Json>;
  const required = new Set((message.metadata.required ?? []) as string[]);
  const mutations: Arbitrary<Mutation>[] = [];
  for (const [key, schema] of Object.entries(properties)) {
    if (key === metadataKeys.redelivered) {
      // The delivery's own flag: a header of that name is never read, whatever it holds.
      mutations.push(fc.constantFrom('', 'x', 'false', 'true').map((value) => setKey(`metadata ${key}: sent as a header (the delivery's flag decides)`, accept, key, value)));
      continue;
    }
    const reason = reasonForKey(key);
    const isProperty = (propertyKeys as readonly string[]).includes(key);
    mutations.push(fc.constant(setKey(`metadata ${key}: missing`, required.has(key) ? deadLetter(reason) : accept, key, undefined)));
    if (typeof schema.const === 'string') {
      const value = schema.const;
      const others = key === 'contentType' ? ['text/plain', 'application/xml', 'application/octet-stream', '', 'application/jsonx', 'application/json-patch+json', 'application/json; charset=iso-8859-1', 'application/json; charset=utf-16'] : ['', 'x', `${value} `, ` ${value}`, value.toUpperCase(), `${value}.x`, 'unknown.event'];
      mutations.push(fc.constantFrom(...others.filter((other) => other !== value)).map((other) => setKey(`metadata ${key}: another value`, deadLetter(reason), key, other)));
      // The media type of a content type is case-insensitive and may carry the UTF-8 charset.
      if (key === 'contentType') mutations.push(fc.constantFrom(value.toUpperCase(), `${value}; charset=utf-8`, `${value};charset=UTF-8`).map((other) => setKey(`metadata ${key}: same media type`, accept, key, other)));
      continue;
    }
    if (schema.type !== 'string') continue;
    if (!required.has(key) && !isProperty) {
      // A key a tolerant reader must take when it is valid (a dead letter replayed by hand carries them).
      mutations.push(eventValuesOf(schema).map((value) => setKey(`metadata ${key}: present`, accept, key, value)));
    }
    const pattern = typeof schema.pattern === 'string' ? new RegExp(schema.pattern, 'u') : undefined;
    const minLength = Number(schema.minLength ?? 0);
    const breaks = (text: string): boolean => (pattern !== undefined && !pattern.test(text)) || codePoints(text) < minLength || (typeof schema.maxLength === 'number' && codePoints(text) > schema.maxLength);
    const texts = ['', ' ', 'not valid!', '-1', '1.5', 'x'.repeat(300), '\u0661\u0662'].filter(breaks);
    // The transport carries properties as short strings (and the timestamp as a number): only text fits there.
    const values: unknown[] = isProperty ? texts.filter((text) => Buffer.byteLength(text) <= 255) : [...texts, 7, true, [1, 2], { a: 1 }, Buffer.from([0xff]), null].filter((value) => value !== null && breaks(headerText(value)));
    if (key !== 'timestamp' && values.length > 0) mutations.push(fc.constantFrom(...values).map((value) => setKey(`metadata ${key}: breaks its schema`, deadLetter(reason), key, value)));
  }
  return mutations;
}

/** Mutations of the AMQP message around the metadata: its id, the timestamp's range, properties sent as headers, odd headers. */
export function amqpMutations(): Arbitrary<Mutation>[] {
  const oddHeaderValues: unknown[] = ['text', '', 0, -1, 2 ** 40, 1.5, true, null, Buffer.from([0, 0xff]), [1, 'a', [true]], { nested: { deep: 1 } }, { '!': 'timestamp', value: 1 }, { '!': 'decimal', value: { places: 2, digits: 1234 } }];
  return [
    fc.constant(wire('amqp: no messageId', accept, (draft) => ({ ...draft, messageId: undefined }))),
    fc.constant(wire('amqp: empty messageId', accept, (draft) => ({ ...draft, messageId: '' }))),
    fc.constantFrom<unknown>(xDeath(1), xDeath(7), [...xDeath(2), ...xDeath(3)], xDeath(-1), xDeath(1.5), xDeath('2'), xDeath(2 ** 60), 'text', 5, [{}], [null])
      .map((value) => wire('amqp: x-death header', accept, (draft) => ({ ...draft, amqp: { ...draft.amqp, headers: { ...draft.amqp?.headers, 'x-death': value } } }))),
    fc.tuple(fc.string({ minLength: 1, maxLength: 40 }), fc.constantFrom(...oddHeaderValues))
      .filter(([name]) => !(propertyKeys as readonly string[]).includes(name) && !name.startsWith('x-') && name !== 'traceparent')
      .map(([name, value]) => wire('amqp: unknown header', accept, (draft) => ({ ...draft, amqp: { ...draft.amqp, headers: { ...draft.amqp?.headers, [name]: value } } }))),
    // A metadata key the transport carries as a property, sent as a header instead: the property is still missing.
    fc.constantFrom(...propertyKeys).map((key) =>
      wire(`amqp: ${key} as a header`, key === 'correlationId' ? accept : deadLetter(reasonForKey(key)), (draft) => ({
        ...draft,
        metadata: { ...draft.metadata, [key]: undefined },
        amqp: { ...draft.amqp, headers: { ...draft.amqp?.headers, [key]: draft.metadata[key] } },
      })),
    ),
    // Seconds whose milliseconds have more digits than the contract's timestamp allows.
    fc.constantFrom(10 ** 13, 2 ** 53, 2 ** 63).map((seconds) => wire('amqp: timestamp out of range', deadLetter(namingKey('timestamp')), (draft) => ({ ...draft, amqp: { ...draft.amqp, timestamp: seconds } }))),
    fc.constantFrom<Draft['amqp']>({ persistent: false }, { priority: 9 }, { expiration: '600000' }, { replyTo: 'nobody' }, { contentEncoding: 'identity' }, { appId: 'platform-service', userId: 'guest' })
      .map((options) => wire(`amqp: ${Object.keys(options ?? {}).join(', ')}`, accept, (draft) => ({ ...draft, amqp: { ...draft.amqp, ...options } }))),
  ];
}

/** Every mutation of a message of the queue. */
export function mutationsOf(message: EventMessageContract): Arbitrary<Mutation> {
  return fc.oneof(...payloadMutations(message), ...metadataMutations(message), ...amqpMutations());
}
