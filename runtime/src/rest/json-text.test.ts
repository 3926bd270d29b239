import { describe, expect, it } from 'vitest';
import { gadgetsForTests, send } from './gadgets.fixture.ts';
import { textErrors } from './json-text.ts';

const json = { 'content-type': 'application/json' };

describe('JSON text: well-formed Unicode without U+0000', () => {
  const s = gadgetsForTests();

  it('refuses-a-lone-surrogate-naming-the-field', async () => {
    for (const text of ['x\\ud800y', '\\udc00', 'ok\\ud83d']) {
      const answer = await send(s.base, { method: 'POST', path: '/gadgets', headers: json, body: `{"name":"${text}"}` });
      expect({ status: answer.status, errors: answer.json?.errors }).toEqual({
        status: 400,
        errors: [{ field: 'name', in: 'body', message: 'must be well-formed Unicode text (a lone surrogate such as \\ud800 is not)' }],
      });
    }
    expect(s.calls).toEqual([]);
  });

  it('refuses-u0000-naming-the-field-inside-arrays-too', async () => {
    const answer = await send(s.base, { method: 'POST', path: '/gadgets', headers: json, body: '{"name":"a\\u0000b","tags":["ok","c\\u0000"]}' });
    expect(answer.status).toBe(400);
    expect(answer.json?.errors).toEqual([
      { field: 'name', in: 'body', message: 'must not contain the character U+0000' },
      { field: 'tags.1', in: 'body', message: 'must not contain the character U+0000' },
    ]);
  });

  it('takes-surrogate-pairs-and-other-text-unchanged', async () => {
    const name = '🙂 ﷽ é\u0301 \u202e \ufeff \t';
    const answer = await send(s.base, { method: 'POST', path: '/gadgets', headers: json, body: JSON.stringify({ name }) });
    expect(answer.status).toBe(201);
    expect(answer.json?.body).toEqual({ name });
  });

  it('reports-a-broken-member-name-by-a-well-formed-stand-in', () => {
    expect(textErrors(JSON.parse('{"a\\ud800":1,"b":{"c\\u0000":"\\udfff"}}'))).toEqual([
      { field: 'a\ufffd', in: 'body', message: 'member name must be well-formed Unicode text (a lone surrogate such as \\ud800 is not)' },
      { field: 'b.c\u0000', in: 'body', message: 'member name must not contain the character U+0000' },
      { field: 'b.c\u0000', in: 'body', message: 'must be well-formed Unicode text (a lone surrogate such as \\ud800 is not)' },
    ]);
  });
});

describe('textErrors on deep JSON', () => {
  it('walks-thirty-thousand-levels-without-running-out-of-stack', () => {
    const depth = 30_000;
    const deep = JSON.parse(`${'['.repeat(depth)}"a\\u0000"${']'.repeat(depth)}`) as unknown;
    const [error] = textErrors(deep);
    expect(error?.message).toBe('must not contain the character U+0000');
    expect(error?.field.split('.')).toHaveLength(depth);
  });
});
