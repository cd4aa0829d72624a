import { describe, expect, it } from 'vitest';
import { TrafficMetrics, type RequestOutcome } from '../../../local/load-balancer/metrics.js';

const ok: RequestOutcome = {
  targetGroup: 'web',
  instanceId: 'a',
  status: 200,
  generatedByLoadBalancer: false,
  targetConnectionError: false,
};
const targetError: RequestOutcome = { ...ok, status: 500 };
const badGateway: RequestOutcome = {
  ...ok,
  status: 502,
  generatedByLoadBalancer: true,
  targetConnectionError: true,
};

function clocked(start = 1_700_000_000_000): { metrics: TrafficMetrics; advance: (ms: number) => void } {
  let now = start;
  const metrics = new TrafficMetrics({ now: () => now, resolutionMs: 100, retentionMs: 60_000 });
  return { metrics, advance: (ms) => (now += ms) };
}

describe('TrafficMetrics', () => {
  it('counts requests by status class, load balancer 5xx, client closes and per target', () => {
    const { metrics } = clocked();
    for (const outcome of [ok, { ...ok, status: 304 }, { ...ok, status: 404 }, targetError, badGateway]) {
      metrics.record(outcome);
    }
    metrics.record({ status: 503, generatedByLoadBalancer: true, targetConnectionError: false });
    metrics.record({ ...ok, status: undefined });
    expect(metrics.snapshot()).toMatchObject({
      requests: 7,
      responses: { '2xx': 1, '3xx': 1, '4xx': 1, '5xx': 3 },
      loadBalancer5xx: 2,
      clientClosed: 1,
      targets: [
        {
          targetGroup: 'web',
          instanceId: 'a',
          requests: 6,
          responses: { '2xx': 1, '3xx': 1, '4xx': 1, '5xx': 2 },
          connectionErrors: 1,
        },
      ],
    });
  });

  it('gives the 5xx rate of a window, to within one bucket, and 0 without requests', () => {
    const { metrics, advance } = clocked();
    expect(metrics.fiveXxRate(1000)).toBe(0);
    metrics.record(targetError);
    metrics.record(targetError);
    advance(1000);
    metrics.record(ok);
    metrics.record(targetError);
    metrics.record(ok);
    metrics.record(ok);
    expect(metrics.window(500)).toEqual({ requests: 4, fiveXx: 1 });
    expect(metrics.fiveXxRate(500)).toBe(25);
    expect(metrics.fiveXxRate(2000)).toBe(50);
    advance(600);
    expect(metrics.fiveXxRate(500)).toBe(0);
  });

  it('keeps a per-second time series for the retention only', () => {
    const { metrics, advance } = clocked(1_700_000_000_000);
    metrics.record(ok);
    advance(300);
    metrics.record(targetError);
    advance(1000);
    metrics.record(ok);
    expect(metrics.snapshot().timeSeries).toEqual([
      { second: 1_700_000_000, requests: 2, fiveXx: 1 },
      { second: 1_700_000_001, requests: 1, fiveXx: 0 },
    ]);
    advance(60_000);
    metrics.record(ok);
    expect(metrics.snapshot().timeSeries).toEqual([{ second: 1_700_000_061, requests: 1, fiveXx: 0 }]);
    // The totals are not windowed.
    expect(metrics.snapshot().requests).toBe(4);
  });
});
