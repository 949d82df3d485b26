import t from 'tap';
import { createTransport } from '../../sdk/src/transport.ts';

const unavailable = () =>
  new Response(JSON.stringify({ code: 'DEPENDENCY.UNAVAILABLE', message: 'the database is unavailable' }), {
    status: 503,
    headers: { 'retry-after': '5', 'content-type': 'application/json' },
  });

for (const [what, call] of [
  ['a read', { method: 'GET', path: 'v1/streams' }],
  ['a keyed write', { method: 'POST', path: 'v1/invoice-links', body: {}, idempotent: true }],
] as const) {
  t.test(`${what}: a 503 with Retry-After: 5 aborted at 100 ms rejects promptly with the abort reason`, async (t) => {
    let attempts = 0;
    const send = createTransport({ baseUrl: 'http://127.0.0.1:1', fetch: async () => (attempts++, unavailable()) });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('caller gave up')), 100);
    const started = performance.now();
    await t.rejects(send(call, { signal: controller.signal }), { message: 'caller gave up' });
    const elapsed = performance.now() - started;
    t.ok(elapsed < 1_000, `rejected after ${Math.round(elapsed)} ms, not after the 5 s Retry-After`);
    t.equal(attempts, 1, 'no attempt after the abort');
  });
}

t.test('an already-aborted signal never sleeps', async (t) => {
  const send = createTransport({ baseUrl: 'http://127.0.0.1:1', fetch: async () => unavailable() });
  const started = performance.now();
  await t.rejects(send({ method: 'GET', path: 'v1/streams' }, { signal: AbortSignal.abort() }));
  t.ok(performance.now() - started < 500);
});
