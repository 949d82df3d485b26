import { z } from 'zod';
import { isCalendarDay } from '../../reconciliation/day-range.ts';

const Stroops = z.string().describe('stroops, an exact decimal string');
const Billed = z.object({ billed: Stroops, bills: z.number().int() });
const Day = z.iso.date().refine(isCalendarDay, { message: 'not a calendar day' });
const Cutoff = z.object({ commit: z.string(), prepare: z.string() }).describe('a log position (a projector checkpoint)');

export const CreateReconciliationInput = z
  .object({
    from: Day.optional().describe('first UTC day of bills compared (inclusive); with a range only revenue per token is compared'),
    to: Day.optional().describe('UTC day after the last one compared (exclusive)'),
  })
  .strict()
  .refine((input) => !input.from || !input.to || input.from < input.to, { message: '`from` must be before `to`', path: ['to'] })
  .meta({ id: 'CreateReconciliationInput' });

export const ReconciliationDiscrepancy = z.object({
  scope: z.enum(['subscription', 'token']),
  subscriptionId: z.string().nullable(),
  token: z.string().nullable(),
  against: z.enum(['read-model', 'contract']),
  source: z.string().describe('what disagreed with the log: subscriptions.total_billed, analytics_daily_amounts.revenue, or the contract getter'),
  expected: Stroops.describe('the sum of the chain bills in the event log'),
  actual: Stroops.describe('what the other source holds'),
  difference: Stroops.describe('actual − expected'),
}).meta({ id: 'ReconciliationDiscrepancy' });

export const ReconciliationReportView = z.object({
  complete: z.boolean().describe('false when ledgers were never indexed (gaps) or nothing was: the totals are not to be trusted'),
  gaps: z.array(z.object({ fromLedger: z.number().int(), toLedger: z.number().int() })),
  notes: z.array(z.string()),
  compared: z.object({ subscriptions: Cutoff.nullable(), analytics: Cutoff.nullable(), contract: z.boolean() }),
  subscriptions: z.array(z.object({
    subscriptionId: z.string(),
    subscriber: z.string(),
    tokens: z.array(z.string().nullable()),
    log: Billed,
    readModel: Billed.nullable(),
    contract: z.union([z.object({ billed: Stroops }), z.object({ error: z.string() })]).nullable(),
  })),
  tokens: z.array(z.object({ token: z.string().nullable(), log: Billed, readModel: Billed })),
  discrepancies: z.array(ReconciliationDiscrepancy),
}).meta({ id: 'ReconciliationReport' });

export const ReconciliationRunView = z.object({
  runId: z.uuid(),
  trigger: z.enum(['api', 'cli', 'schedule']),
  from: z.string().nullable(),
  to: z.string().nullable(),
  status: z.enum(['running', 'finished', 'failed']),
  complete: z.boolean().nullable(),
  discrepancies: z.number().int(),
  reason: z.string().nullable().describe('failed only: why'),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  report: ReconciliationReportView.optional().describe('finished runs, on GET of one run'),
}).meta({ id: 'ReconciliationRun' });
