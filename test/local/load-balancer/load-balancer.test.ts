import { afterEach, describe, expect, it } from 'vitest';
import { LocalLoadBalancer } from '../../../local/load-balancer/load-balancer.js';
import type { TargetGroupOptions } from '../../../local/load-balancer/target-group.js';
import { send, startBackend, until, type Backend, type BackendOptions } from './backends.js';

/** Short timings so the suite takes seconds: healthy after two 50 ms checks. */
const FAST: TargetGroupOptions = { healthCheckIntervalMs: 50, healthyThreshold: 2, unhealthyThreshold: 2 };

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function backend(name: string, options?: BackendOptions): Promise<Backend> {
  const started = await startBackend(name, options);
  cleanups.push(() => started.close());
  return started;
}

async function balancer(
  targets: Backend[],
  options: TargetGroupOptions = {},
): Promise<{ lb: LocalLoadBalancer; url: string }> {
  const lb = new LocalLoadBalancer();
  cleanups.push(() => lb.stop());
  const url = await lb.start();
  lb.createTargetGroup('web', { ...FAST, ...options });
  for (const target of targets) lb.setTargetPort(target.name, target.port);
  return { lb, url };
}

async function bodies(url: string, count: number): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < count; i++) seen.push((await send(url)).body);
  return seen;
}

