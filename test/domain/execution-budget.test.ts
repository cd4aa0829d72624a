import { describe, expect, it } from 'vitest';
import { checkHistoryBudget } from '../../functions/domain/execution-budget.js';

describe('checkHistoryBudget (25,000 history events per Step Functions execution)', () => {
  it.each([
    // [batches, load balancer, fits]
    [1, false, true],
    [160, false, true], // 1,000 + 160 x 150 = 25,000: exactly the limit
    [161, false, false],
    [80, true, true], // 1,000 + 80 x 300 = 25,000
    [81, true, false],
    [1000, true, false], // OneAtATime on CodeDeploy's 1,000-instance maximum
  ])('%i batches, load balancer %s -> fits: %s', (batches, withLoadBalancer, fits) => {
    expect(checkHistoryBudget(batches, withLoadBalancer).ok).toBe(fits);
  });

  it('says how many batches would fit', () => {
    expect(checkHistoryBudget(500, true)).toEqual({ ok: false, estimatedEvents: 151_000, maxBatches: 80 });
    expect(checkHistoryBudget(500, false)).toMatchObject({ ok: false, maxBatches: 160 });
  });
});
