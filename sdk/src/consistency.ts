/** The response header of a write: the log position its events committed at. */
export const POSITION_HEADER = 'substream-position';
/** The request header of a read: answer only once the read models have passed this position. */
export const MIN_POSITION_HEADER = 'substream-min-position';

/** The newest `Substream-Position` a client has seen, which its reads send back as `Substream-Min-Position`. */
export interface PositionTracker {
  latest(): string | undefined;
  /** Keeps `token` if it is newer than the one kept (tokens of one server are fixed-width and compare as strings). */
  saw(token: string | null): void;
}

/**
 * Read your writes for one client: every token a response carries is kept (the newest), and every
 * read sends it, so a `get` after a `create` waits on the server until the read model has the write.
 *
 * @example const positions = createPositionTracker(); positions.saw(response.headers.get('substream-position'));
 */
export function createPositionTracker(): PositionTracker {
  let latest: string | undefined;
  return {
    latest: () => latest,
    saw(token) {
      if (!token) return;
      // Another length is another server's format (an upgrade): the token it gave last is the one to send.
      if (latest === undefined || token.length !== latest.length || token > latest) latest = token;
    },
  };
}
