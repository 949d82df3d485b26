import { sql, type Kysely } from 'kysely';

/**
 * The key vault of crypto-shredding (platform/personal-data/): one AES-256 data key per data
 * subject (a wallet address or tenant), stored wrapped by the PII master key, which never enters
 * the database. Deleting a subject's row is its erasure: what the event log holds of it, sealed
 * under that key, can no longer be read by anyone. Operational, not a read model: no tenant, no RLS.
 *
 * Grants: the API appends personal data (creates keys), decrypts the streams its commands fold
 * (selects) and erases its caller (deletes); projectors, the relay and the webhook dispatcher
 * decrypt (select). The indexer writes chain facts only and gets nothing. The API role also gets
 * DELETE on webhook_deliveries: an erasure drops the caller's queued and past payloads.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table personal_data_keys (
      key_id uuid primary key,
      subject text not null unique,
      wrapped_key text not null,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`revoke all on personal_data_keys from public`.execute(db);
  await sql`grant select, insert, delete on personal_data_keys to substream_api`.execute(db);
  await sql`grant select on personal_data_keys to substream_projector`.execute(db);
  await sql`grant delete on webhook_deliveries to substream_api`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`revoke delete on webhook_deliveries from substream_api`.execute(db);
  await sql`drop table personal_data_keys`.execute(db);
}
