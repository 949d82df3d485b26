import { readFileSync } from 'node:fs';
import type { NotificationKind } from './notifications.ts';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const templates = new Map<NotificationKind, { subject: string; text: string; html: string }>();

function template(kind: NotificationKind) {
  let loaded = templates.get(kind);
  if (!loaded) {
    const read = (ext: string) => readFileSync(new URL(`./templates/${kind}.${ext}`, import.meta.url), 'utf8');
    const [subject, ...body] = read('txt').split('\n');
    loaded = { subject: subject!, text: body.join('\n').replace(/^\n/, ''), html: read('html') };
    templates.set(kind, loaded);
  }
  return loaded;
}

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const fill = (text: string, vars: Record<string, string>, escape: (v: string) => string) =>
  text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const value = vars[name];
    if (value === undefined) throw new Error(`template variable ${name} missing`);
    return escape(value);
  });

/**
 * Renders a notification from its templates in templates/ (`<kind>.txt`: the subject line, then
 * the text body; `<kind>.html`: the HTML body, every value escaped).
 *
 * @example renderEmail('payment-failed', { creator, graceEndsAt, unsubscribeUrl }).subject // 'A payment failed: …'
 */
export function renderEmail(kind: NotificationKind, vars: Record<string, string>): RenderedEmail {
  const { subject, text, html } = template(kind);
  return { subject: fill(subject, vars, (v) => v), text: fill(text, vars, (v) => v), html: fill(html, vars, escapeHtml) };
}
