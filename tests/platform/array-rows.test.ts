import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import t from 'tap';
import { arrayRows } from '../../platform/array-rows.ts';
import type { Database } from '../../platform/schema.ts';
import { testDatabase } from '../support/database.ts';

t.test('marked statements come back as arrays in select order, on the pool and in a transaction', async (t) => {
  const { db } = await testDatabase(t);
  t.same(await arrayRows(db, sql`select 1::int as b, ${'x'}::text as a, null as c`), [[1, 'x', null]], 'pool: values in select order, not by name');
  t.same(await arrayRows(db, sql`select n from generate_series(1, 3) as n where n > ${5}`), [], 'no rows');
  const inTransaction = await db.transaction().execute(async (trx) => {
    await sql`create temporary table tmp (id int, doc jsonb) on commit drop`.execute(trx);
    await sql`insert into tmp values (1, '{"k": "v"}'), (2, null)`.execute(trx);
    return arrayRows<[number, unknown]>(trx, sql`select id, doc from tmp order by id`);
  });
  t.same(inTransaction, [[1, { k: 'v' }], [2, null]], 'transaction: same connection, types still parsed');
});

t.test('every other statement keeps its named rows', async (t) => {
  const { db } = await testDatabase(t);
  const { rows } = await sql<{ a: number }>`select 1::int as a`.execute(db);
  t.same(rows, [{ a: 1 }]);
  const commented = await sql<{ a: number }>`/* a comment */ select 2::int as a`.execute(db);
  t.same(commented.rows, [{ a: 2 }], 'a leading comment is not the marker');
});

t.test('a Kysely instance not made by createDb still gets arrays', async (t) => {
  const { url } = await testDatabase(t);
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const plain = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  t.teardown(() => plain.destroy());
  t.same(await arrayRows(plain, sql`select 'a'::text as z, 2::int as y`), [['a', 2]], 'from the row objects, in select order');
});
