import type { LambdaAppSpec } from '../../functions/domain/appspec/index.js';
import type { AliasRouting } from '../../functions/ports/lambda-alias.js';
import type { EngineEvent } from '../engine/index.js';
import type { LocalRuntime } from '../runtime/runtime.js';
import type { SimulatedListeners } from '../simulated/ecs.js';
import type { SimulatedLambda } from '../simulated/lambda.js';

export interface TimelineEntry {
  atSeconds: number;
  state: string;
  detail: string;
}

/** The target version's share of the alias' traffic. */
export function weightOf(routing: AliasRouting, targetVersion: string): number {
  if (routing.functionVersion === targetVersion) return 1;
  return routing.additionalVersionWeights[targetVersion] ?? 0;
}

/** Collects what happened in one simulated deployment, stamped with simulated seconds since the start. */
export class SimulationRecorder {
  currentState = 'Prepare';
  rolledBack = false;
  readonly weights: Array<{ atSeconds: number; targetVersionWeight: number }> = [];
  private readonly entries: TimelineEntry[] = [];

  constructor(
    private readonly executionName: string,
    private readonly startMs: number,
    private readonly nowMs: () => number,
  ) {}

  seconds(): number {
    return (this.nowMs() - this.startMs) / 1000;
  }

  note(state: string, detail: string): void {
    this.entries.push({ atSeconds: this.seconds(), state, detail });
  }

  /** Sources report at the same simulated instant in any order; a stable sort keeps each in its own. */
  timeline(): TimelineEntry[] {
    return [...this.entries].sort((a, b) => a.atSeconds - b.atSeconds);
  }

  /** Follows the execution's states; a rollback that moved traffic back or removed a replacement. */
  observeExecution(runtime: LocalRuntime): void {
    runtime.engine.subscribe((event) => {
      if (event.executionName !== this.executionName) return;
      if (event.type === 'StateEntered' && event.stateName) {
        this.currentState = event.stateName;
        this.note(event.stateName, enteredDetail(event));
      } else if (event.type === 'StateExited' && event.stateName === 'Rollback') {
        this.rolledBack = asRecord(asRecord(event.output)['rollback'])['rolledBack'] === true;
      } else if (event.type === 'StateExited' && event.stateName === 'RestoreTaskSets') {
        const restored = asRecord(asRecord(event.output)['restoredTaskSets']);
        if (restored['replacementDeleted'] === true || restored['primaryRestored'] === true)
          this.rolledBack = true;
      }
    });
  }

  /** Follows the execution's states and the alias' routing changes. */
  observe(runtime: LocalRuntime, lambda: SimulatedLambda, appSpec: LambdaAppSpec): void {
    this.observeExecution(runtime);
    const { alias, currentVersion, targetVersion } = appSpec;
    lambda.subscribe((change) => {
      const weight = weightOf(change.routing, targetVersion);
      this.weights.push({ atSeconds: this.seconds(), targetVersionWeight: weight });
      // Only the rollback puts the alias back on CurrentVersion with no routing.
      const restored =
        change.routing.functionVersion === currentVersion &&
        Object.keys(change.routing.additionalVersionWeights).length === 0;
      const detail = `${alias}: ${Math.round(weight * 100)}% -> version ${targetVersion}`;
      if (restored) this.note('Rollback', `${detail} (back on version ${currentVersion})`);
      else this.note('ShiftTraffic', detail);
    });
  }

  /**
   * Follows an ECS deployment's listeners: every production change is a weight (the replacement's
   * share), every test change a timeline line; a change back to the original is the rollback's.
   */
  observeListeners(
    listeners: SimulatedListeners,
    route: { production: string; test?: string; original: string; replacement: string },
  ): void {
    listeners.subscribe((change) => {
      const total = change.targets.reduce((sum, t) => sum + t.weight, 0);
      const share =
        total === 0
          ? 0
          : change.targets
              .filter((t) => t.targetGroup === route.replacement)
              .reduce((sum, t) => sum + t.weight, 0) / total;
      const role = change.listenerArn === route.production ? 'production' : 'test';
      const detail = `${role} listener: ${Math.round(share * 100)}% -> ${route.replacement}`;
      const back = share === 0 ? ` (back on ${route.original})` : '';
      if (role === 'production') this.weights.push({ atSeconds: this.seconds(), targetVersionWeight: share });
      const state = share === 0 ? 'Rollback' : role === 'production' ? 'ShiftTraffic' : 'AllowTestTraffic';
      this.note(state, `${detail}${back}`);
    });
  }
}

function asRecord(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value))
    : {};
}

/** What a state is about to do, read from its input (the whole state: Prepare's plan, the loop's position). */
function enteredDetail(event: EngineEvent): string {
  const input = asRecord(event.input);
  const steps = asRecord(input['deployment'])['trafficSteps'];
  const traffic = asRecord(input['traffic']);
  if (event.stateName === 'ShiftTraffic' && Array.isArray(steps) && typeof traffic['nextStep'] === 'number') {
    const step = asRecord(steps[traffic['nextStep']]);
    return `entered: step ${traffic['nextStep'] + 1}/${steps.length}, shift to ${String(step['weightPercent'])}%`;
  }
  if (event.stateName === 'Bake' && typeof traffic['bakeSeconds'] === 'number') {
    return `entered: bake ${traffic['bakeSeconds']} s`;
  }
  return 'entered';
}
