/**
 * The gate itself, end to end: a copy of the real contracts is released as a baseline, then edited
 * the way a developer would, and `checkContracts` must fail on every breaking edit with a message
 * naming it, and pass on additive ones.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { Change, CheckResult } from './change.ts';
import { checkContracts } from './check.ts';
import type { Json } from './json-ref.ts';
import { releaseContracts } from './release.ts';
import { at, copyContracts, repositoryRoot, type ContractsCopy } from './test-support.ts';

const run = promisify(execFile);
const platformProto = 'contracts/proto/platforms/v1/platforms.proto';
const platformOpenapi = 'contracts/openapi/platform-service.yaml';
const commandsOpenapi = 'contracts/openapi/commands-service.yaml';
const events = 'contracts/asyncapi/platform-events.yaml';

let copy: ContractsCopy | undefined;

afterEach(async () => {
  await copy?.remove();
  copy = undefined;
});

/** Copies the contracts, lets `prepare` shape the baseline, releases it as 1.0.0, then applies `change`. */
async function checkAfter(change: (copy: ContractsCopy) => Promise<void>, prepare?: (copy: ContractsCopy) => Promise<void>): Promise<CheckResult> {
  copy = await copyContracts();
  await prepare?.(copy);
  await releaseContracts({ root: copy.root, version: '1.0.0', date: new Date('2025-01-01T00:00:00Z') });
  await change(copy);
  return checkContracts({ root: copy.root });
}

function changesOf(result: CheckResult, kind: string, severity?: Change['severity']): string[] {
  return result.reports
    .filter((report) => report.kind === kind)
    .flatMap((report) => report.changes)
    .filter((change) => severity === undefined || change.severity === severity)
    .map((change) => change.message);
}

function properties(document: Json, schema: string): Json {
  return at(document, 'components', 'schemas', schema, 'properties');
}

function required(document: Json, schema: string): string[] {
  return at(document, 'components', 'schemas', schema, 'required') as unknown as string[];
}

describe('the released baseline', () => {
  it('passes-when-the-contracts-equal-the-baseline', async () => {
    const result = await checkAfter(async () => {});
    expect(result.breaking).toBe(0);
    expect(result.reports.every((report) => report.unchanged)).toBe(true);
    expect(result.baseline.version).toBe('1.0.0');
  });

  it('refuses-to-check-without-a-baseline', async () => {
    copy = await copyContracts();
    await expect(checkContracts({ root: copy.root })).rejects.toThrow(/no released baseline.*contracts:release -- 1\.0\.0/);
  });

  it('refuses-a-baseline-edited-by-hand', async () => {
    await checkAfter(async (c) => {
      await writeFile(join(c.root, 'contracts/released/openapi/platform-service.yaml'), 'openapi: 3.1.0\n');
    }).then(
      () => expect.unreachable('the check should refuse a damaged baseline'),
      (error: Error) => expect(error.message).toMatch(/damaged.*openapi\/platform-service\.yaml differs/),
    );
  });
});

