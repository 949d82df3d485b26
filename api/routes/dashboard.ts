import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';

/**
 * The dashboard's Content-Security-Policy: scripts and styles only from this origin (no inline
 * code, no eval), requests only to this origin (the API, its WebSocket feed, SEP-10), Trusted
 * Types enforced so no string ever reaches an HTML sink.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
  "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'", "object-src 'none'", "require-trusted-types-for 'script'",
].join('; ');

const own = (file: string) => new URL(`../dashboard/${file}`, import.meta.url);
/** A file of an installed package (node_modules), as the package resolves it. */
const vendor = (specifier: string) => pathToFileURL(createRequire(import.meta.url).resolve(specifier));
const HTML = 'text/html; charset=utf-8';
const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/**
 * Every file the dashboard serves: its path, where it is read from and its type. Freighter's
 * browser build (a UMD script defining `window.freighterApi`) and uPlot's ES module and
 * stylesheet (the charts) come from node_modules, not a CDN.
 */
const ASSETS: { path: string; file: URL; type: string }[] = [
  { path: '/dashboard', file: own('index.html'), type: HTML },
  { path: '/dashboard/dashboard.css', file: own('dashboard.css'), type: CSS },
  { path: '/dashboard/dashboard.js', file: own('dashboard.js'), type: JS },
  { path: '/dashboard/charts.js', file: own('charts.js'), type: JS },
  { path: '/dashboard/feed.js', file: own('feed.js'), type: JS },
  { path: '/dashboard/heatmap.js', file: own('heatmap.js'), type: JS },
  { path: '/dashboard/metrics.js', file: own('metrics.js'), type: JS },
  { path: '/dashboard/money.js', file: own('money.js'), type: JS },
  { path: '/dashboard/sep10-client.js', file: own('sep10-client.js'), type: JS },
  { path: '/dashboard/wallet-sign-in.js', file: own('wallet-sign-in.js'), type: JS },
  { path: '/dashboard/vendor/freighter-api.js', file: vendor('@stellar/freighter-api'), type: JS },
  { path: '/dashboard/vendor/uplot.js', file: vendor('uplot/dist/uPlot.esm.js'), type: JS },
  { path: '/dashboard/vendor/uplot.css', file: vendor('uplot/dist/uPlot.min.css'), type: CSS },
];

/**
 * `GET /dashboard`: one static page (vanilla JS modules, uPlot charts) that signs in with a Stellar
 * wallet (SEP-10 in the browser: Freighter, or a challenge signed elsewhere and pasted) or a token,
 * charts MRR, active subscribers, churn and revenue per token from the analytics routes, draws a
 * heat strip for a content item chosen from the creator's list, and lists the live feed's facts
 * in words. Files are read once at startup.
 */
const dashboard: FastifyPluginAsync = async (app) => {
  const headers = { 'content-security-policy': DASHBOARD_CSP, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' };
  const config = { policy: { auth: 'public' } } as const;
  for (const { path, file, type } of ASSETS) {
    const body = await readFile(file, 'utf8');
    app.get(path, { config, schema: { hide: true } }, async (_request, reply) => reply.headers(headers).type(type).send(body));
  }
};

export default dashboard;
