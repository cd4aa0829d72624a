/**
 * On one machine, an on-premises instance is a local host: registering `web-1` creates
 * `<state-dir>/hosts/web-1/root`, the directory that stands in for the instance's `/`, and its
 * `host.json` (the port its apps serve on). Deregistering keeps the directory (what the last
 * deployment installed stays, as on a real machine).
 */
import { relative, resolve, sep } from 'node:path';
import type { OnPremisesHostProvisioner } from '../../functions/ports/on-premises-hosts.js';
import { ensureHost, hostsDirectory, type LocalHost } from '../hosts/hosts.js';

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

/** Creates (or finds again) the host of an instance; `joined` hears of it (the transport, the load balancers). */
export async function onPremisesHost(stateDir: string, instanceName: string): Promise<LocalHost> {
  onPremisesHostRoot(stateDir, instanceName);
  return ensureHost(stateDir, instanceName);
}

export function localHostProvisioner(
  stateDir: string,
  joined?: (host: LocalHost) => void | Promise<void>,
): OnPremisesHostProvisioner {
  return {
    async instanceRegistered(instanceName) {
      const host = await onPremisesHost(stateDir, instanceName);
      await joined?.(host);
    },
    async instanceDeregistered() {
      // Nothing to undo: the host's files stay, and its processes are ended by `stepdeploy hosts stop`.
    },
  };
}
