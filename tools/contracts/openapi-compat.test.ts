import { describe, expect, it } from 'vitest';
import type { Change } from './change.ts';
import type { Json } from './json-ref.ts';
import { compareOpenapi } from './openapi-compat.ts';
import { at } from './test-support.ts';

/** A small OpenAPI 3.1 document: one resource with a list, a read and a create operation. */
function document(edit: (doc: { paths: Json; components: Json }) => void = () => {}): Json {
  const doc = {
    openapi: '3.1.0',
    info: { title: 'Items', version: '1.0.0' },
    paths: {
      '/items': {
        get: { operationId: 'listItems', responses: { '200': { description: 'ok', content: { 'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/Item' } } } } } } },
        post: {
          operationId: 'createItem',
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/ItemCreate' } } } },
          responses: {
            '201': {
              description: 'created',
              headers: { Location: { required: true, schema: { type: 'string' } } },
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Item' } } },
            },
            '400': { description: 'bad', content: { 'application/problem+json': { schema: { type: 'object' } } } },
          },
        },
      },
      '/items/{id}': {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }],
        get: {
          operationId: 'getItem',
          parameters: [{ name: 'fields', in: 'query', schema: { type: 'string' } }],
          responses: { '200': { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/Item' } } } }, '404': { description: 'none' } },
        },
      },
    },
    components: {
      schemas: {
        Item: { type: 'object', required: ['id', 'name'], properties: { id: { type: 'integer' }, name: { type: 'string' } } },
        ItemCreate: { type: 'object', required: ['name'], additionalProperties: false, properties: { name: { type: 'string' } } },
      },
    },
  };
  edit(doc as unknown as { paths: Json; components: Json });
  return doc;
}

function item(doc: { paths: Json }, path: string, method?: string): Json {
  const pathItem = doc.paths[path] as Json;
  return method === undefined ? pathItem : (pathItem[method] as Json);
}

function compareWith(edit: (doc: { paths: Json; components: Json }) => void): Change[] {
  return compareOpenapi(document(), document(edit));
}

const messages = (changes: readonly Change[], severity: Change['severity']): string[] => changes.filter((c) => c.severity === severity).map((c) => c.message);

describe('operations', () => {
  it('finds-no-change-between-identical-documents', () => {
    expect(compareOpenapi(document(), document())).toEqual([]);
  });

  it('breaks-on-a-removed-operation-and-accepts-a-new-one', () => {
    const changes = compareWith((doc) => {
      delete item(doc, '/items').post;
      doc.paths['/tags'] = { get: { operationId: 'listTags', responses: { '200': { description: 'ok' } } } };
    });
    expect(messages(changes, 'breaking')).toEqual(['operation POST /items (createItem) removed']);
    expect(messages(changes, 'non-breaking')).toEqual(['operation GET /tags (listTags) added']);
  });

  it('matches-operations-by-path-template-so-renaming-a-path-parameter-is-compatible', () => {
    const changes = compareWith((doc) => {
      const renamed = item(doc, '/items/{id}');
      (renamed.parameters as Json[])[0] = { name: 'itemId', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } };
      doc.paths['/items/{itemId}'] = renamed;
      delete doc.paths['/items/{id}'];
    });
    expect(messages(changes, 'breaking')).toEqual([]);
    expect(messages(changes, 'non-breaking')).toEqual(['path /items/{id} now written /items/{itemId} (same template)', 'path parameter {id} renamed {itemId}']);
  });

  it('breaks-on-a-changed-operation-id-which-generated-clients-name', () => {
    const changes = compareWith((doc) => (item(doc, '/items', 'get').operationId = 'findItems'));
    expect(messages(changes, 'breaking')).toEqual(['operationId listItems → findItems (code generated from the old contract names it)']);
  });
});

/** The create operation secured by a bearer scheme with one scope, in a document that also defines the scheme. */
const secured = (scopes: string[] = ['items:write']) => (doc: { paths: Json; components: Json }) => {
  doc.components.securitySchemes = { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } };
  item(doc, '/items', 'post').security = [{ bearerAuth: scopes }];
};
const compareSecured = (before: ReturnType<typeof secured>, after: (doc: { paths: Json; components: Json }) => void): Change[] => compareOpenapi(document(before), document(after));

