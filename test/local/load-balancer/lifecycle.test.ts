import { spawn } from 'node:child_process';
import { Agent } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LocalLoadBalancer } from '../../../local/load-balancer/load-balancer.js';
import { send, startBackend, until } from './backends.js';

/** The handles a load balancer can own: listeners, sockets and timers. */
function handles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of process.getActiveResourcesInfo()) {
    if (['TCPServerWrap', 'TCPSocketWrap', 'Timeout'].includes(name)) counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

describe('LocalLoadBalancer lifecycle', () => {
  it('stop() closes in-flight and keep-alive connections at once and leaves no handle behind', async () => {
    const a = await startBackend('a', { slowMs: 30_000 });
    const b = await startBackend('b', { slowMs: 30_000 });
    const before = handles();

    const lb = new LocalLoadBalancer();
    const url = await lb.start();
    lb.createTargetGroup('web', { healthCheckIntervalMs: 50, deregistrationDelayMs: 30_000 });
    lb.setTargetPort('a', a.port);
    lb.setTargetPort('b', b.port);
    await lb.registerTargets('web', ['a', 'b']);
    await lb.waitForHealthy('web', ['a', 'b'], 2000);
    const agent = new Agent({ keepAlive: true });
    for (let i = 0; i < 4; i++) expect((await send(url, { agent })).status).toBe(200);
    const held = send(`${url}/slow`).then(
      (response) => response.status,
      (error: Error) => error.message,
    );
    await until('the held request', () => a.requests.length + b.requests.length === 5);
    // One target draining with a request in flight, the other healthy and health-checked.
    const busy = a.requests.length === 3 ? 'a' : 'b';
    await lb.deregisterTargets('web', [busy]);
    expect(
      lb
        .describeTargets('web')
        .map((t) => t.state)
        .sort(),
    ).toEqual(['draining', 'healthy']);

    const stopping = Date.now();
    await lb.stop();
    expect(Date.now() - stopping).toBeLessThan(1000);
    expect(await held).toBe('socket hang up');
    expect(lb.address()).toBeUndefined();
    await expect(lb.registerTargets('web', ['a'])).rejects.toMatchObject({
      name: 'LoadBalancerStoppedError',
    });

    // Sockets finish closing on both ends a moment after stop() resolves.
    // Sockets finish closing on both ends a moment after stop() resolves. Nothing may remain beyond
    // what existed before the load balancer (the baseline may also hold the runner's own timers).
    await until('no handle beyond the baseline', () =>
      Object.entries(handles()).every(([name, count]) => count <= (before[name] ?? 0)),
    );
    // Health checking stopped too: no check reaches the target that stayed registered.
    const checks = a.healthChecks.length + b.healthChecks.length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(a.healthChecks.length + b.healthChecks.length).toBe(checks);
    agent.destroy();
    await a.close();
    await b.close();
  });

  it('lets a process that used it exit by itself once stopped', async () => {
    const fixture = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'run-and-stop.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const timeout = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const code = await exited;
    clearTimeout(timeout);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toContain('"stopped":true');
  });
});
