import { renderEmail, type RenderedEmail } from './render.ts';
import type { NotificationKind } from './notifications.ts';
import { unsubscribeToken } from './unsubscribe-token.ts';

export interface LinkSettings {
  /** EMAIL_LINK_BASE_URL: this API as the recipient reaches it. */
  baseUrl: string;
  /** The key signing unsubscribe tokens (unsubscribe-token.ts). */
  unsubscribeKey: Buffer;
}

/**
 * An email of `kind` for `subject`, rendered, with its RFC 8058 one-click unsubscribe headers: the
 * signed link unsubscribes the subject from this kind only (`POST /v1/email/unsubscribe?token=`).
 *
 * @example const { email, headers } = notificationEmail(links, subject, 'payment-failed', { creator, graceEndsAt });
 */
export function notificationEmail(links: LinkSettings, subject: string, kind: NotificationKind, vars: Record<string, string>): { email: RenderedEmail; headers: Record<string, string> } {
  const unsubscribeUrl = new URL('/v1/email/unsubscribe', links.baseUrl);
  unsubscribeUrl.searchParams.set('token', unsubscribeToken(links.unsubscribeKey, subject, kind));
  return {
    email: renderEmail(kind, { ...vars, subject, unsubscribeUrl: unsubscribeUrl.href }),
    headers: {
      'List-Unsubscribe': `<${unsubscribeUrl.href}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'SubStream-Notification': kind,
    },
  };
}
