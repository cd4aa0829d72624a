/**
 * The replacement fleet of a Server blue/green deployment on one machine: where AWS copies the
 * group's Auto Scaling group, `stepdeploy server` makes new local hosts, one per original, each a
 * registered on-premises instance with a new root (`<state-dir>/hosts/<name>/root`) and a new port,
 * carrying the original's tags and `aws:autoscaling:groupName` = the copy's name (so the copy is an
 * "Auto Scaling group" the instance directory resolves, and the next deployment copies it in turn).
 * Terminating a host ends its processes, marks it terminated in its host.json (its root is kept for
 * inspection until `stepdeploy hosts prune`) and deregisters its instance; keeping one alive
 * deregisters its instance only, so no group selects it again while its app runs on.
 */
import { join } from 'node:path';
import { replacementHostName } from '../../functions/domain/server-blue-green.js';
import type { OnPremisesInstanceStore } from '../../functions/ports/on-premises-instances.js';
import {
  AUTO_SCALING_GROUP_TAG,
  tagsForCopy,
  type CopyFleetRequest,
  type FleetState,
  type ReplacementFleetPort,
  type RetireRequest,
} from '../../functions/ports/replacement-fleet.js';
import type { ClockPort } from '../../functions/ports/clock.js';
import { hostsDirectory, markHostTerminated, type LocalHost } from '../hosts/hosts.js';
import { stopHostProcesses } from '../hosts/processes.js';
import { onPremisesHost } from './on-premises-hosts.js';

const LOCAL_ACCOUNT = '000000000000';
const PAGE = 500;

export interface LocalReplacementFleetOptions {
  stateDir: string;
  instances: OnPremisesInstanceStore;
  clock: ClockPort;
  region: string;
  /** A host was made: the transport and the load balancers learn where it is. */
  joined(host: LocalHost): Promise<void>;
  /** A host was terminated: nothing reaches it any more. */
  left(id: string): void;
}

export class LocalReplacementFleet implements ReplacementFleetPort {
  constructor(private readonly options: LocalReplacementFleetOptions) {}

  async copyFleet(request: CopyFleetRequest): Promise<void> {
    const { instances, clock, region } = this.options;
    const taken = new Set<string>();
    for (const original of request.originals) {
      let name = replacementHostName(original.instanceId, request.deploymentId);
      for (let n = 2; taken.has(name); n++)
        name = `${replacementHostName(original.instanceId, request.deploymentId)}-${n}`;
      taken.add(name);
      const existing = await instances.getInstance(name);
      if (!existing || existing.deregisterTime !== undefined) {
        await instances.registerInstance({
          instanceName: name,
          iamUserArn: `arn:aws:iam::${LOCAL_ACCOUNT}:user/stepdeploy/${name}`,
          instanceArn: `arn:aws:codedeploy:${region}:${LOCAL_ACCOUNT}:instance/${name}`,
          registerTime: clock.now().toISOString(),
          tags: [],
        });
      }
      const current = (await instances.getInstance(name))?.tags ?? [];
      await instances.replaceTags(name, tagsForCopy(original.tags, request.name), current);
      await this.options.joined(await onPremisesHost(this.options.stateDir, name));
    }
  }

  async describeFleet(name: string): Promise<FleetState | undefined> {
    const members = await this.members(name);
    if (members.length === 0) return undefined;
    // A local host is up as soon as it exists: its root and its port are all it needs.
    return {
      ready: true,
      desired: members.length,
      instances: members.map((instance) => ({
        instanceId: instance.instanceName,
        kind: 'OnPremises',
        instanceName: instance.instanceName,
        instanceArn: instance.instanceArn,
        tags: instance.tags,
        autoScalingGroup: name,
      })),
    };
  }

  async deleteFleet(name: string): Promise<void> {
    for (const instance of await this.members(name)) await this.terminate(instance.instanceName);
  }

  async retireOriginals(request: RetireRequest): Promise<void> {
    for (const id of request.instanceIds) {
      if (request.action === 'TERMINATE') await this.terminate(id);
      else await this.options.instances.deregisterInstance(id, this.options.clock.now());
    }
  }

  /** Its processes ended, marked terminated, its instance deregistered; its root stays for inspection. */
  private async terminate(id: string): Promise<void> {
    const { stateDir, instances, clock } = this.options;
    this.options.left(id);
    await stopHostProcesses(join(hostsDirectory(stateDir), id, 'root'), 2000, { exact: true });
    markHostTerminated(stateDir, id, clock.now());
    await instances.deregisterInstance(id, clock.now());
  }

  /** The registered hosts a copy made (tagged with its name). */
  private async members(name: string) {
    const found = [];
    let nextToken: string | undefined;
    do {
      const page = await this.options.instances.listInstances(
        { limit: PAGE, ...(nextToken ? { nextToken } : {}) },
        (instance) =>
          instance.deregisterTime === undefined &&
          instance.tags.some((tag) => tag.Key === AUTO_SCALING_GROUP_TAG && tag.Value === name),
      );
      found.push(...page.items);
      nextToken = page.nextToken;
    } while (nextToken);
    return found;
  }
}
