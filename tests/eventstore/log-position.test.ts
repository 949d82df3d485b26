import t from 'tap';
import { comparePositions, samePosition } from '../../eventstore/log-position.ts';

const at = (commit: bigint, prepare: bigint) => ({ commit, prepare });

t.test('positions order by commit, then prepare', async (t) => {
  t.equal(comparePositions(at(7n, 3n), at(7n, 3n)), 0, 'the same position');
  t.ok(comparePositions(at(7n, 3n), at(7n, 5n)) < 0, 'same commit: the lower prepare first');
  t.ok(comparePositions(at(7n, 9n), at(8n, 1n)) < 0, 'the lower commit first, whatever the prepare');
  t.ok(comparePositions(at(8n, 1n), at(7n, 9n)) > 0, 'and the other way round');
  const sorted = [at(8n, 1n), at(7n, 5n), at(7n, 3n)].sort(comparePositions);
  t.same(sorted, [at(7n, 3n), at(7n, 5n), at(8n, 1n)], 'a sort comparator');
  t.ok(samePosition(at(7n, 3n), at(7n, 3n)), 'equal positions are the same');
  t.notOk(samePosition(at(7n, 3n), at(7n, 4n)), 'a different prepare is not');
  t.notOk(samePosition(at(7n, 3n), at(6n, 3n)), 'a different commit is not');
});
