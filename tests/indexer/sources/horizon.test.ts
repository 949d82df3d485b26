import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { createHorizonSource, HORIZON_NO_META } from '../../../indexer/sources/horizon.ts';
import { SourceUnavailable } from '../../../indexer/sources/types.ts';

const { records } = JSON.parse(
  readFileSync(new URL('../../fixtures/stellar/mainnet/horizon-transactions.json', import.meta.url), 'utf8'),
) as { records: object[] };

t.test('public Horizon records without result_meta_xdr: SourceUnavailable saying so', async (t) => {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url ?? '');
    res.setHeader('content-type', 'application/hal+json');
    if (req.url === '/') return res.end(JSON.stringify({ history_latest_ledger: 63_800_200, core_latest_ledger: 63_800_200 }));
    if (req.url?.startsWith('/ledgers/63800108/transactions')) return res.end(JSON.stringify({ _embedded: { records }, _links: {} }));
    res.writeHead(404).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const source = createHorizonSource({ horizonUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` });

  t.equal(await source.latestLedger(), 63_800_200);
  const error = await (async () => {
    for await (const _batch of source.read({ from: 63_800_108, to: 63_800_110 })) t.fail('no batch expected');
  })().catch((e: unknown) => e);
  t.type(error, SourceUnavailable);
  t.match((error as Error).message, /does not serve result_meta_xdr/);
  t.ok((error as Error).message.includes(HORIZON_NO_META));
  t.ok(paths.some((p) => /^\/ledgers\/63800108\/transactions\?include_failed=true&limit=200/.test(p)), 'asked the ledger with failed txs');
});
