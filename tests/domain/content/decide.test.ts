import t from 'tap';
import type { ContentCommand } from '../../../domain/content/commands.ts';
import { contentDecider } from '../../../domain/content/decide.ts';
import type { ContentEvent } from '../../../domain/content/events.ts';
import type { TierName } from '../../../domain/creator/events.ts';
import { deciderSpec } from '../../support/decider.ts';

const spec = deciderSpec(contentDecider);
const creator = 'GCEZWKCA5VLDNRLN3RPRJMRZOX3Z6G5CHCGSNFHEYVXM3XOJMDS674JZ';
const other = 'GAAZI4TCR3TY5OJHCTJC2A4QSY6CJWJH5IAJTGKIN2ER7LBNVKOCCWN7';
const contentId = '8d0f4a5e-2a7b-4c4e-9f0e-5b2d6c1a9e11';
const now = '2026-03-01T10:00:00.000Z';
const later = '2026-03-02T10:00:00.000Z';
const offeredTiers: TierName[] = ['bronze', 'gold'];
const fields = { title: 'Episode 1', minTier: 'gold', url: 'https://cdn.example.com/e1.mp4' };

const publish = (over: Partial<typeof fields> = {}): ContentCommand => ({
  type: 'PublishContent', data: { contentId, creator, ...fields, ...over, offeredTiers }, metadata: { now, actor: creator },
});
const update = (over: Partial<typeof fields> = {}, by = creator): ContentCommand => ({
  type: 'UpdateContent', data: { contentId, creator: by, ...fields, ...over, offeredTiers }, metadata: { now: later, actor: by },
});
const remove = (by = creator): ContentCommand => ({ type: 'DeleteContent', data: { contentId, creator: by }, metadata: { now: later, actor: by } });

const published: ContentEvent = { type: 'ContentPublished', data: { contentId, creator, title: 'Episode 1', minTier: 'gold', url: fields.url, publishedAt: now } };
const deleted: ContentEvent = { type: 'ContentDeleted', data: { contentId, creator, deletedAt: later } };

t.test('PublishContent: at one of the creator\'s tiers, with a title and a web url', async (t) => {
  t.match(spec(t).given([]).when(publish()).then([published]), { status: 'published', creator, minTier: 'gold', updatedAt: now });
  spec(t).given([]).when(publish({ title: '  Episode 1 ' })).then([published]);
  spec(t).given([]).when(publish({ minTier: 'silver' })).then('CONTENT.TIER_UNKNOWN');
  spec(t).given([]).when(publish({ minTier: 'platinum' })).then('CONTENT.TIER_UNKNOWN');
  spec(t).given([]).when(publish({ title: '   ' })).then('CONTENT.INVALID_TITLE');
  spec(t).given([]).when(publish({ title: 'x'.repeat(201) })).then('CONTENT.INVALID_TITLE');
  spec(t).given([]).when(publish({ title: 'line\nbreak' })).then('CONTENT.INVALID_TITLE');
  spec(t).given([]).when(publish({ url: 'ftp://cdn.example.com/e1' })).then('CONTENT.INVALID_URL');
  spec(t).given([]).when(publish({ url: 'javascript:alert(1)' })).then('CONTENT.INVALID_URL');
  spec(t).given([]).when(publish({ url: 'https://user:pw@cdn.example.com/e1' })).then('CONTENT.INVALID_URL');
  spec(t).given([]).when(publish({ url: `https://cdn.example.com/${'a'.repeat(2048)}` })).then('CONTENT.INVALID_URL');
  spec(t).given([published]).when(publish()).then('CONTENT.ALREADY_EXISTS');
});

t.test('UpdateContent: only its creator, only while published; no change records nothing', async (t) => {
  const changed = { title: 'Episode 1 (director\'s cut)', minTier: 'bronze', url: 'https://cdn.example.com/e1-dc.mp4' };
  t.match(
    spec(t).given([published]).when(update(changed)).then([{ type: 'ContentUpdated', data: { contentId, creator, ...changed, minTier: 'bronze', updatedAt: later } }]),
    { status: 'published', ...changed, publishedAt: now, updatedAt: later },
  );
  spec(t).given([published]).when(update()).then([]);
  spec(t).given([published]).when(update({}, other)).then('CONTENT.FORBIDDEN');
  spec(t).given([published]).when(update({ minTier: 'silver' })).then('CONTENT.TIER_UNKNOWN');
  spec(t).given([published]).when(update({ url: 'not a url' })).then('CONTENT.INVALID_URL');
  spec(t).given([]).when(update()).then('CONTENT.NOT_FOUND');
  spec(t).given([published, deleted]).when(update()).then('CONTENT.DELETED');
  spec(t).given([published, deleted]).when(update({}, other)).then('CONTENT.FORBIDDEN');
});

t.test('a tenant that is not a registered creator (no tiers): ownership is answered first', async (t) => {
  const unregistered = <C extends ContentCommand>(command: C): C => ({ ...command, data: { ...command.data, offeredTiers: null } });
  spec(t).given([]).when(unregistered(publish())).then('CREATOR.NOT_REGISTERED');
  spec(t).given([published]).when(unregistered(update({}, other))).then('CONTENT.FORBIDDEN');
  spec(t).given([]).when(unregistered(update({}, other))).then('CONTENT.NOT_FOUND');
});

t.test('DeleteContent: only its creator, once', async (t) => {
  t.match(spec(t).given([published]).when(remove()).then([deleted]), { status: 'deleted', updatedAt: later });
  spec(t).given([published]).when(remove(other)).then('CONTENT.FORBIDDEN');
  spec(t).given([published, deleted]).when(remove()).then('CONTENT.DELETED');
  spec(t).given([]).when(remove()).then('CONTENT.NOT_FOUND');
});
