/**
 * A simulated EC2 Auto Scaling behind the ReplacementFleetPort, on the runtime's clock: a copy of a
 * group launches one instance per original, in service after `launchSeconds` (90 s by default, what
 * an instance with a short health-check grace period takes), and terminating instances records them.
 * What the blue/green engine tests and `npm run bench:blue-green` run in compressed time.
 */
import type { DirectoryInstance } from '../../functions/ports/instance-directory.js';
import type {
  CopyFleetRequest,
  FleetState,
  ReplacementFleetPort,
  RetireRequest,
} from '../../functions/ports/replacement-fleet.js';
import type { SimulationTimers } from './timers.js';

interface SimulatedGroup {
  instances: DirectoryInstance[];
  inServiceAtMs: number;
}

export class SimulatedReplacementFleet implements ReplacementFleetPort {
  readonly groups = new Map<string, SimulatedGroup>();
  /** Every instance terminated, and every group deleted, in order. */
  readonly terminated: string[] = [];
  readonly deletedGroups: string[] = [];
  /** Originals left running by KEEP_ALIVE. */
  readonly keptAlive: string[] = [];

  constructor(
    private readonly timers: Pick<SimulationTimers, 'now'>,
    private readonly launchSeconds = 90,
  ) {}

  async copyFleet(request: CopyFleetRequest): Promise<void> {
    if (this.groups.has(request.name)) return;
    const suffix = request.deploymentId.slice(2).toLowerCase();
    this.groups.set(request.name, {
      instances: request.originals.map((original, k) => ({
        instanceId: `i-${suffix}${k.toString(16).padStart(8, '0')}`,
        kind: 'EC2',
        autoScalingGroup: request.name,
        ...(original.availabilityZone ? { availabilityZone: original.availabilityZone } : {}),
      })),
      inServiceAtMs: this.timers.now().getTime() + this.launchSeconds * 1000,
    });
  }

  async describeFleet(name: string): Promise<FleetState | undefined> {
    const group = this.groups.get(name);
    if (!group) return undefined;
    const ready = this.timers.now().getTime() >= group.inServiceAtMs;
    return {
      ready,
      desired: group.instances.length,
      instances: group.instances,
      ...(ready ? {} : { message: `0 of ${group.instances.length} instances of ${name} are in service.` }),
    };
  }

  async deleteFleet(name: string): Promise<void> {
    const group = this.groups.get(name);
    if (!group) return;
    this.groups.delete(name);
    this.deletedGroups.push(name);
    this.terminated.push(...group.instances.map((i) => i.instanceId));
  }

  async retireOriginals(request: RetireRequest): Promise<void> {
    if (request.action === 'KEEP_ALIVE') {
      this.keptAlive.push(...request.instanceIds);
      return;
    }
    if (request.autoScalingGroup) this.deletedGroups.push(request.autoScalingGroup);
    this.terminated.push(...request.instanceIds);
  }
}
