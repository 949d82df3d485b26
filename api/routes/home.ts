import { readFileSync } from 'node:fs';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

const { name, description, version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  name: string;
  description: string;
  version: string;
};

/** Where to go from the front door, in the order the page lists them. */
export const FRONT_DOOR_LINKS = [
  { rel: 'docs', href: '/docs', title: 'API reference (OpenAPI)' },
  { rel: 'dashboard', href: '/dashboard', title: 'Creator dashboard' },
  { rel: 'stellar-toml', href: '/.well-known/stellar.toml', title: 'stellar.toml (SEP-1, SEP-10 sign-in)' },
  { rel: 'health', href: '/health', title: 'Health probe' },
] as const;

const FrontDoor = z
  .object({
    name: z.string(),
    description: z.string(),
    version: z.string().describe('the version in package.json'),
    links: z.array(z.object({ rel: z.string(), href: z.string(), title: z.string() })),
  })
  .meta({ id: 'FrontDoor' });

/** The front door's CSP: a static page, its one inline style and no script at all. */
export const FRONT_DOOR_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>SubStream ${version}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}code{background:#f3f3f3;padding:0 .2em}</style>
</head>
<body>
<h1>SubStream <small>${version}</small></h1>
<p>${description}: creators sell tiers and gated content, subscribers pay through Stellar contracts, and this service turns intents and chain facts into read models, analytics and a live feed.</p>
<ul>
${FRONT_DOOR_LINKS.map((l) => `<li><a href="${l.href}">${l.title}</a> <code>${l.href}</code></li>`).join('\n')}
</ul>
<p>Try it with sample data: <code>npx substream demo</code>.</p>
</body>
</html>
`;

/**
 * True when the Accept header ranks text/html above JSON (a browser), false for JSON clients, curl
 * (`*\/*`) and no header at all.
 *
 * @example prefersHtml('text/html,application/xhtml+xml,*\/*;q=0.8') // true
 */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  const quality = new Map<string, number>();
  for (const part of accept.split(',')) {
    const [range = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    const value = q ? Number(q.slice(2)) : 1;
    quality.set(range, Number.isFinite(value) ? value : 0);
  }
  const html = quality.get('text/html') ?? 0;
  const json = quality.get('application/json') ?? quality.get('application/*') ?? 0;
  return html > 0 && html > json;
}

/**
 * `GET /`: the front door. A browser gets a small page saying what this is, with links to the
 * docs, the dashboard, stellar.toml and the health probe and the version; a JSON client gets the
 * same as data. Public: its policy is declared as data in `config.policy`, like every public route.
 */
const home: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/',
    { config: { policy: { auth: 'public' } } as const, schema: { tags: ['ops'], summary: 'What this service is and where to go next', response: { 200: z.union([FrontDoor, z.string().describe('the HTML page, for Accept: text/html')]) } } },
    async (request, reply) => {
      reply.header('vary', 'accept');
      if (prefersHtml(request.headers.accept)) {
        return reply.headers({ 'content-security-policy': FRONT_DOOR_CSP, 'x-content-type-options': 'nosniff' }).type('text/html; charset=utf-8').send(page);
      }
      return { name, description, version, links: FRONT_DOOR_LINKS.map((l) => ({ ...l })) };
    },
  );
};

export default home;
