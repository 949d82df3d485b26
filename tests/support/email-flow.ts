import { dispatchEmailBatch } from '../../integration/email/dispatcher.ts';
import { smtpMailer } from '../../integration/email/mailer.ts';
import { sendDueEmails, type SenderOptions } from '../../integration/email/sender.ts';
import { unsubscribeKey } from '../../integration/email/unsubscribe-token.ts';
import type { Db } from '../../platform/database.ts';
import { TEST_JWT_SECRET } from './app.ts';

export const LINK_BASE = 'https://api.substream.test';

/** Sender options for tests: the SMTP catcher, no pause between retries. Closed at teardown. */
export function testSenderOptions(t: { teardown(fn: () => unknown): void }, smtpUrl: string, overrides: Partial<SenderOptions> = {}): SenderOptions {
  const mailer = smtpMailer(smtpUrl, 'SubStream <no-reply@substream.test>', { timeoutMs: 5_000 });
  t.teardown(() => mailer.close());
  return {
    mailer,
    links: { baseUrl: LINK_BASE, unsubscribeKey: unsubscribeKey(TEST_JWT_SECRET) },
    concurrency: 4,
    backoff: { baseMs: 60_000, maxMs: 3_600_000 },
    retryWindowMs: 3 * 24 * 3600 * 1000,
    ...overrides,
  };
}

/** Dispatches the log to its end, then sends until nothing is due; the emails attempted. */
export async function emailAll(db: Db, options: SenderOptions): Promise<number> {
  while (!(await dispatchEmailBatch(db, { batchSize: 5 })).caughtUp);
  let attempted = 0;
  for (let n; (n = await sendDueEmails(db, options)) > 0;) attempted += n;
  return attempted;
}
