import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Networks } from '@stellar/stellar-sdk';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApp } from '../../api/app.ts';
import { createPostgresEventStore } from '../../eventstore/postgres/store.ts';
import type { LogPosition } from '../../eventstore/types.ts';
import { allProjectors } from '../../projections/registry.ts';
import { catchUp } from '../../projections/runner.ts';
import { runProjections } from '../../projections/startup.ts';
import { loadConfig } from '../../platform/config.ts';
import { migrateAsOwner, openRuntime, type Runtime } from '../../platform/runtime.ts';
import { onShutdown } from '../../platform/shutdown.ts';
import { signToken } from '../../platform/tokens.ts';
import { ledgerAt } from '../demo/chain-events.ts';
import { readModelCounts } from '../demo/counts.ts';
import { databaseHolds } from '../demo/guard.ts';
import { runLiveFacts } from '../demo/live.ts';
import { DEFAULT_SIZE, DEMO_CONTRACT_ID, demoCreators, demoPlan } from '../demo/plan.ts';
import { runningServer } from '../demo/running-server.ts';
import { replayArchive, seedSample } from '../demo/seed.ts';
import { EXIT, parseCliArgs, UsageError, type CliCommand } from '../cli.ts';

const usage = `substream demo [--short] [--facts N] [--subscribers N] [--seed N] [--port N] [--force] [--json]

Builds a living sample on the configured database (the embedded PostgreSQL by default) through
the real paths, serves the API and dashboard, and adds a chain fact every 1-2 s until Ctrl-C:
  - replays the shipped mainnet fixtures (tests/fixtures/stellar/mainnet) through the indexer;
  - 3 creators register, set bronze/silver/gold tiers and publish content (commands);
  - subscribers request subscriptions over the last 90 days (commands); their activations, bills
    and cancellations are substream-v1 contract events in a generated getEvents archive, indexed;
  - view reports for every content item (RecordViewEvents).
Run again on the same database: the sample is kept and comes alive again. Beside a running
server on the same port (\`npm start\` in another terminal) it joins that server: the link is
that server's, which projects and shows the facts this process adds.

  --short          build, let the projectors catch up, print the read-model counts and exit
  --facts N        stop after N live facts (with --short: emit them before counting)
  --subscribers N  subscribers in the sample (default ${DEFAULT_SIZE.subscribers})
  --seed N         the sample's seed (default 22): same seed, same sample
  --port N         listen port (default PORT, 3000)
  --force          write into a database that holds data other than the demo's
  --json           print the summary as one JSON line (with --short)

Exit codes: 0 done, 1 failed or refused (the database holds other data), 2 bad arguments.`;

function count(value: string | undefined, flag: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) > max) throw new UsageError(`${flag} must be a whole number up to ${max}, got ${value}`);
  return Number(value);
}

const FIXTURES = new URL('../../tests/fixtures/stellar/mainnet/', import.meta.url).pathname;
const FIXTURE_FILES = ['rpc-get-transactions.json', 'ledger-30820015.get-transactions.ndjson'];

/** What the demo prints once it serves (or joined a server): the sign-in link and what to try next. */
function banner(base: string, creator: { address: string; displayName: string }, token: string): string {
  return [
    '',
    `SubStream demo on ${base}  (Ctrl-C to stop)`,
    `  dashboard, signed in as ${creator.displayName}: ${base}/dashboard#token=${token}`,
    `  (or open ${base}/dashboard and paste $TOKEN below)`,
    '',
    'Try next:',
    `  export TOKEN=${token}`,
    `  curl -H "Authorization: Bearer $TOKEN" ${base}/v1/analytics/creators/me`,
    `  curl -H "Authorization: Bearer $TOKEN" "${base}/v1/creators/me/subscribers"`,
    `  curl ${base}/v1/creators/${creator.address}`,
    `  curl ${base}/   (the front door; ${base}/docs for every route)`,
    '  npx substream projections status',
    `  npx substream token --sub ${creator.address} --tenant ${creator.address}   (a fresh token)`,
    '',
  ].join('\n');
}

