import { sql, type Kysely } from 'kysely';

/**
 * Email notifications (integration/email/). Personal data stays out of the event log: an address
 * lives only in `email_addresses`, keyed by its subject (a wallet address or principal), and is
 * erased with it (`deleteSubjectEmail`). `email_unsubscribes`: notification types a subject
 * turned off (RFC 8058 one-click). `email_suppressions`: hard-bounced addresses, kept as a SHA-256
 * of the lower-cased address. `email_outbox`: one row per (event, subject, kind), written by the
 * email dispatcher in the transaction that moves its checkpoint (`outbox_checkpoints` row
 * `email`); the address is looked up at send time. Keyed by subject, not tenant: no RLS, every
 * API query filters on the caller's subject.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table email_addresses (
      subject text primary key,
      address text not null,
      verified_at timestamptz,
      verify_token_hash text unique,
      verify_expires_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`.execute(db);
  await sql`
    create table email_unsubscribes (
      subject text not null,
      kind text not null,
      created_at timestamptz not null default now(),
      primary key (subject, kind)
    )`.execute(db);
  await sql`
    create table email_suppressions (
      address_hash text primary key,
      reason text not null,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`
    create table email_outbox (
      id uuid primary key default gen_random_uuid(),
      seq bigserial not null unique,
      event_id uuid not null,
      subject text not null,
      kind text not null,
      vars jsonb not null,
      status text not null default 'pending' check (status in ('pending', 'sent', 'failed', 'skipped')),
      attempts integer not null default 0,
      next_attempt_at timestamptz not null default now(),
      last_error text,
      created_at timestamptz not null default now(),
      sent_at timestamptz,
      unique (event_id, subject, kind)
    )`.execute(db);
  await sql`create index email_outbox_due_idx on email_outbox (next_attempt_at, seq) where status = 'pending'`.execute(db);
  await sql`create index email_outbox_subject_idx on email_outbox (subject)`.execute(db);
  await sql`revoke all on email_addresses, email_unsubscribes, email_suppressions, email_outbox from public`.execute(db);
  await sql`grant select, insert, update, delete on email_addresses, email_unsubscribes to substream_api`.execute(db);
  await sql`grant select on email_suppressions to substream_api`.execute(db);
  await sql`grant select, delete on email_outbox to substream_api`.execute(db);
  await sql`grant select on email_addresses, email_unsubscribes to substream_projector`.execute(db);
  await sql`grant select, insert on email_suppressions to substream_projector`.execute(db);
  await sql`grant select, insert, update on email_outbox to substream_projector`.execute(db);
  await sql`grant usage on sequence email_outbox_seq_seq to substream_projector`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table email_outbox, email_suppressions, email_unsubscribes, email_addresses`.execute(db);
  await sql`delete from outbox_checkpoints where name = 'email'`.execute(db);
}