describe('security', () => {
  it('breaks-when-authentication-becomes-required-on-an-existing-operation', () => {
    const changes = compareWith(secured());
    expect(changes).toEqual([
      { severity: 'breaking', message: 'authentication now required: bearerAuth with items:write (old clients send no credentials)', sites: ['POST /items'] },
    ]);
  });

  it('breaks-when-the-document-default-secures-existing-operations-that-do-not-opt-out', () => {
    const changes = compareWith((doc) => {
      (doc as unknown as Json).security = [{ bearerAuth: [] }];
      item(doc, '/items', 'get').security = [];
    });
    expect(changes.filter((change) => change.severity === 'breaking').map((change) => [change.message, change.sites])).toEqual([
      ['authentication now required: bearerAuth (old clients send no credentials)', ['POST /items', 'GET /items/{id}']],
    ]);
  });

  it('accepts-a-new-operation-that-requires-authentication', () => {
    const changes = compareWith((doc) => (doc.paths['/tags'] = { post: { operationId: 'createTag', security: [{ bearerAuth: ['tags:write'] }], responses: { '201': { description: 'ok' } } } }));
    expect(messages(changes, 'breaking')).toEqual([]);
  });

  it('breaks-on-a-new-required-scope-and-accepts-a-dropped-one', () => {
    const changes = compareSecured(secured(['items:write']), secured(['items:admin']));
    expect(messages(changes, 'breaking')).toEqual(["scope items:admin of bearerAuth now required (old clients' credentials may lack it)"]);
    expect(messages(changes, 'non-breaking')).toEqual(['scope items:write of bearerAuth no longer required']);
  });

  it('accepts-a-requirement-that-is-removed-or-relaxed-or-a-new-alternative', () => {
    const open = compareSecured(secured(), (doc) => {
      secured()(doc);
      delete item(doc, '/items', 'post').security;
    });
    expect(open).toEqual([
      { severity: 'non-breaking', message: 'authentication no longer required', sites: ['POST /items'] },
    ]);
    expect(messages(compareSecured(secured(['items:write', 'items:read']), secured(['items:write'])), 'breaking')).toEqual([]);
    const alternative = compareSecured(secured(), (doc) => {
      secured()(doc);
      (item(doc, '/items', 'post').security as Json[]).push({ apiKey: [] });
    });
    expect(alternative).toEqual([{ severity: 'non-breaking', message: 'security requirement apiKey added as an alternative', sites: ['POST /items'] }]);
  });

  it('breaks-when-an-alternative-is-removed-or-a-scheme-is-added-to-it', () => {
    const removed = compareSecured(
      (doc) => {
        secured()(doc);
        (item(doc, '/items', 'post').security as Json[]).push({ apiKey: [] });
      },
      secured(),
    );
    expect(messages(removed, 'breaking')).toEqual(['security requirement apiKey removed (old clients may hold only those credentials)']);
    const anded = compareSecured(secured(), (doc) => {
      secured()(doc);
      item(doc, '/items', 'post').security = [{ bearerAuth: ['items:write'], apiKey: [] }];
    });
    expect(messages(anded, 'breaking')).toEqual(['security requirement bearerAuth with items:write removed (old clients may hold only those credentials)']);
  });

  it('breaks-when-a-scheme-in-use-changes-kind', () => {
    const changes = compareSecured(secured(), (doc) => {
      secured()(doc);
      doc.components.securitySchemes = { bearerAuth: { type: 'apiKey', in: 'header', name: 'X-Api-Key' } };
    });
    expect(messages(changes, 'breaking')).toEqual(['security scheme bearerAuth changed: http bearer → apiKey header X-Api-Key (old clients send the old kind of credentials)']);
  });
});