describe('LocalLoadBalancer', () => {
  it('listens on 127.0.0.1 only and returns its URL', async () => {
    const { lb, url } = await balancer([]);
    const address = lb.address();
    expect(address?.address).toBe('127.0.0.1');
    expect(address?.family).toBe('IPv4');
    expect(url).toBe(`http://127.0.0.1:${address?.port}`);
  });

  it('sends no traffic to an initial target (fail-open spares unchecked targets: the safer reading), then serves it once healthy', async () => {
    const a = await backend('a', { healthPath: '/ready' });
    const { lb, url } = await balancer([a], { healthCheckPath: '/ready', healthCheckIntervalMs: 100 });

    await lb.registerTargets('web', ['a']);
    expect(await lb.describeTargetHealth('web', ['a'])).toEqual(new Map([['a', 'initial']]));
    const early = await send(url);
    expect(early.status).toBe(503);
    expect(early.headers.server).toBe('awselb/2.0');

    await lb.waitForHealthy('web', ['a'], 2000);
    expect(a.healthChecks.length).toBeGreaterThanOrEqual(2);
    expect(a.healthChecks[0]).toMatchObject({ method: 'GET', path: '/ready' });
    expect(a.healthChecks[0]?.headers['user-agent']).toBe('ELB-HealthChecker/2.0');

    const served = await send(`${url}/hello?x=1`);
    expect(served).toMatchObject({ status: 200, body: 'a' });
    expect(a.requests[0]?.path).toBe('/hello?x=1');
    expect(a.requests[0]?.headers).toMatchObject({
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-proto': 'http',
      'x-forwarded-port': String(lb.address()?.port),
    });
  });

  it('appends the client to an existing X-Forwarded-For', async () => {
    const a = await backend('a');
    const { lb, url } = await balancer([a]);
    await lb.registerTargets('web', ['a']);
    await lb.waitForHealthy('web', ['a'], 2000);
    await send(url, { headers: { 'x-forwarded-for': '203.0.113.7' } });
    expect(a.requests[0]?.headers['x-forwarded-for']).toBe('203.0.113.7, 127.0.0.1');
  });

  it('round-robins between two healthy targets and counts per target', async () => {
    const a = await backend('a');
    const b = await backend('b');
    const { lb, url } = await balancer([a, b]);
    await lb.registerTargets('web', ['a', 'b']);
    await lb.waitForHealthy('web', ['a', 'b'], 2000);

    const seen = await bodies(url, 6);
    expect(new Set([seen[0], seen[1]])).toEqual(new Set(['a', 'b']));
    expect(seen).toEqual([seen[0], seen[1], seen[0], seen[1], seen[0], seen[1]]);

    const metrics = lb.metrics();
    expect(metrics.requests).toBe(6);
    expect(metrics.responses).toEqual({ '2xx': 6, '3xx': 0, '4xx': 0, '5xx': 0 });
    expect(metrics.targets.map((t) => [t.instanceId, t.requests]).sort()).toEqual([
      ['a', 3],
      ['b', 3],
    ]);
    expect(metrics.timeSeries.reduce((sum, point) => sum + point.requests, 0)).toBe(6);
  });

  it('drains on deregistration: the in-flight request completes, new ones go elsewhere, then unused', async () => {
    const a = await backend('a', { slowMs: 300 });
    const b = await backend('b', { slowMs: 300 });
    const { lb, url } = await balancer([a, b], { deregistrationDelayMs: 3000 });
    await lb.registerTargets('web', ['a', 'b']);
    await lb.waitForHealthy('web', ['a', 'b'], 2000);

    const slow = send(`${url}/slow`);
    await until('the slow request to reach a backend', () => a.requests.length + b.requests.length === 1);
    const [busy, other] = a.requests.length === 1 ? [a, b] : [b, a];

    const deregisteredAt = Date.now();
    await lb.deregisterTargets('web', [busy.name]);
    expect(await lb.describeTargetHealth('web', [busy.name, other.name])).toEqual(
      new Map([
        [busy.name, 'draining'],
        [other.name, 'healthy'],
      ]),
    );
    expect(lb.describeTargets('web').find((t) => t.instanceId === busy.name)).toMatchObject({
      reason: 'Target.DeregistrationInProgress',
      inFlight: 1,
    });

    expect(await bodies(url, 4)).toEqual([other.name, other.name, other.name, other.name]);
    expect(await slow).toMatchObject({ status: 200, body: busy.name });

    await lb.waitForDrained('web', [busy.name], 2000);
    // Unused because its last request ended, well before the 3 s deregistration delay.
    expect(Date.now() - deregisteredAt).toBeLessThan(2000);
    expect(await lb.describeTargetHealth('web', [busy.name])).toEqual(new Map([[busy.name, 'unused']]));
    expect(busy.requests).toHaveLength(1);
  });

  it('cuts what is still in flight when the deregistration delay elapses (502), as ELB does', async () => {
    const a = await backend('a', { slowMs: 2000 });
    const { lb, url } = await balancer([a], { deregistrationDelayMs: 100 });
    await lb.registerTargets('web', ['a']);
    await lb.waitForHealthy('web', ['a'], 2000);

    const slow = send(`${url}/slow`);
    await until('the slow request to reach the backend', () => a.requests.length === 1);
    await lb.deregisterTargets('web', ['a']);
    await lb.waitForDrained('web', ['a'], 1000);
    expect((await slow).status).toBe(502);
    expect(lb.metrics()).toMatchObject({ loadBalancer5xx: 1, responses: { '5xx': 1 } });
    expect(lb.metrics().targets[0]?.connectionErrors).toBe(0);
  });

  it('deregistering an idle target makes it unused at once', async () => {
    const a = await backend('a');
    const { lb } = await balancer([a]);
    await lb.registerTargets('web', ['a']);
    await lb.waitForHealthy('web', ['a'], 2000);
    await lb.deregisterTargets('web', ['a']);
    expect(await lb.describeTargetHealth('web', ['a'])).toEqual(new Map([['a', 'unused']]));
  });

  it('never makes a target healthy while its health path answers 500', async () => {
    const a = await backend('a', { healthStatus: 500 });
    const { lb } = await balancer([a]);
    await lb.registerTargets('web', ['a']);

    await until('two failed checks', () => a.healthChecks.length >= 2);
    await until('unhealthy', () => lb.describeTargets('web')[0]?.state === 'unhealthy');
    await expect(lb.waitForHealthy('web', ['a'], 400)).rejects.toMatchObject({
      name: 'TargetHealthWaitTimeoutError',
      states: new Map([['a', 'unhealthy']]),
    });
    expect(a.healthChecks.length).toBeGreaterThanOrEqual(6);
    expect(lb.describeTargets('web')).toEqual([
      { instanceId: 'a', state: 'unhealthy', reason: 'Target.ResponseCodeMismatch', inFlight: 0 },
    ]);
  });

  it('reports Target.Timeout when the health check gets no answer within the interval', async () => {
    const a = await backend('a', { healthStatus: -1 });
    const { lb } = await balancer([a]);
    await lb.registerTargets('web', ['a']);
    await until('unhealthy', () => lb.describeTargets('web')[0]?.state === 'unhealthy');
    expect(lb.describeTargets('web')[0]?.reason).toBe('Target.Timeout');
  });

  it('fails open like ALB: with no healthy target, traffic goes to the unhealthy ones', async () => {
    const a = await backend('a', { healthStatus: 500 });
    const { lb, url } = await balancer([a]);
    await lb.registerTargets('web', ['a']);
    await until('unhealthy', () => lb.describeTargets('web')[0]?.state === 'unhealthy');
    expect(await send(url)).toMatchObject({ status: 200, body: 'a' });
  });

  it('sends nothing to an unhealthy target while another one is healthy', async () => {
    const a = await backend('a', { healthStatus: 500 });
    const b = await backend('b');
    const { lb, url } = await balancer([a, b]);
    await lb.registerTargets('web', ['a', 'b']);
    await lb.waitForHealthy('web', ['b'], 2000);
    await until('a unhealthy', () => lb.describeTargets('web')[0]?.state === 'unhealthy');
    expect(await bodies(url, 4)).toEqual(['b', 'b', 'b', 'b']);
  });

  it('takes a target out after unhealthyThreshold failures and back after healthyThreshold passes', async () => {
    const a = await backend('a');
    const b = await backend('b');
    const { lb, url } = await balancer([a, b]);
    await lb.registerTargets('web', ['a', 'b']);
    await lb.waitForHealthy('web', ['a', 'b'], 2000);

    a.healthStatus = 503;
    await until('a unhealthy', () => lb.describeTargets('web')[0]?.state === 'unhealthy');
    expect(await bodies(url, 3)).toEqual(['b', 'b', 'b']);

    a.healthStatus = 200;
    await lb.waitForHealthy('web', ['a'], 2000);
    expect(new Set(await bodies(url, 2))).toEqual(new Set(['a', 'b']));
  });

  it('answers 502, counted as 5xx, when the target stops listening (no retry on another target)', async () => {
    const a = await backend('a');
    const { lb, url } = await balancer([a]);
    await lb.registerTargets('web', ['a']);
    await lb.waitForHealthy('web', ['a'], 2000);
    expect((await send(url)).status).toBe(200);

    await a.close();
    const failed = await send(url);
    expect(failed.status).toBe(502);
    expect(failed.body).toContain('502 Bad Gateway');

    const metrics = lb.metrics();
    expect(metrics.responses).toEqual({ '2xx': 1, '3xx': 0, '4xx': 0, '5xx': 1 });
    expect(metrics.loadBalancer5xx).toBe(1);
    expect(metrics.targets[0]).toMatchObject({ instanceId: 'a', requests: 2, connectionErrors: 1 });
    expect(metrics.timeSeries.reduce((sum, point) => sum + point.fiveXx, 0)).toBe(1);
    expect(lb.fiveXxRate(60_000)).toBe(50);
    expect(lb.requestCount(60_000)).toBe(2);
  });

  it('answers 503 when the target group has no target at all', async () => {
    const { lb, url } = await balancer([]);
    const response = await send(url);
    expect(response.status).toBe(503);
    expect(lb.metrics()).toMatchObject({ requests: 1, loadBalancer5xx: 1, responses: { '5xx': 1 } });
  });

  it('counts the targets own 4xx and 5xx apart from the load balancer 5xx', async () => {
    const a = await backend('a', { appStatus: 404 });
    const { lb, url } = await balancer([a]);
    await lb.registerTargets('web', ['a']);
    await lb.waitForHealthy('web', ['a'], 2000);
    await send(url);
    a.appStatus = 500;
    await send(url);
    expect(lb.metrics()).toMatchObject({
      responses: { '2xx': 0, '3xx': 0, '4xx': 1, '5xx': 1 },
      loadBalancer5xx: 0,
    });
  });
});