describe('breaking changes fail the check with a message naming them', () => {
  it('fails-when-a-response-field-is-removed', async () => {
    const result = await checkAfter((c) =>
      c.editYaml(platformOpenapi, (doc) => {
        delete properties(doc, 'Platform').cost;
        required(doc, 'Platform').splice(required(doc, 'Platform').indexOf('cost'), 1);
      }),
    );
    expect(result.breaking).toBeGreaterThan(0);
    expect(changesOf(result, 'openapi', 'breaking')).toContain('response field Platform.cost: removed (old clients still read it)');
  });

  it('fails-when-a-response-field-is-renamed', async () => {
    const result = await checkAfter((c) =>
      c.editYaml(commandsOpenapi, (doc) => {
        const props = properties(doc, 'Command');
        props.command = props.commandLine;
        delete props.commandLine;
        const list = required(doc, 'Command');
        list[list.indexOf('commandLine')] = 'command';
      }),
    );
    expect(changesOf(result, 'openapi', 'breaking')).toContain('response field Command.commandLine: removed (old clients still read it)');
    expect(changesOf(result, 'openapi', 'non-breaking')).toContain('response field Command.command: new, always present');
  });

  it('fails-when-a-proto-field-number-changes', async () => {
    const result = await checkAfter((c) => c.editText(platformProto, 'string name = 2;', 'string name = 6;'));
    expect(result.breaking).toBeGreaterThan(0);
    const breaking = changesOf(result, 'proto', 'breaking').join('\n');
    expect(breaking).toContain('buf FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED');
    expect(breaking).toContain('Previously present field "2" with name "name" on message "Platform" was deleted');
    expect(changesOf(result, 'proto')).toContain('field platforms.v1.Platform.name = 6 (string) added');
  });

  it('fails-when-a-proto-field-is-removed', async () => {
    const result = await checkAfter((c) => c.editText(platformProto, /\n\s*\/\/ Cost as free text[^\n]*\n\s*string cost = 4;/, ''));
    expect(changesOf(result, 'proto', 'breaking')).toContain(
      'buf FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED: Previously present field "4" with name "cost" on message "Platform" was deleted without reserving the number "4".',
    );
    expect(changesOf(result, 'proto', 'note')).toContain('field platforms.v1.Platform.cost = 4 (string) removed');
  });

  it('fails-when-a-request-field-is-removed', async () => {
    const result = await checkAfter((c) =>
      c.editYaml(commandsOpenapi, (doc) => {
        delete properties(doc, 'CommandCreate').howTo;
        required(doc, 'CommandCreate').splice(required(doc, 'CommandCreate').indexOf('howTo'), 1);
      }),
    );
    expect(changesOf(result, 'openapi', 'breaking')).toContain('request field CommandCreate.howTo: removed (old clients still send it)');
  });

  it('fails-when-a-proto-field-type-changes', async () => {
    const result = await checkAfter((c) => c.editText(platformProto, 'string cost = 4;', 'int32 cost = 4;'));
    expect(changesOf(result, 'proto', 'breaking')).toContain(
      'buf FIELD_WIRE_JSON_COMPATIBLE_TYPE: Field "4" with name "cost" on message "Platform" changed type from "string" to "int32".',
    );
    expect(changesOf(result, 'proto', 'note')).toContain('field platforms.v1.Platform.cost = 4: type string → int32');
  });

  it('fails-when-a-proto-field-is-renamed-because-its-json-name-changes', async () => {
    const result = await checkAfter((c) => c.editText(platformProto, 'string publisher = 3;', 'string vendor = 3;'));
    expect(changesOf(result, 'proto', 'breaking').join('\n')).toMatch(/FIELD_SAME_JSON_NAME.*"publisher".*"vendor"/);
  });

  it('fails-when-an-rpc-is-removed-which-wire-json-rules-do-not-cover', async () => {
    const result = await checkAfter((c) => c.editText(platformProto, /\n\s*rpc StreamPlatforms\([^;]*;/, ''));
    expect(changesOf(result, 'proto', 'breaking')).toContain('rpc platforms.v1.PlatformService.StreamPlatforms removed (clients calling it get UNIMPLEMENTED)');
  });

  it('fails-when-an-optional-request-field-becomes-required', async () => {
    const result = await checkAfter(
      (c) => c.editYaml(platformOpenapi, (doc) => required(doc, 'PlatformCreate').push('homepage')),
      (c) => c.editYaml(platformOpenapi, (doc) => (properties(doc, 'PlatformCreate').homepage = { type: 'string', format: 'uri' })),
    );
    expect(changesOf(result, 'openapi', 'breaking')).toContain('request field PlatformCreate.homepage: now required (old clients may omit it)');
  });

  it('fails-when-a-new-required-request-field-appears', async () => {
    const result = await checkAfter((c) =>
      c.editYaml(commandsOpenapi, (doc) => {
        properties(doc, 'CommandCreate').shell = { type: 'string' };
        required(doc, 'CommandCreate').push('shell');
      }),
    );
    expect(changesOf(result, 'openapi', 'breaking')).toContain('request field CommandCreate.shell: new and required (old clients do not send it)');
  });

  it('fails-when-an-enum-value-is-removed-from-a-request', async () => {
    const result = await checkAfter(
      (c) => c.editYaml(platformOpenapi, (doc) => (at(properties(doc, 'PlatformCreate'), 'licence').enum = ['free', 'commercial'])),
      (c) => c.editYaml(platformOpenapi, (doc) => (properties(doc, 'PlatformCreate').licence = { type: 'string', enum: ['free', 'commercial', 'trial'] })),
    );
    expect(changesOf(result, 'openapi', 'breaking')).toContain('request field PlatformCreate.licence: enum value "trial" removed');
  });

  it('fails-when-an-enum-value-is-removed-from-a-received-event-payload', async () => {
    const result = await checkAfter(
      (c) => c.editYaml(events, (doc) => (at(properties(doc, 'PlatformPublishedPayload'), 'licence').enum = ['free'])),
      (c) => c.editYaml(events, (doc) => (properties(doc, 'PlatformPublishedPayload').licence = { type: 'string', enum: ['free', 'commercial'] })),
    );
    const breaking = result.reports.find((report) => report.kind === 'asyncapi')?.changes.find((change) => change.severity === 'breaking');
    expect(breaking?.message).toBe('payload field PlatformPublishedPayload.licence: enum value "commercial" removed');
    expect(breaking?.sites).toEqual(['receive receivePlatformPublished']);
  });

  it('fails-when-a-request-bound-is-tightened', async () => {
    const result = await checkAfter((c) => c.editYaml(platformOpenapi, (doc) => (at(properties(doc, 'PlatformCreate'), 'name').maxLength = 100)));
    expect(changesOf(result, 'openapi', 'breaking')).toContain('request field PlatformCreate.name: maxLength 200 → 100 (tighter)');
  });

  it('fails-when-an-endpoint-is-removed', async () => {
    const result = await checkAfter((c) => c.editYaml(commandsOpenapi, (doc) => delete at(doc, 'paths')['/api/c/platforms/{platformId}/commands/{commandId}']));
    expect(changesOf(result, 'openapi', 'breaking')).toContain('operation GET /api/c/platforms/{platformId}/commands/{commandId} (getCommandForPlatform) removed');
  });

  it('fails-when-a-success-status-changes', async () => {
    const result = await checkAfter((c) =>
      c.editYaml(platformOpenapi, (doc) => {
        const responses = at(doc, 'paths', '/api/platforms', 'post', 'responses');
        responses['200'] = responses['201'];
        delete responses['201'];
      }),
    );
    expect(changesOf(result, 'openapi', 'breaking')).toEqual(expect.arrayContaining(['success status 201 removed', 'new success status 200 (old clients do not expect it)']));
  });

  it('fails-when-a-routing-key-is-renamed', async () => {
    const result = await checkAfter((c) => c.editYaml(events, (doc) => (at(doc, 'channels', 'platformPublished').address = 'platform.created')));
    expect(changesOf(result, 'asyncapi', 'breaking')).toContain('channel platformPublished address (routing key or queue name) platform.published → platform.created');
  });

  it('fails-when-a-queue-binding-routing-key-changes', async () => {
    const result = await checkAfter((c) =>
      c.editYaml(events, (doc) => (at(doc, 'channels', 'commandsServicePlatformEvents', 'bindings', 'amqp', 'x-queue-bindings', 0).routingKey = 'platform.*')),
    );
    expect(changesOf(result, 'asyncapi', 'breaking')).toContain(
      'channel commandsServicePlatformEvents AMQP binding: queue no longer bound to exchange platform.events with routing key platform.published',
    );
  });

  it('fails-when-the-exchange-changes', async () => {
    const result = await checkAfter((c) => c.editYaml(events, (doc) => (at(doc, 'channels', 'platformPublished', 'bindings', 'amqp', 'exchange').name = 'platforms')));
    expect(changesOf(result, 'asyncapi', 'breaking')).toContain('channel platformPublished AMQP binding: exchange name "platform.events" → "platforms"');
  });

  it('fails-when-an-event-payload-field-is-removed', async () => {
    const result = await checkAfter((c) =>
      c.editYaml(events, (doc) => {
        delete properties(doc, 'PlatformPublishedPayload').publisher;
        required(doc, 'PlatformPublishedPayload').splice(required(doc, 'PlatformPublishedPayload').indexOf('publisher'), 1);
      }),
    );
    expect(changesOf(result, 'asyncapi', 'breaking')).toEqual(
      expect.arrayContaining([
        'payload field PlatformPublishedPayload.publisher: removed (old consumers still read it)',
        'payload field PlatformPublishedPayload.publisher: removed (old producers still send it)',
      ]),
    );
  });

  it('fails-when-a-sent-event-gains-a-field-its-closed-old-schema-rejects', async () => {
    // A baseline from before tolerant reading: its consumers reject fields the closed schema does not list.
    const closeBaseline = (c: ContractsCopy) => c.editYaml(events, (doc) => (at(doc, 'components', 'schemas', 'PlatformPublishedPayload').additionalProperties = false));
    const result = await checkAfter((c) => c.editYaml(events, (doc) => (properties(doc, 'PlatformPublishedPayload').homepage = { type: 'string' })), closeBaseline);
    const asyncapi = result.reports.find((report) => report.kind === 'asyncapi');
    expect(asyncapi?.changes).toEqual(
      expect.arrayContaining([
        {
          severity: 'breaking',
          message: 'payload field PlatformPublishedPayload.homepage: new, optional; old consumers reject it (the old schema forbids unknown fields)',
          sites: ['send publishPlatformPublished'],
        },
        { severity: 'non-breaking', message: 'payload field PlatformPublishedPayload.homepage: new, optional', sites: ['receive receivePlatformPublished'] },
      ]),
    );
  });

  it('fails-when-an-event-payload-field-is-retyped', async () => {
    const result = await checkAfter((c) => c.editYaml(events, (doc) => (properties(doc, 'PlatformUpdatedPayload').name = { type: 'integer' })));
    expect(changesOf(result, 'asyncapi', 'breaking')).toEqual(expect.arrayContaining([expect.stringMatching(/^payload field PlatformUpdatedPayload\.name: type/)]));
  });

  it('fails-when-a-received-event-gains-a-required-field', async () => {
    const result = await checkAfter((c) =>
      c.editYaml(events, (doc) => {
        properties(doc, 'PlatformDeletedPayload').reason = { type: 'string' };
        required(doc, 'PlatformDeletedPayload').push('reason');
      }),
    );
    expect(changesOf(result, 'asyncapi', 'breaking')).toEqual(
      expect.arrayContaining(['payload field PlatformDeletedPayload.reason: new and required (old producers do not send it)']),
    );
  });

  it('fails-when-an-open-operation-starts-to-require-a-token', async () => {
    const result = await checkAfter((c) => c.editYaml(commandsOpenapi, (doc) => (at(doc, 'paths', '/api/c/platforms/{platformId}/commands', 'get').security = [{ bearerAuth: ['commands:read'] }])));
    expect(result.reports.find((report) => report.kind === 'openapi' && report.name === 'commands-service')?.changes).toContainEqual({
      severity: 'breaking',
      message: 'authentication now required: bearerAuth with commands:read (old clients send no credentials)',
      sites: ['GET /api/c/platforms/{platformId}/commands'],
    });
  });

  it('fails-when-a-secured-operation-needs-a-new-scope', async () => {
    const result = await checkAfter((c) => c.editYaml(platformOpenapi, (doc) => (doc.security = [{ bearerAuth: ['platforms:write', 'platforms:admin'] }])));
    expect(changesOf(result, 'openapi', 'breaking')).toEqual(["scope platforms:admin of bearerAuth now required (old clients' credentials may lack it)"]);
  });
});

describe('additive changes pass', () => {
  it('passes-a-new-optional-event-payload-field-because-consumers-read-tolerantly', async () => {
    const result = await checkAfter((c) => c.editYaml(events, (doc) => (properties(doc, 'PlatformUpdatedPayload').homepage = { type: 'string', format: 'uri' })));
    expect(result.breaking).toBe(0);
    expect(changesOf(result, 'asyncapi', 'non-breaking')).toEqual(expect.arrayContaining(['payload field PlatformUpdatedPayload.homepage: new, optional']));
  });

  it('passes-opening-a-closed-event-payload', async () => {
    const closeBaseline = (c: ContractsCopy) => c.editYaml(events, (doc) => (at(doc, 'components', 'schemas', 'PlatformPublishedPayload').additionalProperties = false));
    const result = await checkAfter((c) => c.editYaml(events, (doc) => delete at(doc, 'components', 'schemas', 'PlatformPublishedPayload').additionalProperties), closeBaseline);
    expect(result.breaking).toBe(0);
    expect(changesOf(result, 'asyncapi', 'non-breaking')).toEqual(expect.arrayContaining(['payload PlatformPublishedPayload: unknown fields now allowed']));
  });

  it('passes-a-write-that-no-longer-requires-a-token-or-a-scope', async () => {
    const result = await checkAfter(async (c) => {
      await c.editYaml(platformOpenapi, (doc) => delete doc.security);
      await c.editYaml(commandsOpenapi, (doc) => (doc.security = [{ bearerAuth: [] }]));
    });
    expect(result.breaking).toBe(0);
    expect(changesOf(result, 'openapi', 'non-breaking')).toEqual(expect.arrayContaining(['authentication no longer required', 'scope commands:write of bearerAuth no longer required']));
  });

  it('passes-a-new-optional-request-field-and-a-new-response-field', async () => {
    const result = await checkAfter((c) =>
      c.editYaml(platformOpenapi, (doc) => {
        properties(doc, 'PlatformCreate').homepage = { type: 'string', format: 'uri' };
        properties(doc, 'Platform').homepage = { type: 'string', format: 'uri' };
        required(doc, 'Platform').push('homepage');
      }),
    );
    expect(result.breaking).toBe(0);
    expect(changesOf(result, 'openapi', 'non-breaking')).toEqual(
      expect.arrayContaining(['request field PlatformCreate.homepage: new, optional', 'response field Platform.homepage: new, always present']),
    );
  });

  it('passes-a-new-endpoint-and-a-new-optional-query-parameter', async () => {
    const result = await checkAfter((c) =>
      c.editYaml(platformOpenapi, (doc) => {
        const paths = at(doc, 'paths');
        paths['/api/platforms/{id}/summary'] = {
          parameters: [{ $ref: '#/components/parameters/PlatformId' }],
          get: { operationId: 'getPlatformSummary', responses: { '200': { description: 'The summary.', content: { 'text/plain': { schema: { type: 'string' } } } } } },
        };
        at(paths, '/api/platforms', 'get').parameters = [{ name: 'publisher', in: 'query', schema: { type: 'string' } }];
      }),
    );
    expect(result.breaking).toBe(0);
    expect(changesOf(result, 'openapi', 'non-breaking')).toEqual(
      expect.arrayContaining(['operation GET /api/platforms/{id}/summary (getPlatformSummary) added', 'new optional query parameter publisher']),
    );
  });

  it('passes-a-new-optional-proto-field-and-a-new-rpc', async () => {
    const result = await checkAfter(async (c) => {
      await c.editText(platformProto, 'string cost = 4;', 'string cost = 4;\n  // Home page of the platform, when known.\n  optional string homepage = 6;');
      await c.editText(
        platformProto,
        'rpc GetAllPlatforms(GetAllPlatformsRequest) returns (GetAllPlatformsResponse);',
        'rpc GetAllPlatforms(GetAllPlatformsRequest) returns (GetAllPlatformsResponse);\n  // CountPlatforms counts the catalogue.\n  rpc CountPlatforms(GetAllPlatformsRequest) returns (GetAllPlatformsResponse);',
      );
    });
    expect(result.breaking).toBe(0);
    expect(changesOf(result, 'proto', 'non-breaking')).toEqual([
      'field platforms.v1.Platform.homepage = 6 (optional string) added',
      'rpc platforms.v1.PlatformService.CountPlatforms added',
    ]);
  });

  it('passes-new-event-metadata-a-new-channel-and-operation', async () => {
    const result = await checkAfter((c) =>
      c.editYaml(events, (doc) => {
        at(doc, 'components', 'schemas', 'PlatformEventMetadata', 'properties')['x-tenant'] = { type: 'string' };
        at(doc, 'channels').platformRetired = { address: 'platform.retired', messages: {} };
        at(doc, 'operations').publishPlatformRetired = { action: 'send', channel: { $ref: '#/channels/platformRetired' } };
      }),
    );
    expect(result.breaking).toBe(0);
    expect(changesOf(result, 'asyncapi', 'non-breaking')).toEqual(
      expect.arrayContaining([
        'metadata field PlatformEventMetadata.x-tenant: new, optional',
        'channel platformRetired (platform.retired) added',
        'operation publishPlatformRetired (send on platformRetired) added',
      ]),
    );
  });

  it('lists-description-edits-as-document-edits', async () => {
    const result = await checkAfter((c) => c.editYaml(platformOpenapi, (doc) => (at(doc, 'info').summary = 'The catalogue of platforms.')));
    const report = result.reports.find((r) => r.name === 'platform-service');
    expect(result.breaking).toBe(0);
    expect(report?.edits).toEqual(['~ /info/summary: "Catalogue of platforms (name, publisher, cost)." → "The catalogue of platforms."']);
  });
});

describe('the command line', () => {
  it('exits-1-and-prints-every-change-grouped-per-contract-when-a-change-breaks', async () => {
    await checkAfter((c) => c.editText(platformProto, 'string cost = 4;', 'int64 cost = 4;'));
    const root = copy?.root ?? '';
    const failure = await run(process.execPath, [join(repositoryRoot, 'tools/contracts/check.ts'), '--root', root]).then(
      () => undefined,
      (error: { code: number; stdout: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stdout).toContain('proto module (contracts/proto): 1 breaking, 1 note');
    expect(failure?.stdout).toContain('openapi platform-service (contracts/openapi/platform-service.yaml): unchanged');
    expect(failure?.stdout).toContain('FAILED: 1 breaking change (proto module: 1).');
  });

  it('exits-0-when-nothing-breaks', async () => {
    await checkAfter(async () => {});
    const { stdout } = await run(process.execPath, [join(repositoryRoot, 'tools/contracts/check.ts'), '--root', copy?.root ?? '']);
    expect(stdout).toContain('OK: the contracts equal the released baseline.');
  });
});
