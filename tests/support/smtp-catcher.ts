import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface CaughtMail {
  /** The envelope recipients (RCPT TO). */
  to: string[];
  from: string;
  parsed: ParsedMail;
  /** Header values by lower-case name, as text. */
  header(name: string): string | undefined;
}

/**
 * A real SMTP server on 127.0.0.1 (a free port) that keeps every message it accepts, parsed with
 * mailparser. A recipient in `bounce` is refused with 550 (a hard bounce), one in `tempfail` with
 * 451 (try later). Closed at teardown.
 *
 * @example const smtp = await smtpCatcher(t); // SMTP_URL: smtp.url
 */
export async function smtpCatcher(t: { teardown(fn: () => unknown): void }): Promise<{ url: string; mails: CaughtMail[]; refused: string[]; bounce: Set<string>; tempfail: Set<string> }> {
  const mails: CaughtMail[] = [];
  const refused: string[] = [];
  const bounce = new Set<string>();
  const tempfail = new Set<string>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (bounce.has(address.address)) {
        refused.push(address.address);
        return callback(Object.assign(new Error('no such user'), { responseCode: 550 }));
      }
      if (tempfail.has(address.address)) return callback(Object.assign(new Error('try later'), { responseCode: 451 }));
      return callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream).then((parsed) => {
        mails.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          parsed,
          header: (name) => {
            const line = parsed.headerLines.find((h) => h.key === name.toLowerCase());
            return line ? line.line.slice(line.line.indexOf(':') + 1).trim() : undefined;
          },
        });
        callback();
      }, callback);
    },
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  t.teardown(() => new Promise<void>((done) => server.close(() => done())));
  return { url: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`, mails, refused, bounce, tempfail };
}
