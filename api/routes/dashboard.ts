import { readFile } from 'node:fs/promises';
import type { FastifyPluginAsync } from 'fastify';

const CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * `GET /dashboard`: one static page (vanilla JS, SVG and canvas charts) that signs in with a
 * token, charts MRR, active subscribers and revenue per day from the analytics routes, draws a
 * content heatmap, and runs a ticker on the live WebSocket feed. Read once at startup.
 */
const dashboard: FastifyPluginAsync = async (app) => {
  const dir = new URL('../dashboard/', import.meta.url);
  const [html, script] = await Promise.all([readFile(new URL('index.html', dir), 'utf8'), readFile(new URL('dashboard.js', dir), 'utf8')]);
  const headers = { 'content-security-policy': CSP, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' };

  const config = { policy: { auth: 'public' } } as const;
  app.get('/dashboard', { config, schema: { hide: true } }, async (_request, reply) => reply.headers(headers).type('text/html; charset=utf-8').send(html));
  app.get('/dashboard/dashboard.js', { config, schema: { hide: true } }, async (_request, reply) =>
    reply.headers(headers).type('text/javascript; charset=utf-8').send(script));
};

export default dashboard;
