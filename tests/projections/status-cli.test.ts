import t from 'tap';
import { sql } from 'kysely';
import { appendToStreams } from '../../eventstore/postgres/append.ts';
import { creatorsProjector } from '../../projections/creators/projector.ts';
import { catchUp } from '../../projections/runner.ts';
import { subscriptionsProjector } from '../../projections/subscriptions/projector.ts';
import { streamsProjector } from '../../projections/streams/projector.ts';
import { substream } from '../indexer/cli.ts';
import { testDatabase } from '../support/database.ts';
import { address, appendsFor, at, subEvent } from '../support/subscription-events.ts';

t.setTimeout(60_000);

t.test('`projections status`: stale, failed, lag in events and seconds; text and --json', async (t) => {
  const { db, url } = await testDatabase(t);
  const creator = address('carol');
  await appendToStreams(db, appendsFor([subEvent('SubscriptionBilled', address('alice'), creator, { amount: '5', billedAt: at(1), merchantReferenceId: null, receiptHash: null })]));
  await catchUp(db, subscriptionsProjector);
  await catchUp(db, creatorsProjector);
  await appendToStreams(db, appendsFor([subEvent('SubscriptionBilled', address('bob'), creator, { amount: '5', billedAt: at(2), merchantReferenceId: null, receiptHash: null })]));
  await sql`update events set recorded_at = now() - interval '1 hour' where global_position = (select max(global_position) from events)`.execute(db);
  await sql`update projection_checkpoints set version = version - 1 where name = 'subscriptions'`.execute(db);
  await sql`update projection_checkpoints set state = 'failed', last_error = 'creators: cannot apply TiersSet x' where name = 'creators'`.execute(db);
  await catchUp(db, streamsProjector);
  await sql`update projection_checkpoints set version = version + 1 where name = 'streams'`.execute(db);

  const json = await substream(['projections', 'status', '--json'], { DATABASE_URL: url });
  t.equal(json.code, 0, `status --json exits 0 ${json.stderr}`);
  const byName = new Map(JSON.parse(json.stdout).projectors.map((p: { name: string }) => [p.name, p]));
  const v = subscriptionsProjector.version;
  t.match(byName.get('subscriptions'), { codeVersion: v, storedVersion: v - 1, stale: true, state: 'live', lagEvents: 1, rebuild: null });
  t.ok((byName.get('subscriptions') as { lagSeconds: number }).lagSeconds >= 3_590, 'lag in seconds from the oldest unapplied event');
  t.match(byName.get('creators'), { stale: false, state: 'failed', lastError: 'creators: cannot apply TiersSet x', lagEvents: 1 });
  t.match(byName.get('streams'), { storedVersion: streamsProjector.version + 1, stale: false, newer: true }, 'a model newer than this code is not stale: rebuilding it would roll it back');
  t.match(byName.get('view-heatmap'), { state: 'new', storedVersion: null, position: null, lagEvents: null });

  const text = await substream(['projections', 'status'], { DATABASE_URL: url });
  t.equal(text.code, 0, `status exits 0 ${text.stderr}`);
  t.match(text.stdout, /^projector\s+version\s+state\s+position\s+lag events\s+lag s\s+last error$/m);
  t.match(text.stdout, new RegExp(`^subscriptions\\s+${v} \\(stored ${v - 1}, stale\\)\\s+live\\s+\\d+/\\d+\\s+1\\s+36\\d\\d\\.\\d`, 'm'));
  t.match(text.stdout, /^creators\s+1\s+failed\s+.*creators: cannot apply TiersSet x$/m);
  t.match(text.stdout, new RegExp(`^streams\\s+${streamsProjector.version} \\(stored ${streamsProjector.version + 1}, newer: upgrade this process\\)`, 'm'));

  const bad = await substream(['projections', 'rebuild', 'nope'], { DATABASE_URL: url });
  t.equal(bad.code, 2, 'an unknown projector is a usage error');
  t.match(bad.stderr, /unknown projector nope/);
  t.equal((await substream(['projections', 'rebuild'], { DATABASE_URL: url })).code, 2, 'rebuild needs a name or --all');
});
