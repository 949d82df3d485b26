import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileMigrationProvider, Migrator, type MigrationResultSet } from 'kysely/migration';
import type { Db } from './database.ts';

const folder = fileURLToPath(new URL('../migrations', import.meta.url));

/**
 * Applies every pending migration in `migrations/` and throws if one fails.
 *
 * @example const applied = await migrateToLatest(db);
 */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: new FileMigrationProvider({ fs, path, migrationFolder: folder }),
  });
  const { error, results }: MigrationResultSet = await migrator.migrateToLatest();
  if (error) throw new Error('migration failed', { cause: error });
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
