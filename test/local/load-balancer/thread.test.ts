import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { AwsServiceError } from '../../../functions/adapters/aws/errors.js';
import { TargetHealthWaitTimeoutError } from '../../../local/load-balancer/errors.js';
import { LoadBalancerThread } from '../../../local/load-balancer/thread.js';
import { send, startBackend, until } from './backends.js';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A node process running `code`; resolves with it and the first line it prints. */
async function nodeProcess(
  code: string,
  args: string[] = [],
): Promise<{ child: ChildProcess; first: string }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', code, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  cleanups.push(() => child.kill('SIGKILL'));
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await until('the process to print a line', () => output.includes('\n'), 10_000);
  return { child, first: output.split('\n')[0] ?? '' };
}

/** An app in its own process, as a local host's app is. */
const BACKEND = `
import { createServer } from 'node:http';
const server = createServer((req, res) => res.end('ok'));
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

/**
 * A client in its own process: one request every 10 ms for the given milliseconds, each with a 1 s
 * deadline; prints {"requests","failures"} at the end.
 */
const CLIENT = `
const [url, duration] = [process.argv[1], Number(process.argv[2])];
console.log('started');
let requests = 0, failures = 0;
const end = Date.now() + duration;
const inFlight = [];
while (Date.now() < end) {
  inFlight.push(fetch(url, { signal: AbortSignal.timeout(1000) }).then(
    async (response) => { requests++; if (response.status !== 200 || (await response.text()) !== 'ok') failures++; },
    () => { requests++; failures++; },
  ));
  await new Promise((resolve) => setTimeout(resolve, 10));
}
await Promise.all(inFlight);
console.log(JSON.stringify({ requests, failures }));
`;

describe('the load balancer on its own thread', () => {
  it('keeps serving, within each request deadline, while the thread that drives it is busy for 1.5 s', async () => {
    const backend = await nodeProcess(BACKEND);
    const lb = await LoadBalancerThread.start({ targetPorts: { app: Number(backend.first) } });
    cleanups.push(() => lb.stop());
    await lb.createTargetGroup('web', { healthCheckIntervalMs: 100 });
    await lb.registerTargets('web', ['app']);
    await lb.waitForHealthy('web', ['app'], 5000);

    const client = await nodeProcess(CLIENT, [lb.url, '2500']);
    let result = '';
    client.child.stdout?.on('data', (chunk: Buffer) => (result += chunk.toString()));
    // This thread does CPU-heavy work, as validating a huge AppSpec did, for longer than a deadline.
    const busyUntil = Date.now() + 1500;
    let spins = 0;
    while (Date.now() < busyUntil) spins++;
    expect(spins).toBeGreaterThan(0);
    await once(client.child, 'exit');

    const { requests, failures } = JSON.parse(result.trim().split('\n').pop() ?? '{}') as {
      requests: number;
      failures: number;
    };
    expect(requests).toBeGreaterThan(80);
    expect(failures).toBe(0);
  });

  it("raises the load balancer's errors with their class and fields, as the AWS adapter would", async () => {
    const lb = await LoadBalancerThread.start();
    cleanups.push(() => lb.stop());
    await lb.createTargetGroup('web', { healthCheckIntervalMs: 50 });

    const missing = await lb.registerTargets('nope', ['a']).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(AwsServiceError);
    expect(missing).toMatchObject({ code: 'TargetGroupNotFoundException', name: 'AwsServiceError' });

    const unknownTarget = await lb.registerTargets('web', ['no-port']).catch((error: unknown) => error);
    expect(unknownTarget).toMatchObject({ code: 'InvalidTargetException' });

    await lb.setTargetPort('down', 1); // nothing listens on port 1
    await lb.registerTargets('web', ['down']);
    const timeout = await lb.waitForHealthy('web', ['down'], 200).catch((error: unknown) => error);
    expect(timeout).toBeInstanceOf(TargetHealthWaitTimeoutError);
    expect((timeout as TargetHealthWaitTimeoutError).states).toBeInstanceOf(Map);
    expect((timeout as TargetHealthWaitTimeoutError).awaited).toBe('healthy');
  });

  it('listens on 127.0.0.1 only and its 5xx alarm reports changes to this thread', async () => {
    const a = await startBackend('a', { appStatus: 500 });
    cleanups.push(() => a.close());
    const lb = await LoadBalancerThread.start({ targetPorts: { a: a.port }, metrics: { resolutionMs: 10 } });
    cleanups.push(() => lb.stop());
    expect(lb.address().address).toBe('127.0.0.1');
    await lb.createTargetGroup('web', { healthCheckIntervalMs: 50 });
    await lb.registerTargets('web', ['a']);
    await lb.waitForHealthy('web', ['a'], 3000);

    const alarm = await lb.createAlarm({
      name: 'web-5xx',
      periodMs: 100,
      evaluationPeriods: 2,
      thresholdPercent: 50,
      minRequests: 3,
    });
    const changes: string[] = [];
    alarm.onStateChange(
      (name, newState, oldState) => void changes.push(`${name}: ${oldState} -> ${newState}`),
    );
    await alarm.start();
    let sending = true;
    const traffic = (async () => {
      while (sending) await send(lb.url);
    })();
    cleanups.push(async () => {
      sending = false;
      await traffic;
    });

    await until('ALARM', () => changes.length > 0, 5000);
    expect(changes).toEqual(['web-5xx: OK -> ALARM']);
    expect(await alarm.describeAlarms(['web-5xx', 'other'])).toEqual(new Map([['web-5xx', 'ALARM']]));
    const metrics = await lb.metrics();
    expect(metrics.responses['5xx']).toBeGreaterThan(0);
  });
});
