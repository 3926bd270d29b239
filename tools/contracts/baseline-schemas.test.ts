import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadResponseSchemas, type ResponseSchemas } from './baseline-schemas.ts';
import { contractsLayout } from './layout.ts';
import { repositoryRoot } from './test-support.ts';

let schemas: ResponseSchemas;

beforeAll(async () => {
  schemas = await loadResponseSchemas(join(contractsLayout(repositoryRoot).releasedDir, 'openapi/platform-service.yaml'));
});

const platform = { id: 1, name: 'Dot Net', publisher: 'Microsoft', cost: 'Free' };

describe('response schemas of the baseline', () => {
  it('accept-what-the-baseline-promised', () => {
    expect(schemas.problems('GET', '/api/platforms', 200, 'application/json', [platform])).toEqual([]);
  });

  it('ignore-fields-the-baseline-did-not-list-as-tolerant-readers-do', () => {
    expect(schemas.problems('GET', '/api/platforms/{id}', 200, 'application/json', { ...platform, homepage: 'https://dot.net' })).toEqual([]);
  });

  it('report-a-missing-field-or-a-changed-type', () => {
    const { cost: _cost, ...withoutCost } = platform;
    expect(schemas.problems('GET', '/api/platforms/{id}', 200, 'application/json', withoutCost)).toEqual(["/ must have required property 'cost'"]);
    expect(schemas.problems('POST', '/api/platforms', 201, 'application/json', { ...platform, id: '1' })).toEqual(['/id must be integer']);
  });

  it('follow-referenced-responses', () => {
    const problem = { type: 'about:blank', title: 'Not Found', status: 404 };
    expect(schemas.problems('GET', '/api/platforms/{id}', 404, 'application/problem+json', problem)).toEqual([]);
    expect(schemas.problems('GET', '/api/platforms/{id}', 404, 'application/problem+json', { title: 'Not Found' })).toEqual([
      "/ must have required property 'type'",
      "/ must have required property 'status'",
    ]);
  });

  it('report-a-status-or-media-type-the-baseline-never-promised', () => {
    expect(schemas.problems('GET', '/api/platforms', 206, 'application/json', [])).toEqual([
      `the baseline ${join(contractsLayout(repositoryRoot).releasedDir, 'openapi/platform-service.yaml')} has no schema for GET /api/platforms → 206 application/json`,
    ]);
  });
});
