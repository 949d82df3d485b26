import t from 'tap';
import { sql } from 'kysely';
import { inlineParameters, literal } from '../../projections/inline-parameters.ts';
import { testDatabase } from '../support/database.ts';

t.test('literals are escaped, typed by context, and refuse what cannot be sent', async (t) => {
  t.equal(literal("it's"), "'it''s'");
  t.equal(literal('a\\b'), " E'a\\\\b'");
  t.equal(literal(null), 'null');
  t.equal(literal(undefined), 'null');
  t.equal(literal(-5), "'-5'", 'a number is quoted: col-$1 never becomes a comment');
  t.equal(literal(12345678901234567890n), "'12345678901234567890'");
  t.equal(literal(true), "'true'");
  t.equal(literal(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6))), "'2026-01-02T03:04:05.006Z'");
  t.throws(() => literal('a\u0000b'), TypeError);
  t.throws(() => literal(Number.NaN), TypeError);
  t.throws(() => literal({ a: 1 }), TypeError);
  t.throws(() => literal([1]), TypeError);
  t.throws(() => literal(Buffer.from('x')), TypeError);
});

t.test('only placeholders outside literals, identifiers and comments are replaced', async (t) => {
  t.equal(
    inlineParameters({ sql: `select '$1', "$1", $1 -- $2\n, $2 /* $1 */, col-$3`, parameters: ['x', 'y', -1] }),
    `select '$1', "$1", 'x' -- $2\n, 'y' /* $1 */, col-'-1'`,
  );
  t.equal(inlineParameters({ sql: `select 'it''s $1', $1`, parameters: ['v'] }), `select 'it''s $1', 'v'`, 'a doubled quote stays inside its literal');
  t.equal(inlineParameters({ sql: 'select $10, $1', parameters: Array.from({ length: 10 }, (_, i) => i + 1) }), "select '10', '1'");
  t.throws(() => inlineParameters({ sql: 'select $2', parameters: ['a'] }), RangeError);
});

t.test('PostgreSQL reads every inlined value back exactly as the parameter would be', async (t) => {
  const { db } = await testDatabase(t, { poolMax: 1 });
  const hostile = ["'", "''", "\\'", "x'); drop table events; --", '$1', '$$', 'E\'\\x00\'', 'ünï 🚀', '\\\\', '--', '/*'];
  for (const value of hostile) {
    const query = sql<{ v: string; n: string; d: string }>`select ${value}::text as v, ${-42}::int + 1 as n, ${new Date(0)}::timestamptz = 'epoch' as d`.compile(db);
    const { rows } = await sql.raw<{ v: string; n: number; d: boolean }>(inlineParameters(query)).execute(db);
    const viaParameters = (await sql<{ v: string; n: number; d: boolean }>`select ${value}::text as v, ${-42}::int + 1 as n, ${new Date(0)}::timestamptz = 'epoch' as d`.execute(db)).rows;
    t.same(rows, viaParameters, JSON.stringify(value));
    t.equal(rows[0]!.v, value);
  }
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_tables where tablename = 'events'`.execute(db);
  t.equal(rows[0]!.n, 1, 'the events table is still there');
});
