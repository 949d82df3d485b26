// The heat strip: where in a content item its viewers watched, one cell per bucket of position.

/** Fills `select` with the creator's content (GET /v1/creators/:address/content, newest first, first 200). */
export function fillContentList(select, items) {
  select.replaceChildren(new Option(items.length ? 'Choose a content item…' : 'No content published yet', ''));
  for (const item of items) select.append(new Option(item.title, item.contentId));
}

/**
 * Draws `heatmap` (GET /v1/analytics/heatmap/:id) into `strip`: a cell per bucket from the start
 * to the last watched one, hotter = more seconds watched; cells with views carry `data-watched`.
 */
export function drawStrip(strip, contentId, { buckets, bucketSeconds }) {
  strip.replaceChildren();
  strip.dataset.contentId = contentId;
  const byStart = new Map(buckets.map((b) => [b.startSecond, b]));
  const max = Math.max(1, ...buckets.map((b) => b.watchedSeconds));
  const last = Math.max(0, ...buckets.map((b) => b.startSecond));
  for (let start = 0; start <= last; start += bucketSeconds) {
    const cell = document.createElement('span');
    const bucket = byStart.get(start);
    const heat = bucket ? bucket.watchedSeconds / max : 0;
    cell.style.background = bucket ? `hsl(${220 - 220 * heat} 80% ${92 - 45 * heat}%)` : '#eef0f4';
    cell.title = `${start}–${start + bucketSeconds} s: ${bucket ? `${bucket.watchedSeconds} s watched in ${bucket.views} views` : 'not watched'}`;
    if (bucket) cell.dataset.watched = String(bucket.watchedSeconds);
    strip.append(cell);
  }
}
