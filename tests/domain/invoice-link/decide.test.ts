import t from 'tap';
import type { InvoiceLinkCommand } from '../../../domain/invoice-link/commands.ts';
import { invoiceLinkDecider } from '../../../domain/invoice-link/decide.ts';
import type { InvoiceLinkEvent } from '../../../domain/invoice-link/events.ts';
import { paysInvoiceLink } from '../../../domain/invoice-link/match.ts';
import { statusAt } from '../../../domain/invoice-link/state.ts';
import { deciderSpec, fold } from '../../support/decider.ts';

const spec = deciderSpec(invoiceLinkDecider);
const creator = 'GCEZWKCA5VLDNRLN3RPRJMRZOX3Z6G5CHCGSNFHEYVXM3XOJMDS674JZ';
const payer = 'GAAZI4TCR3TY5OJHCTJC2A4QSY6CJWJH5IAJTGKIN2ER7LBNVKOCCWN7';
const token = 'CAS3J7GYLGXMF6TDJBBYYSE3HQ6BBSMLNUQ34T6TZMYMW2EVH34XOWMA';
const linkId = 'l-1';
const now = '2026-03-01T10:00:00.000Z';
const expiresAt = '2026-03-08T10:00:00.000Z';
const txHash = 'ab'.repeat(32);

const link = { linkId, slug: 'abcdefghijklmnop', receiver: creator, token, amount: 100n, durationSeconds: 60, description: null, pdfUrl: null, expiresAt };
const createCmd = (over: Partial<typeof link> = {}, at = now): InvoiceLinkCommand => ({ type: 'CreateInvoiceLink', data: { ...link, ...over }, metadata: { now: at, actor: creator } });
const created: InvoiceLinkEvent = { type: 'InvoiceLinkCreated', data: { ...link, amount: '100', creator, createdAt: now } };
const signed: InvoiceLinkEvent = { type: 'InvoiceLinkSigned', data: { linkId, payer, txHash, signedAt: now } };
const completed: InvoiceLinkEvent = { type: 'InvoiceLinkCompleted', data: { linkId, contractId: token, streamId: '1', payer, completedAt: now } };
const status = (s: string, actor = payer, at = now, hash: string | null = txHash): InvoiceLinkCommand => ({
  type: 'ChangeInvoiceLinkStatus', data: { linkId, status: s, txHash: hash }, metadata: { now: at, actor },
});
const del = (actor = creator, at = now): InvoiceLinkCommand => ({ type: 'DeleteInvoiceLink', data: { linkId }, metadata: { now: at, actor } });

t.test('CreateInvoiceLink', async (t) => {
  t.match(spec(t).given([]).when(createCmd()).then([created]), { status: 'DRAFT', amount: 100n });
  spec(t).given([]).when(createCmd({ amount: 0n })).then('INVOICE_LINK.INVALID_AMOUNT');
  spec(t).given([]).when(createCmd({ durationSeconds: 0 })).then('INVOICE_LINK.INVALID_DURATION');
  spec(t).given([]).when(createCmd({}, expiresAt)).then('INVOICE_LINK.INVALID_EXPIRY');
  spec(t).given([created]).when(createCmd()).then('INVOICE_LINK.ALREADY_EXISTS');
});

t.test('ChangeInvoiceLinkStatus: only DRAFT → SIGNED, by the payer, with a hash, before expiry', async (t) => {
  t.match(spec(t).given([created]).when(status('SIGNED')).then([signed]), { status: 'SIGNED', payer, txHash });
  spec(t).given([created]).when(status('SIGNED', creator)).then('INVOICE_LINK.FORBIDDEN');
  spec(t).given([created]).when(status('SIGNED', payer, now, null)).then('INVOICE_LINK.TX_HASH_REQUIRED');
  spec(t).given([created]).when(status('COMPLETED')).then('INVOICE_LINK.INVALID_TRANSITION');
  spec(t).given([created, signed]).when(status('DRAFT')).then('INVOICE_LINK.INVALID_TRANSITION');
  spec(t).given([created, signed, completed]).when(status('SIGNED')).then('INVOICE_LINK.INVALID_TRANSITION');
  spec(t).given([created]).when(status('SIGNED', payer, expiresAt)).then('INVOICE_LINK.EXPIRED');
  spec(t).given([]).when(status('SIGNED')).then('INVOICE_LINK.NOT_FOUND');
});

t.test('DeleteInvoiceLink: only a DRAFT, only by its creator', async (t) => {
  t.match(spec(t).given([created]).when(del()).then([{ type: 'InvoiceLinkDeleted', data: { linkId, deletedAt: now } }]), { status: 'DELETED' });
  spec(t).given([created]).when(del(payer)).then('INVOICE_LINK.FORBIDDEN');
  spec(t).given([created, signed]).when(del()).then('INVOICE_LINK.INVALID_TRANSITION');
  spec(t).given([created]).when(del(creator, expiresAt)).then('INVOICE_LINK.INVALID_TRANSITION');
  spec(t).given([created, { type: 'InvoiceLinkDeleted', data: { linkId, deletedAt: now } }]).when(del()).then('INVOICE_LINK.NOT_FOUND');
});

t.test('expiry is read from the clock; a chain completion matches every term', async (t) => {
  const state = fold(invoiceLinkDecider, [created]);
  t.equal(statusAt(state, now), 'DRAFT');
  t.equal(statusAt(state, expiresAt), 'EXPIRED');
  t.equal(statusAt(fold(invoiceLinkDecider, [created, signed, completed]), expiresAt), 'COMPLETED');
  const fact = {
    contractId: token, streamId: '1', sender: payer, receiver: creator, token, totalAmount: '100', startAt: '2026-03-02T00:00:00.000Z',
    cliffAt: null, endAt: '2026-03-02T00:01:00.000Z', memo: 'abcdefghijklmnop', createdAt: '2026-03-02T00:00:00.000Z',
  };
  t.ok(paysInvoiceLink(state, fact));
  t.ok(paysInvoiceLink(fold(invoiceLinkDecider, [created, signed]), fact), 'signed links complete too');
  for (const [label, over] of [
    ['memo', { memo: 'other' }], ['receiver', { receiver: payer }], ['token', { token: creator }], ['amount', { totalAmount: '99' }],
    ['duration', { endAt: '2026-03-02T00:01:01.000Z' }], ['after expiry', { createdAt: expiresAt }],
  ] as const) {
    t.notOk(paysInvoiceLink(state, { ...fact, ...over }), `not with another ${label}`);
  }
  t.notOk(paysInvoiceLink(fold(invoiceLinkDecider, [created, signed, completed]), fact), 'never twice');
});
