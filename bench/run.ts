/**
 * `npm run bench`: every benchmark in sequence on one machine and one database, printing figures
 * and ratios. Pass names to run some: `npm run bench -- eventstore`.
 * Benchmarks use BENCH_DATABASE_URL, else TEST_DATABASE_URL, else the local PostgreSQL.
 */
const benches: Record<string, () => Promise<{ run(): Promise<void> }>> = {
  eventstore: () => import('./eventstore.ts'),
  peers: () => import('./peers.ts'),
  datalake: () => import('./datalake.ts'),
  indexer: () => import('./indexer.ts'),
  'archive-memory': () => import('./archive-memory.ts'),
  projections: () => import('./projections.ts'),
  'live-feed': () => import('./live-feed.ts'),
  analytics: () => import('./analytics.ts'),
  http: () => import('./http.ts'),
  flags: () => import('./flags.ts'),
  'streams-http': () => import('./streams-http.ts'),
  asof: () => import('./as-of.ts'),
  soak: () => import('./soak.ts'),
};

const wanted = process.argv.slice(2);
for (const [name, load] of Object.entries(benches)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  console.log(`\n## ${name}`);
  await (await load()).run();
}
