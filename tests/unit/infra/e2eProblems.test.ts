import { generationProblems } from '../../../infra/local/cli/e2e-run';

test('a run whose generator produced nothing is not a match, however well the (empty) warehouse reconciles', () => {
  expect(generationProblems({ inserted: 0, updated: 0, deleted: 0 }, { succeeded: 0, failed: 20 })).toEqual([
    'the generator produced nothing (0 iterations succeeded, 20 failed)',
  ]);
  expect(generationProblems({ inserted: 3, updated: 0, deleted: 0 }, { succeeded: 1, failed: 0 })).toEqual([]);
  expect(generationProblems({ inserted: 0, updated: 2, deleted: 0 }, { succeeded: 1, failed: 0 })).toEqual([]);
});