describe('parameters and request bodies', () => {
  it('breaks-on-a-new-required-parameter-but-not-an-optional-one', () => {
    const changes = compareWith((doc) => {
      item(doc, '/items', 'get').parameters = [
        { name: 'page', in: 'query', schema: { type: 'integer' } },
        { name: 'X-Tenant', in: 'header', required: true, schema: { type: 'string' } },
      ];
    });
    expect(messages(changes, 'breaking')).toEqual(['new required header parameter X-Tenant (old clients do not send it)']);
    expect(messages(changes, 'non-breaking')).toEqual(['new optional query parameter page']);
  });

  it('breaks-when-a-parameter-is-removed-required-or-narrowed', () => {
    const changes = compareWith((doc) => {
      const get = item(doc, '/items/{id}', 'get');
      get.parameters = [];
      at(item(doc, '/items/{id}'), 'parameters', 0, 'schema').minimum = 10;
    });
    expect(messages(changes, 'breaking')).toEqual(['query parameter fields removed (old clients still send it)', 'path parameter id: minimum 1 → 10 (tighter)']);
  });

  it('breaks-when-a-parameter-becomes-required-or-its-serialization-changes', () => {
    const changes = compareWith((doc) => {
      item(doc, '/items/{id}', 'get').parameters = [{ name: 'fields', in: 'query', required: true, style: 'pipeDelimited', schema: { type: 'string' } }];
    });
    expect(messages(changes, 'breaking')).toEqual(['query parameter fields now required', 'query parameter fields: style default → pipeDelimited (serialization changed)']);
  });

  it('breaks-when-a-request-media-type-is-dropped-or-a-body-becomes-required', () => {
    const changes = compareWith((doc) => {
      const post = item(doc, '/items', 'post');
      post.requestBody = { required: true, content: { 'application/merge-patch+json': { schema: { type: 'object' } } } };
      item(doc, '/items', 'get').requestBody = { required: true, content: { 'application/json': { schema: { type: 'object' } } } };
    });
    expect(messages(changes, 'breaking')).toEqual(['request body now required (old clients send none)', 'request media type application/json no longer accepted']);
  });

  it('resolves-request-body-references', () => {
    const changes = compareWith((doc) => {
      (doc.components.requestBodies as unknown) = { NewItem: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/ItemCreate' } } } } };
      item(doc, '/items', 'post').requestBody = { $ref: '#/components/requestBodies/NewItem' };
      ((doc.components.schemas as Json).ItemCreate as Json).required = ['name', 'colour'];
    });
    expect(messages(changes, 'breaking')).toEqual(['request field ItemCreate.colour: new and required (old clients do not send it)']);
  });
});

describe('responses', () => {
  it('breaks-on-a-removed-success-status-but-not-on-an-undocumented-error', () => {
    const changes = compareWith((doc) => {
      const responses = item(doc, '/items/{id}', 'get').responses as Json;
      delete responses['404'];
      responses['206'] = responses['200'];
      delete responses['200'];
    });
    expect(messages(changes, 'breaking')).toEqual(['success status 200 removed', 'new success status 206 (old clients do not expect it)']);
    expect(messages(changes, 'non-breaking')).toEqual(['response 404 no longer documented']);
  });

  it('accepts-a-new-error-response', () => {
    const changes = compareWith((doc) => ((item(doc, '/items', 'post').responses as Json)['409'] = { description: 'conflict' }));
    expect(changes).toEqual([{ severity: 'non-breaking', message: 'response 409 added', sites: ['POST /items'] }]);
  });

  it('breaks-on-a-removed-response-media-type', () => {
    const changes = compareWith((doc) => {
      const ok = (item(doc, '/items', 'get').responses as Json)['200'] as Json;
      ok.content = { 'application/x-ndjson': { schema: { type: 'object' } } };
    });
    expect(messages(changes, 'breaking')).toEqual(['response 200 media type application/json removed']);
  });

  it('breaks-when-a-required-response-header-goes-away', () => {
    const changes = compareWith((doc) => delete ((item(doc, '/items', 'post').responses as Json)['201'] as Json).headers);
    expect(changes).toEqual([{ severity: 'breaking', message: 'response header location removed', sites: ['POST /items → 201'] }]);
  });

  it('lists-every-operation-that-uses-a-changed-schema', () => {
    const changes = compareWith((doc) => {
      const itemSchema = (doc.components.schemas as Json).Item as Json;
      itemSchema.properties = { id: { type: 'string' }, name: { type: 'string' } };
    });
    expect(changes).toEqual([
      {
        severity: 'breaking',
        message: 'response field Item.id: type integer → string',
        sites: ['GET /items → 200 application/json', 'POST /items → 201 application/json', 'GET /items/{id} → 200 application/json'],
      },
    ]);
  });

  it('refuses-documents-that-are-not-openapi-3', () => {
    expect(() => compareOpenapi({ swagger: '2.0' }, document())).toThrow('cannot compare OpenAPI documents: the old one is not OpenAPI 3.0/3.1 (openapi: undefined)');
  });
});
