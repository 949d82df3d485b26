import { randomUUID } from 'node:crypto';
import type { Test } from 'tap';
import { EventIdConflict, InvalidEvent, WrongExpectedRevision } from '../../eventstore/errors.ts';
import type { EventStore, NewEvent } from '../../eventstore/types.ts';

export function newEvent(type = 'Tested', data: unknown = { n: 1 }): NewEvent {
  return { id: randomUUID(), type, data, metadata: { source: 'command', tenantId: 'tenant-a' } };
}

function stream(): string {
  return `test-${randomUUID()}`;
}

/**
 * The contract every event store adapter passes. `makeStore` gives a store on an empty or shared
 * log; the suite only relies on streams it creates itself.
 */
export function eventStoreContract(t: Test, makeStore: () => Promise<EventStore>): void {
  let store: EventStore;
  t.before(async () => {
    store = await makeStore();
  });

  t.test('no_stream appends to a new stream and fails on an existing one with the actual revision', async (t) => {
    const id = stream();
    const first = await store.append(id, [newEvent(), newEvent()], { expectedRevision: 'no_stream' });
    t.equal(first.revision, 1);
    t.equal(first.appended, 2);
    const error = await store.append(id, [newEvent()], { expectedRevision: 'no_stream' }).catch((e: unknown) => e);
    t.type(error, WrongExpectedRevision);
    t.equal((error as WrongExpectedRevision).actual, 1);
  });

  t.test('stream_exists fails on a missing stream with actual no_stream', async (t) => {
    const error = await store.append(stream(), [newEvent()], { expectedRevision: 'stream_exists' }).catch((e: unknown) => e);
    t.type(error, WrongExpectedRevision);
    t.equal((error as WrongExpectedRevision).actual, 'no_stream');
    const id = stream();
    await store.append(id, [newEvent()]);
    t.equal((await store.append(id, [newEvent()], { expectedRevision: 'stream_exists' })).revision, 1);
  });

  t.test('a numeric revision must match exactly', async (t) => {
    const id = stream();
    await store.append(id, [newEvent()], { expectedRevision: 'no_stream' });
    t.equal((await store.append(id, [newEvent()], { expectedRevision: 0 })).revision, 1);
    const stale = await store.append(id, [newEvent()], { expectedRevision: 0 }).catch((e: unknown) => e);
    t.type(stale, WrongExpectedRevision);
    t.same({ expected: (stale as WrongExpectedRevision).expected, actual: (stale as WrongExpectedRevision).actual }, { expected: 0, actual: 1 });
    const missing = await store.append(stream(), [newEvent()], { expectedRevision: 3 }).catch((e: unknown) => e);
    t.equal((missing as WrongExpectedRevision).actual, 'no_stream');
    t.equal((await store.readStream(id)).length, 2, 'failed appends stored nothing');
  });

  t.test('any appends whatever the revision', async (t) => {
    const id = stream();
    await store.append(id, [newEvent()], { expectedRevision: 'any' });
    t.equal((await store.append(id, [newEvent()], { expectedRevision: 'any' })).revision, 1);
  });

  t.test('re-appending stored ids is a no-op that names them', async (t) => {
    const id = stream();
    const events = [newEvent('A', { a: 1 }), newEvent('B', { b: [1, 2] })];
    await store.append(id, events);
    const again = await store.append(id, events, { expectedRevision: 'no_stream' });
    t.equal(again.appended, 0);
    t.same(again.alreadyStored.sort(), events.map((e) => e.id).sort());
    const mixed = await store.append(id, [events[0]!, newEvent('C')]);
    t.equal(mixed.appended, 1);
    t.same(mixed.alreadyStored, [events[0]!.id]);
    t.same((await store.readStream(id)).map((e) => e.type), ['A', 'B', 'C']);
  });

  t.test('re-appending a stored id with different content is an error', async (t) => {
    const id = stream();
    const event = newEvent('A', { a: 1 });
    await store.append(id, [event]);
    const error = await store.append(id, [{ ...event, data: { a: 2 } }]).catch((e: unknown) => e);
    t.type(error, EventIdConflict);
    t.same((error as EventIdConflict).eventIds, [event.id]);
    t.equal((await store.readStream(id)).length, 1);
  });

  t.test('reads a stream forwards and backwards from a revision', async (t) => {
    const id = stream();
    await store.append(id, [0, 1, 2, 3, 4].map((n) => newEvent('N', { n })));
    const forwards = await store.readStream(id, { fromRevision: 2 });
    t.same(forwards.map((e) => (e.data as { n: number }).n), [2, 3, 4]);
    const backwards = await store.readStream(id, { direction: 'backwards', fromRevision: 3, limit: 2 });
    t.same(backwards.map((e) => e.streamRevision), [3, 2]);
    const last = await store.readStream(id, { direction: 'backwards', limit: 1 });
    t.equal(last[0]?.streamRevision, 4);
    t.same(await store.readStream(stream()), [], 'a missing stream reads empty');
  });

  t.test('readStreams reads each stream whole, in the order asked, as readStream does', async (t) => {
    const a = stream();
    const b = `${stream()}-a,b{"c"}\\d`; // array-literal punctuation in an id
    await store.append(a, [newEvent('A0'), newEvent('A1')]);
    await store.append(b, [newEvent('B0')]);
    await store.append(a, [newEvent('A2')]);
    await store.append(b, [newEvent('B1'), newEvent('B2'), newEvent('B3')]);
    const [expectA, expectB] = [await store.readStream(a), await store.readStream(b)];
    t.same(expectA.map((e) => e.type), ['A0', 'A1', 'A2']);
    t.same(await store.readStreams([a, b]), [expectA, expectB], 'whole records, revision order, interleaved appends apart');
    t.same(await store.readStreams([b, a]), [expectB, expectA], 'the order of the ids, not of the streams');
    t.same(await store.readStreams([b, stream(), a, b]), [expectB, [], expectA, expectB], 'a missing stream reads empty; a repeated id twice');
  });

  t.test('readStreams of no ids or only missing streams', async (t) => {
    t.same(await store.readStreams([]), []);
    t.same(await store.readStreams([stream()]), [[]]);
    t.same(await store.readStreams([stream(), stream()]), [[], []]);
  });

  t.test('readStreams reads many streams at once', async (t) => {
    const ids = Array.from({ length: 60 }, () => stream());
    const sizes = ids.map((_, i) => i % 4); // 0: never written
    await store.appendMany(ids.flatMap((streamId, i) => (sizes[i]! === 0 ? [] : [{ streamId, events: Array.from({ length: sizes[i]! }, (_, n) => newEvent('N', { n })) }])));
    const read = await store.readStreams(ids.toReversed());
    t.same(read.map((events) => events.length), sizes.toReversed());
    t.ok(read.every((events, i) => events.every((e, n) => e.streamId === ids.toReversed()[i] && e.streamRevision === n && (e.data as { n: number }).n === n)), 'each its own stream, in revision order');
  });

  t.test('readAll pages the global log in order without repeats', async (t) => {
    const id = stream();
    const ids = Array.from({ length: 25 }, () => newEvent());
    await store.append(id, ids.slice(0, 10));
    await store.append(id, ids.slice(10));
    const seen: string[] = [];
    let after;
    // An empty page means "nothing more yet": a gapless log may hold events back while another
    // writer's transaction is still in flight, so page until ours have all appeared.
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; ) {
      const page = await store.readAll(after ? { after, limit: 7 } : { limit: 7 });
      if (page.length === 0) {
        if (ids.every((e) => seen.includes(e.id))) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
        continue;
      }
      t.ok(page.length <= 7);
      seen.push(...page.map((e) => e.id));
      after = page[page.length - 1]!.position;
    }
    const mine = seen.filter((s) => ids.some((e) => e.id === s));
    t.same(mine, ids.map((e) => e.id), 'every event once, in append order');
    t.equal(new Set(seen).size, seen.length);
  });

  t.test('subscribe catches up and then sees new events', async (t) => {
    const id = stream();
    await store.append(id, [newEvent('Before')]);
    const controller = new AbortController();
    const seen: string[] = [];
    const done = (async () => {
      for await (const batch of store.subscribe({ signal: controller.signal, pollIntervalMs: 20, limit: 500 })) {
        seen.push(...batch.filter((e) => e.streamId === id).map((e) => e.type));
        if (seen.includes('After')) controller.abort();
      }
    })();
    await store.append(id, [newEvent('After')]);
    await done;
    t.same(seen, ['Before', 'After']);
  });

  t.test('appendMany appends to several streams', async (t) => {
    const a = stream();
    const b = stream();
    const results = await store.appendMany([
      { streamId: a, events: [newEvent()], expectedRevision: 'no_stream' },
      { streamId: b, events: [newEvent(), newEvent()], expectedRevision: 'no_stream' },
    ]);
    t.same(results.map((r) => [r.streamId, r.revision]), [[a, 0], [b, 1]]);
  });

  t.test('bad input is a typed error and stores nothing', async (t) => {
    const id = stream();
    const cases: [string, () => Promise<unknown>][] = [
      ['empty list', () => store.append(id, [])],
      ['not a uuid', () => store.append(id, [{ ...newEvent(), id: 'nope' }])],
      ['bigint data', () => store.append(id, [newEvent('A', { amount: 1n })])],
      ['undefined value', () => store.append(id, [newEvent('A', { amount: undefined })])],
      ['NaN', () => store.append(id, [newEvent('A', { amount: Number.NaN })])],
      ['string data', () => store.append(id, [newEvent('A', 'text')])],
      ['NUL in a string', () => store.append(id, [newEvent('A', { s: 'a\u0000b' })])],
      ['oversize', () => store.append(id, [newEvent('A', { s: 'x'.repeat(1024 * 1024 + 1) })])],
      ['blank type', () => store.append(id, [newEvent('', {})])],
      ['blank stream', () => store.append('', [newEvent()])],
      ['duplicate id in one call', () => { const e = newEvent(); return store.append(id, [e, e]); }],
    ];
    for (const [name, run] of cases) {
      t.type(await run().catch((e: unknown) => e), InvalidEvent, name);
    }
    t.same(await store.readStream(id), []);
  });
}