describe('LocalLoadBalancer port semantics', () => {
  it('describes a target that is not registered as unused and ignores deregistering it', async () => {
    const { lb } = await balancer([]);
    await lb.deregisterTargets('web', ['ghost']);
    expect(await lb.describeTargetHealth('web', ['ghost'])).toEqual(new Map([['ghost', 'unused']]));
  });

  it('rejects an unknown target group with ELBv2 TargetGroupNotFoundException', async () => {
    const { lb } = await balancer([]);
    for (const call of [
      () => lb.describeTargetHealth('nope', ['a']),
      () => lb.registerTargets('nope', ['a']),
      () => lb.deregisterTargets('nope', ['a']),
    ]) {
      await expect(call()).rejects.toMatchObject({
        name: 'AwsServiceError',
        code: 'TargetGroupNotFoundException',
      });
    }
  });

  it('rejects targets without a port (InvalidTargetException) and registers none of the batch', async () => {
    const a = await backend('a');
    const { lb } = await balancer([a]);
    await expect(lb.registerTargets('web', ['a', 'ghost'])).rejects.toMatchObject({
      name: 'AwsServiceError',
      code: 'InvalidTargetException',
    });
    expect(await lb.describeTargetHealth('web', ['a'])).toEqual(new Map([['a', 'unused']]));
  });

  it('finds ports through the resolver given to the constructor', async () => {
    const a = await backend('a');
    const lb = new LocalLoadBalancer({ resolvePort: (id) => (id === 'host-a' ? a.port : undefined) });
    cleanups.push(() => lb.stop());
    const url = await lb.start();
    lb.createTargetGroup('web', FAST);
    await lb.registerTargets('web', ['host-a']);
    await lb.waitForHealthy('web', ['host-a'], 2000);
    expect((await send(url)).body).toBe('a');
  });

  it('re-registering a draining target brings it back through initial to healthy', async () => {
    const a = await backend('a', { slowMs: 500 });
    const { lb } = await balancer([a]);
    await lb.registerTargets('web', ['a']);
    await lb.waitForHealthy('web', ['a'], 2000);
    const slow = send(`${lb.url}/slow`);
    await until('in flight', () => a.requests.length === 1);
    await lb.deregisterTargets('web', ['a']);
    await lb.registerTargets('web', ['a']);
    expect(await lb.describeTargetHealth('web', ['a'])).toEqual(new Map([['a', 'initial']]));
    await lb.waitForHealthy('web', ['a'], 2000);
    expect((await slow).status).toBe(200);
    // Its last request ending must not remove the target registered again.
    expect(await lb.describeTargetHealth('web', ['a'])).toEqual(new Map([['a', 'healthy']]));
  });

  it('rejects invalid target group settings at creation', async () => {
    const { lb } = await balancer([]);
    expect(() => lb.createTargetGroup('bad', { healthyThreshold: 0 })).toThrow(/healthyThreshold/);
    expect(() => lb.createTargetGroup('web')).toThrow(/DuplicateTargetGroupName/);
  });

  it('splits traffic between target groups by forward weights, first group only until weights are set', async () => {
    const a = await backend('a');
    const b = await backend('b');
    const { lb, url } = await balancer([a, b]);
    lb.createTargetGroup('green', FAST);
    await lb.registerTargets('web', ['a']);
    await lb.registerTargets('green', ['b']);
    await lb.waitForHealthy('web', ['a'], 2000);
    await lb.waitForHealthy('green', ['b'], 2000);
    expect(await bodies(url, 2)).toEqual(['a', 'a']);

    lb.setForwardWeights({ web: 3, green: 1 });
    const seen = await bodies(url, 8);
    expect(seen.filter((body) => body === 'a')).toHaveLength(6);
    expect(seen.filter((body) => body === 'b')).toHaveLength(2);

    lb.setForwardWeights({ web: 0, green: 1 });
    expect(await bodies(url, 2)).toEqual(['b', 'b']);
    expect(() => lb.setForwardWeights({ web: 1000 })).toThrow(/0 to 999/);
    expect(() => lb.setForwardWeights({ blue: 1 })).toThrow(/TargetGroupNotFound/);
  });
});

