/**
 * `stepdeploy deploy --blue-green` and `stepdeploy hosts`: the flags are checked together before
 * anything starts (a clear error, exit 2, nothing created), and the host commands read a state
 * directory as it is. The deployments themselves run in test/local/flows/server-blue-green.test.ts.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'stepdeploy-cli-bg-'));
const stateDir = join(work, 'state');
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('deploy --blue-green flags', () => {
  it.each([
    [['--ready-wait', '5'], /--ready-wait concern\(s\) blue\/green deployments: add --blue-green/],
    [
      ['--keep-originals', '--termination-wait', '3'],
      /--termination-wait, --keep-originals concern\(s\) blue\/green deployments/,
    ],
    [
      ['--blue-green', '--keep-originals', '--termination-wait', '3'],
      /--keep-originals never terminates them: give one of the two/,
    ],
    [['--blue-green', '--ready-wait', '0'], /--ready-wait.*must be a whole number of minutes from 1 to 2880/],
    [
      ['--blue-green', '--termination-wait', '2881'],
      /--termination-wait.*must be a whole number of minutes from 0 to 2880/,
    ],
    [
      ['--blue-green', '--load-balancer-port', '70000'],
      /--load-balancer-port.*must be a port from 0 to 65535/,
    ],
    [
      ['--blue-green', '--endpoint-url', 'https://example.invalid/', '--bucket', 'b'],
      /--blue-green .*concern local hosts/,
    ],
  ])('%j is refused before anything starts', (flags, message) => {
    const result = runCli(['deploy', 'examples/webapp', '--state-dir', stateDir, ...flags]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(stateDir, 'records'))).toBe(false);
  });
});

describe('hosts list and hosts prune', () => {
  it('list the hosts with their status, root and port, and prune only the terminated ones', () => {
    const hosts = join(stateDir, 'hosts');
    for (const [id, terminatedAt] of [
      ['host-1', '2026-01-01T00:00:00.000Z'],
      ['host-1-ABCDEFGHJ', undefined],
    ] as const) {
      mkdirSync(join(hosts, id, 'root'), { recursive: true });
      writeFileSync(
        join(hosts, id, 'host.json'),
        JSON.stringify({
          id,
          port: id === 'host-1' ? 4001 : 4002,
          ...(terminatedAt ? { terminatedAt } : {}),
        }),
      );
    }
    const listed = runCli(['hosts', 'list', '--state-dir', stateDir, '--json']);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([
      { id: 'host-1', status: 'terminated', root: join(hosts, 'host-1', 'root'), port: 4001, tags: [] },
      {
        id: 'host-1-ABCDEFGHJ',
        status: 'stopped',
        root: join(hosts, 'host-1-ABCDEFGHJ', 'root'),
        port: 4002,
        tags: [],
      },
    ]);
    const pruned = runCli(['hosts', 'prune', '--state-dir', stateDir]);
    expect(pruned).toMatchObject({ code: 0, stdout: 'removed 1 terminated host(s): host-1\n' });
    expect(existsSync(join(hosts, 'host-1'))).toBe(false);
    expect(existsSync(join(hosts, 'host-1-ABCDEFGHJ', 'root'))).toBe(true);
    expect(runCli(['hosts', 'prune', '--state-dir', stateDir]).stdout).toBe('no terminated hosts\n');
  });
});
