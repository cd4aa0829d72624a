/**
 * The load balancers' URLs live in server.json (issue 13: the listener ports are printed and kept in
 * the state directory): kept when the server stops, listened on again by the next server, and moved
 * to a free port, with server.json saying so, when another process has taken the old one.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startLocalServer } from '../../../local/server/server.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const work = mkdtempSync(join(tmpdir(), 'sd-lb-ports-'));
const stateDir = join(work, 'state');
afterAll(() => rmSync(work, { recursive: true, force: true }));

const serverFile = () =>
  JSON.parse(readFileSync(join(stateDir, 'server.json'), 'utf8')) as {
    pid: number;
    loadBalancers: Record<string, string>;
  };

/** A server's load balancer for target group `web`: its URL, server.json's view of it, then stopped. */
async function run(): Promise<string> {
  const server = await startLocalServer({ stateDir });
  try {
    const { url } = await server.loadBalancers.get('web');
    expect(serverFile()).toMatchObject({ pid: process.pid, loadBalancers: { web: url } });
    return url;
  } finally {
    await server.close();
  }
}

describe('the load balancers’ URLs in server.json', () => {
  it('stay when the server stops, are listened on again, and move when their port is taken', async () => {
    const url = await run();
    expect(serverFile()).toMatchObject({ pid: 0, loadBalancers: { web: url } });
    expect(await run()).toBe(url);

    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(Number(new URL(url).port), '127.0.0.1', resolve));
    try {
      const moved = await run();
      expect(moved).not.toBe(url);
      expect(serverFile().loadBalancers).toEqual({ web: moved });
    } finally {
      squatter.close();
    }
  });
});
