import { creatorAnalyticsProjector } from './analytics/creator-projector.ts';
import { heatmapProjector } from './analytics/heatmap-projector.ts';
import { contentProjector } from './content/projector.ts';
import { creatorsProjector } from './creators/projector.ts';
import { invoiceLinksProjector } from './invoice-links/projector.ts';
import { streamsProjector } from './streams/projector.ts';
import { subscriptionsProjector } from './subscriptions/projector.ts';
import type { Projector } from './types.ts';

/** Every projector `substream project` (and the server, with PROJECTORS=true) runs. */
export const allProjectors: readonly Projector[] = [creatorsProjector, subscriptionsProjector, streamsProjector, invoiceLinksProjector,
  heatmapProjector, creatorAnalyticsProjector, contentProjector];