export const demo: CliCommand = {
  usage,
  async run(argv) {
    const { values } = parseCliArgs(argv, {
      short: { type: 'boolean' },
      facts: { type: 'string' },
      subscribers: { type: 'string' },
      seed: { type: 'string' },
      port: { type: 'string' },
      force: { type: 'boolean' },
      json: { type: 'boolean' },
    });
    const size = { ...DEFAULT_SIZE, subscribers: count(values.subscribers, '--subscribers', DEFAULT_SIZE.subscribers, 100_000) };
    const seed = count(values.seed, '--seed', 22, 2 ** 31);
    const facts = values.facts === undefined ? undefined : count(values.facts, '--facts', 0, 1_000_000);
    const config = loadConfig();
    const port = count(values.port, '--port', config.PORT, 65_535);
    const logger = pino({ level: config.LOG_LEVEL, name: 'substream-demo' }, pino.destination(2));
    const say = (line: string) => void (values.json ? undefined : process.stdout.write(`${line}\n`));
    const runtime: Runtime = await openRuntime(config, logger, { migrate: false });
    let app: FastifyInstance | undefined;
    const live = new AbortController();
    try {
      const creators = demoCreators(size.creators);
      const holds = await databaseHolds(runtime.db, creators);
      if (holds.state === 'other' && !values.force) {
        process.stderr.write(`refusing: ${runtime.embedded ? 'the embedded database' : 'DATABASE_URL'} holds data that is not the demo's (use --force to add the demo to it anyway)\n`);
        return EXIT.failed;
      }
      if (holds.sample === 'partial') {
        process.stderr.write('refusing: a previous demo run stopped while building its sample; start from a fresh database (with the embedded default: remove DATA_DIR)\n');
        return EXIT.failed;
      }
      await migrateAsOwner(config, runtime.db);
      const now = new Date();
      const contractId = config.SUBSTREAM_CONTRACT_ID ?? DEMO_CONTRACT_ID;
      const passphrase = config.STELLAR_NETWORK;
      const plan = demoPlan({ seed, now, size, passphrase });
      const store = createPostgresEventStore(runtime.db);
      const started = performance.now();
      let seeded = null;
      if (holds.sample === 'none') {
        const fixtures = FIXTURE_FILES.map((f) => join(FIXTURES, f)).filter((f) => existsSync(f));
        if (fixtures.length < FIXTURE_FILES.length) say(`the mainnet fixtures are not in this build (${FIXTURES}): ${fixtures.length} of ${FIXTURE_FILES.length} replayed`);
        for (const file of fixtures) {
          const stats = await replayArchive(runtime.db, { file, job: 'demo:fixture', contracts: '*', passphrase: Networks.PUBLIC, logger });
          say(`indexed ${stats.appended} mainnet contract events from ${file}`);
        }
        seeded = await seedSample(
          { db: runtime.db, store, contractId, passphrase, pendingTtlSeconds: config.SUBSCRIPTION_PENDING_TTL_SECONDS, workDir: join(config.DATA_DIR, 'demo'), logger },
          plan,
          { now, viewsPerContent: size.viewsPerContent, seed },
        );
        say(`sample built in ${((performance.now() - started) / 1000).toFixed(1)} s: ${seeded.creators} creators, ${seeded.content} content items, ${seeded.subscriptions} subscriptions, ${seeded.contractEvents} contract events indexed, ${seeded.views} view reports`);
      } else {
        say('the demo sample is already in this database: bringing it back to life');
      }
      let emitted = 0;
      const liveRun = (announce?: { store: typeof store; onAppended: (position: LogPosition) => void }) =>
        runLiveFacts({
          db: runtime.db, store: announce?.store ?? store, contractId, passphrase, pendingTtlSeconds: config.SUBSCRIPTION_PENDING_TTL_SECONDS, plan, seed, logger,
          firstLedger: ledgerAt(now) + 1,
          signal: live.signal,
          ...(announce ? { onAppended: announce.onAppended } : {}),
          onFact: (fact) => {
            emitted++;
            say(`chain fact: ${fact.name} ${fact.subscriber.slice(0, 6)}… → ${fact.creator.slice(0, 6)}…`);
            if (facts !== undefined && emitted >= facts) live.abort();
          },
        });
      if (values.short) {
        if (facts) await liveRun();
        for (const projector of allProjectors) await catchUp(runtime.db, projector, { batchSize: config.PROJECTION_BATCH_SIZE });
        const counts = await readModelCounts(runtime.db);
        if (values.json) process.stdout.write(`${JSON.stringify({ seeded, facts: emitted, counts })}\n`);
        else say(JSON.stringify(counts, null, 2));
        return EXIT.ok;
      }

      const creator = plan.creators[0]!;
      const token = await signToken(runtime.jwtSecret, { sub: creator.address, tenant: creator.address }, 24 * 3600);
      const joined = await runningServer(port);
      if (joined) {
        // `npm start` serves on this port (same DATA_DIR, so the same JWT secret): it runs the
        // projectors and the dashboard; its live feed picks these facts up by its fallback poll.
        say(`\njoining the SubStream server already on ${joined}: it serves the dashboard, this process adds the facts`);
        say(banner(joined, creator, token));
        await Promise.race([liveRun(), onShutdown(logger, async () => live.abort())]);
        return EXIT.ok;
      }
      const eventStore = createPostgresEventStore(runtime.apiDb);
      app = await buildApp({ services: { config, db: runtime.apiDb, eventStore, jwtSecret: runtime.jwtSecret }, logLevel: 'warn' });
      const projecting = runProjections(runtime.db, allProjectors, { batchSize: config.PROJECTION_BATCH_SIZE, signal: live.signal, logger, autoRebuild: config.PROJECTIONS_AUTO_REBUILD });
      await app.listen({ port, host: config.HOST });
      say(banner(`http://localhost:${(app.server.address() as { port: number }).port}`, creator, token));
      // Through the app's store and log signal: the dashboard's live ticker wakes at each fact.
      await Promise.race([liveRun({ store: app.services.eventStore, onAppended: app.logSignal.notify }), projecting, onShutdown(logger, async () => live.abort())]);
      live.abort();
      await projecting.catch(() => undefined);
      return EXIT.ok;
    } finally {
      live.abort();
      await app?.close();
      await runtime.close();
    }
  },
};
