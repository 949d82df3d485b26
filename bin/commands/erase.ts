import { ERASURE_PARTICIPANTS } from '../../integration/erasure-participants.ts';
import { randomUUID } from 'node:crypto';
import { eraseSubject } from '../../commands/erase-subject.ts';
import { loadConfig } from '../../platform/config.ts';
import { createLogger } from '../../platform/logger.ts';
import { openRuntime } from '../../platform/runtime.ts';
import { parseCliArgs, UsageError, type CliCommand } from '../cli.ts';

/** A principal as the API names it: printable ASCII, short enough for its erasure stream id. */
const SUBJECT = /^[\x21-\x7e]{1,190}$/;

export const erase: CliCommand = {
  usage: `substream erase <subject> --yes

Erases a data subject (a wallet or tenant address) on an operator's request: shreds its data key,
so everything the event log sealed under it reads [erased] in every process and every rebuild;
forgets its idempotency records, webhook deliveries and endpoint notes; and appends SubjectErased,
on which the read models redact what they show of it. Chain facts stay (public on the ledger).
Irreversible: --yes is required. Prints what was erased as JSON.`,
  async run(argv) {
    const { values, positionals } = parseCliArgs(argv, { yes: { type: 'boolean' } });
    const [subject, ...extra] = positionals;
    if (!subject || extra.length > 0) throw new UsageError('exactly one subject is required');
    if (!SUBJECT.test(subject)) throw new UsageError(`the subject must be 1-190 printable characters without spaces, got ${JSON.stringify(subject)}`);
    if (!values.yes) throw new UsageError('erasure is irreversible: add --yes');
    const config = loadConfig();
    const logger = createLogger(config.LOG_LEVEL);
    const runtime = await openRuntime(config, logger);
    try {
      const result = await eraseSubject(runtime.db, subject, { actor: 'operator', by: 'operator', now: new Date().toISOString(), correlationId: randomUUID() }, ERASURE_PARTICIPANTS);
      process.stdout.write(`${JSON.stringify({ subject, keysShredded: result.keysShredded, forgotten: result.forgotten })}\n`);
      return 0;
    } finally {
      await runtime.close();
    }
  },
};
