import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { localHostProvisioner, onPremisesHostRoot } from '../../../local/server/on-premises-hosts.js';

const stateDir = mkdtempSync(join(tmpdir(), 'stepdeploy-hosts-'));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

describe('the local host of an on-premises instance', () => {
  it('is <state-dir>/hosts/<instance-name>/root, created on registration and kept on deregistration', async () => {
    const hosts = localHostProvisioner(stateDir);
    await hosts.instanceRegistered('web-1');
    const root = join(stateDir, 'hosts', 'web-1', 'root');
    expect(onPremisesHostRoot(stateDir, 'web-1')).toBe(root);
    expect(existsSync(root)).toBe(true);
    await hosts.instanceDeregistered('web-1');
    expect(existsSync(root)).toBe(true);
  });

  it.each(['', '..', '../web', 'a/b', '/etc'])(
    'never names a directory outside the hosts directory: %j',
    (name) => {
      expect(() => onPremisesHostRoot(stateDir, name)).toThrow(/cannot name a host directory/);
    },
  );
});
