import t from 'tap';
import { retryableStatus, retryDelayMs, retryPolicy } from '../../sdk/src/retry.ts';

t.test('retry policy: defaults, Retry-After in seconds or as a date, caps, jittered backoff', async (t) => {
  t.same(retryPolicy(undefined), { max: 2, baseDelayMs: 250, maxDelayMs: 30_000 });
  t.same(retryPolicy(0), { max: 0, baseDelayMs: 250, maxDelayMs: 30_000 }, 'retries: 0 turns retrying off');
  const policy = retryPolicy({ max: 5, baseDelayMs: 100, maxDelayMs: 2_000 });
  t.equal(retryDelayMs(policy, 1, '1.5'), 1_500);
  t.equal(retryDelayMs(policy, 1, '3600'), 2_000, 'capped at maxDelayMs');
  const now = Date.parse('2026-11-23T12:00:00Z');
  t.equal(retryDelayMs(policy, 1, 'Mon, 23 Nov 2026 12:00:01 GMT', now), 1_000, 'an HTTP date');
  t.equal(retryDelayMs(policy, 1, 'Mon, 23 Nov 2026 11:00:00 GMT', now), 0, 'a date in the past: at once');
  for (let attempt = 1; attempt <= 6; attempt++) {
    const delay = retryDelayMs(policy, attempt, null);
    t.ok(delay >= 0 && delay <= Math.min(100 * 2 ** (attempt - 1), 2_000), `attempt ${attempt}: ${Math.round(delay)} ms within its backoff window`);
  }
  t.ok(retryableStatus(429, 'RATE_LIMIT.EXCEEDED') && retryableStatus(500, 'INTERNAL') && retryableStatus(503, undefined));
  t.ok(retryableStatus(409, 'IDEMPOTENCY.IN_PROGRESS'), 'the first attempt is still running');
  t.ok(retryableStatus(409, 'CONCURRENCY.CONFLICT'), 'the server keeps no answer for a lost race under the key: a retry decides afresh');
  t.notOk(retryableStatus(409, 'SOMETHING.ELSE'), 'other conflicts are answers');
  t.notOk(retryableStatus(404, 'STREAM.NOT_FOUND'));
});
