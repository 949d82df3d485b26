import pg from 'pg';
import { TEST_SERVER_URL } from './database.ts';

/** The NOLOGIN group roles the migrations create, one per kind of process. */
export type GroupRole = 'substream_api' | 'substream_projector' | 'substream_indexer';

/**
 * A login role whose only membership is `group`, as a deployment creates one (README, "Database
 * roles"), and `databaseUrl` rewritten to log in as it. Roles are cluster-wide and every test file
 * shares the one of a group (`substream_test_api` …): it is created once, tolerating a concurrent
 * creation by another test process, and left in place (it owns nothing; trust authentication).
 * The group must exist: call after `testDatabase` migrated.
 *
 * @example const apiUrl = await loginRoleUrl('substream_api', database.url);
 */
export async function loginRoleUrl(group: GroupRole, databaseUrl: string): Promise<string> {
  const login = `substream_test_${group.slice('substream_'.length)}`;
  const admin = new pg.Client({ connectionString: TEST_SERVER_URL });
  await admin.connect();
  try {
    await admin.query(`
      do $$ begin
        if not exists (select from pg_roles where rolname = '${login}') then
          create role ${login} login nosuperuser nobypassrls nocreatedb nocreaterole in role ${group};
        end if;
      exception when duplicate_object or unique_violation then null;
      end $$`);
  } finally {
    await admin.end();
  }
  const url = new URL(databaseUrl);
  url.username = login;
  url.password = '';
  return url.toString();
}
