import nodemailer from 'nodemailer';
import type { RenderedEmail } from './render.ts';

/** What sending one email came to: sent, refused for good (a 5xx reply: hard bounce) or failed for now. */
export type SendOutcome = { ok: true } | { ok: false; permanent: boolean; error: string };

export interface Mailer {
  send(to: string, email: RenderedEmail, headers?: Record<string, string>): Promise<SendOutcome>;
  close(): void;
}

/**
 * A mailer over SMTP (nodemailer) from `SMTP_URL` and `EMAIL_FROM`.
 *
 * @example const mailer = smtpMailer('smtp://127.0.0.1:1025', 'SubStream <no-reply@example.com>');
 */
export function smtpMailer(url: string, from: string, options: { timeoutMs?: number } = {}): Mailer {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const smtp = new URL(url);
  const transport = nodemailer.createTransport({
    host: smtp.hostname,
    port: Number(smtp.port || (smtp.protocol === 'smtps:' ? 465 : 587)),
    secure: smtp.protocol === 'smtps:',
    ...(smtp.username ? { auth: { user: decodeURIComponent(smtp.username), pass: decodeURIComponent(smtp.password) } } : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  return {
    async send(to, email, headers = {}) {
      try {
        await transport.sendMail({ from, to, subject: email.subject, text: email.text, html: email.html, headers });
        return { ok: true };
      } catch (error) {
        const code = (error as { responseCode?: number }).responseCode;
        const permanent = typeof code === 'number' && code >= 500 && code < 600;
        return { ok: false, permanent, error: code ? `SMTP ${code}` : (error as Error).message };
      }
    },
    close: () => transport.close(),
  };
}
