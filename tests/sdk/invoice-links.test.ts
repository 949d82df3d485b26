import { scValToNative, xdr } from '@stellar/stellar-sdk';
import t from 'tap';
import { invoiceLinksProjector } from '../../projections/invoice-links/projector.ts';
import { catchUp } from '../../projections/runner.ts';
import { SubstreamApiError, SubstreamClient } from '../../sdk/src/index.ts';
import { randomAccount, testApp } from '../support/app.ts';
import { listen } from '../support/listening-app.ts';
import { randomContract } from '../support/stream-events.ts';

async function rejection(promise: Promise<unknown>): Promise<SubstreamApiError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  if (!(error instanceof SubstreamApiError)) throw new Error(`expected a SubstreamApiError, got ${String(error)}`);
  return error;
}

t.test('invoice links through the SDK: create, public read by slug, list with paging, sign, delete', async (t) => {
  const harness = await testApp(t);
  const baseUrl = await listen(harness.app);
  const project = () => catchUp(harness.database.db, invoiceLinksProjector);
  const creator = randomAccount();
  const payer = randomAccount();
  const tokenAddress = randomContract();
  const asCreator = new SubstreamClient({ baseUrl, token: await harness.token(creator) });
  const asPayer = new SubstreamClient({ baseUrl, token: await harness.token(payer) });
  const anonymous = new SubstreamClient({ baseUrl });

  const link = await asCreator.createInvoiceLink({ receiver: creator, amount: 5_000_000n, tokenAddress, duration: 3600, description: 'March' });
  t.equal(link.status, 'DRAFT');
  t.equal(link.shareUrl, `${baseUrl}/v1/invoice-links/${link.slug}`);
  t.same(scValToNative(xdr.ScVal.fromXDR(link.xdrParams, 'base64')), [creator, tokenAddress, 5_000_000n, 3600n, link.slug]);
  const second = await asCreator.createInvoiceLink({ receiver: creator, amount: '10', tokenAddress, duration: 60 });
  const third = await asCreator.createInvoiceLink({ receiver: creator, amount: '20', tokenAddress, duration: 60 });
  await project();

  t.match(await anonymous.getInvoiceLinkBySlug(link.slug), { id: link.id, status: 'DRAFT', amount: '5000000', description: 'March' }, 'public, no credentials');
  t.match(await rejection(anonymous.getInvoiceLinkBySlug('AAAAAAAAAAAAAAAA')), { status: 404, code: 'INVOICE_LINK.NOT_FOUND' });
  t.match(await rejection(anonymous.getInvoiceLinkBySlug('short')), { status: 400, code: 'VALIDATION.FAILED' });

  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await asCreator.listInvoiceLinks({ limit: 2, ...(cursor ? { cursor } : {}) });
    t.ok(page.items.length <= 2, 'a page holds at most the limit');
    ids.push(...page.items.map((l) => l.id));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  t.same(ids.toSorted(), [link.id, second.id, third.id].toSorted(), 'paging returns each link once');

  const skip = await rejection(asPayer.updateInvoiceLinkStatus(link.id, { status: 'COMPLETED', txHash: 'ab'.repeat(32) }));
  t.match(skip, { status: 422, code: 'INVOICE_LINK.INVALID_TRANSITION', details: { current: 'DRAFT', requested: 'COMPLETED' } });
  t.match(await asPayer.updateInvoiceLinkStatus(link.id, { status: 'SIGNED', txHash: 'ab'.repeat(32) }), { id: link.id, status: 'SIGNED' });
  await project();
  t.same((await asPayer.listInvoiceLinks()).items.map((l) => [l.id, l.status]), [[link.id, 'SIGNED']], 'the payer sees what it signed');

  t.match(await rejection(asPayer.deleteInvoiceLink(second.id)), { status: 403 });
  t.equal(await asCreator.deleteInvoiceLink(second.id), undefined);
  t.match(await rejection(asCreator.deleteInvoiceLink(second.id)), { status: 404 });
  await project();
  t.match(await rejection(anonymous.getInvoiceLinkBySlug(second.slug)), { status: 404 });
});

t.test('an expired link is a typed 410', async (t) => {
  const harness = await testApp(t);
  const baseUrl = await listen(harness.app);
  const creator = randomAccount();
  const client = new SubstreamClient({ baseUrl, token: await harness.token(creator) });
  const link = await client.createInvoiceLink({
    receiver: creator, amount: '10', tokenAddress: randomContract(), duration: 60, expiresAt: new Date(Date.now() + 1000).toISOString(),
  });
  await catchUp(harness.database.db, invoiceLinksProjector);
  await new Promise((resolve) => setTimeout(resolve, 1100));
  t.match(await rejection(client.getInvoiceLinkBySlug(link.slug)), { status: 410, code: 'INVOICE_LINK.EXPIRED', details: { expiresAt: link.expiresAt } });
});