describe('LocalLoadBalancer proxying', () => {
  async function single(): Promise<{ a: Backend; lb: LocalLoadBalancer; url: string }> {
    const a = await backend('a');
    const { lb, url } = await balancer([a]);
    await lb.registerTargets('web', ['a']);
    await lb.waitForHealthy('web', ['a'], 2000);
    return { a, lb, url };
  }

  it('streams a large request body to the target and its answer back', async () => {
    const { url } = await single();
    const body = 'x'.repeat(2 * 1024 * 1024);
    const response = await send(url, { method: 'POST', body, headers: { 'content-type': 'text/plain' } });
    expect(response.status).toBe(200);
    expect(response.body.length).toBe(body.length);
  });

  it('drops hop-by-hop headers, including those named by Connection, and keeps the others', async () => {
    const { a, url } = await single();
    await send(url, {
      headers: {
        connection: 'x-secret',
        'x-secret': '1',
        'x-kept': 'yes',
        'proxy-authorization': 'p',
        te: 'trailers',
      },
    });
    const headers = a.requests[0]?.headers ?? {};
    expect(headers['x-kept']).toBe('yes');
    expect(headers['x-secret']).toBeUndefined();
    expect(headers['proxy-authorization']).toBeUndefined();
    expect(headers.te).toBeUndefined();
    expect(headers.host).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('streams the response: the client gets the first chunk before the target ends it', async () => {
    const { createServer, request } = await import('node:http');
    let finish: () => void = () => undefined;
    const server = createServer((req, res) => {
      if (req.url === '/health') return void res.end();
      res.writeHead(200, { connection: 'x-internal', 'x-internal': '1', 'x-app': 'app' });
      res.write('first;');
      finish = () => res.end('second');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });
    const lb = new LocalLoadBalancer();
    cleanups.push(() => lb.stop());
    const url = await lb.start();
    lb.createTargetGroup('web', FAST);
    const { port } = server.address() as { port: number };
    lb.setTargetPort('s', port);
    await lb.registerTargets('web', ['s']);
    await lb.waitForHealthy('web', ['s'], 2000);

    const text = await new Promise<string>((resolve, reject) => {
      const req = request(url, { agent: false }, (res) => {
        expect(res.headers['x-app']).toBe('app');
        expect(res.headers['x-internal']).toBeUndefined();
        let received = '';
        res.on('data', (chunk: Buffer) => {
          received += chunk.toString();
          if (received === 'first;') finish();
        });
        res.on('end', () => resolve(received));
      });
      req.on('error', reject);
      req.end();
    });
    expect(text).toBe('first;second');
  });
});
