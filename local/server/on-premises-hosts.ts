/**
 * On one machine, an on-premises instance is a local host: registering `web-1` creates
 * `<state-dir>/hosts/web-1/root`, the directory that stands in for the instance's `/`. Deregistering
 * keeps the directory (what the last deployment installed stays, as on a real machine).
 */
import { mkdirSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import type { OnPremisesHostProvisioner } from '../../functions/ports/on-premises-hosts.js';
import { hostsDirectory } from '../hosts/hosts.js';

/** The root of the local host standing in for an on-premises instance. */
export function onPremisesHostRoot(stateDir: string, instanceName: string): string {
  const hosts = resolve(hostsDirectory(stateDir));
  const root = resolve(hosts, instanceName, 'root');
  // The API admits only safe names; this keeps a bad one from ever leaving the hosts directory.
  const inside = relative(hosts, root);
  if (instanceName === '' || inside.startsWith('..') || inside.split(sep).length !== 2) {
    throw new Error(`The instance name ${JSON.stringify(instanceName)} cannot name a host directory.`);
  }
  return root;
}

export function localHostProvisioner(stateDir: string): OnPremisesHostProvisioner {
  return {
    async instanceRegistered(instanceName) {
      mkdirSync(onPremisesHostRoot(stateDir, instanceName), { recursive: true });
    },
    async instanceDeregistered() {
      // Nothing to undo: the host's files stay, and its processes are ended by `stepdeploy hosts stop`.
    },
  };
}
