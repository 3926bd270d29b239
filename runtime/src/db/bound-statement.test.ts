import { JsonProperty, raw } from '@mikro-orm/core';
import { SqlitePlatform } from '@mikro-orm/sql';
import { describe, expect, it } from 'vitest';
import { bindStatement } from './bound-statement.ts';
import type { ParameterStyle } from './bound-statement.ts';

const platform = new SqlitePlatform();
const dollar: ParameterStyle = { placeholder: (n) => `$${n}`, value: (v) => v };

describe('bindStatement', () => {
  it('puts-a-placeholder-where-mikro-orm-would-inline-each-value', () => {
    const bound = bindStatement('select * from t where a = ? and b = ? limit ?', ['a\u0000b', Infinity, 1], dollar, platform);
    expect(bound).toEqual({ sql: 'select * from t where a = $1 and b = $2 limit $3', parameters: ['a\u0000b', Infinity, 1] });
  });

  it('quotes-identifiers-keeps-escaped-question-marks-and-binds-the-rest', () => {
    const bound = bindStatement('select ?? from t where data \\? ? and x = ?', ['name', 'key', 'it\'s?'], dollar, platform);
    expect(bound).toEqual({ sql: 'select `name` from t where data ? $1 and x = $2', parameters: ['key', "it's?"] });
  });

  it('expands-an-array-into-one-placeholder-per-element', () => {
    expect(bindStatement('where id in (?)', [[1, 2, 3]], dollar, platform)).toEqual({ sql: 'where id in ($1, $2, $3)', parameters: [1, 2, 3] });
  });

  it('splices-a-raw-fragment-as-sql-and-binds-its-own-values', () => {
    const bound = bindStatement('update t set n = ? where id = ?', [raw('n + ?', [5]), 7], dollar, platform);
    expect(bound).toEqual({ sql: 'update t set n = n + $1 where id = $2', parameters: [5, 7] });
  });

  it('binds-objects-and-json-tagged-values-as-json-text-and-undefined-as-null', () => {
    const tagged = Object.defineProperty([1, 2], JsonProperty, { value: true });
    const bound = bindStatement('values (?, ?, ?)', [{ a: 1 }, tagged, undefined], dollar, platform);
    expect(bound.parameters).toEqual(['{"a":1}', '[1,2]', null]);
  });

  it('applies-the-drivers-value-conversion', () => {
    const sqlite: ParameterStyle = { placeholder: () => '?', value: (v) => (typeof v === 'boolean' ? Number(v) : v instanceof Date ? v.getTime() : v) };
    const bound = bindStatement('values (?, ?)', [true, new Date(1000)], sqlite, platform);
    expect(bound).toEqual({ sql: 'values (?, ?)', parameters: [1, 1000] });
  });

  it('gives-the-same-answer-on-the-short-way-for-plain-placeholders-and-scalar-values', () => {
    const sqlite: ParameterStyle = { placeholder: () => '?', value: (v) => (typeof v === 'boolean' ? Number(v) : v) };
    const values = ['a\u0000b', 1, 2n, null, undefined, true, "it's?"];
    const sql = 'insert into t values (?, ?, ?, ?, ?, ?, ?)';
    expect(bindStatement(sql, values, sqlite, platform)).toEqual({ sql, parameters: ['a\u0000b', 1, 2n, null, null, 1, "it's?"] });
    // Identifiers, escaped marks, arrays and objects still take the general rules.
    expect(bindStatement('select ?? from t where data \\? ? and x in (?)', ['name', 'key', [1, 2]], sqlite, platform)).toEqual({
      sql: 'select `name` from t where data ? ? and x in (?, ?)',
      parameters: ['key', 1, 2],
    });
    expect(() => bindStatement('select ?, ?', [1], sqlite, platform)).toThrow('cannot bind statement: more placeholders than the 1 parameters');
  });

  it('leaves-a-statement-without-parameters-as-it-is', () => {
    expect(bindStatement("select 'why?' \\? x", [], dollar, platform)).toEqual({ sql: "select 'why?' \\? x", parameters: [] });
  });

  it('refuses-a-statement-whose-placeholders-and-parameters-disagree', () => {
    expect(() => bindStatement('select ?, ?', [1], dollar, platform)).toThrow('cannot bind statement: more placeholders than the 1 parameters');
    expect(() => bindStatement('select ?', [1, 2], dollar, platform)).toThrow('cannot bind statement: 2 parameters for 1 placeholders');
  });
});
