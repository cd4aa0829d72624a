import { CHILD_HISTORY_BUDGET } from '../domain/server-batch-history.js';
import { validateAppSpec, type AppSpecVerdict, type Platform } from '../domain/appspec/index.js';
import type { ClockPort, RandomPort } from '../ports/clock.js';
import type { PortName, Ports } from '../ports/ports.js';

export type { PortName };

/** Tunables that differ between AWS and the embedded runtime. */
export interface StepSettings {
  /** Seconds between target-health polls while draining or registering (ELBv2 reports slowly). */
  trafficPollSeconds: number;
  /** How long an instance may take to drain or turn healthy before its event fails. */
  trafficTimeoutSeconds: number;
  /**
   * A lifecycle event's wait for its commands ends at least this often to poll them, so a completion
   * event that never arrives (EventBridge delivers at least once, not always) costs minutes, not the
   * event's hour.
   */
  eventPollSeconds: number;
  /** A Server deployment's child execution starts no batch that might take its history past this. */
  childHistoryBudget: number;
  /**
   * The group lock's lease beyond the next wait its holder knows of: a deployment whose end was never
   * recorded holds its group at most this long after its last step ran.
   */
  lockLeaseSeconds: number;
  /** Where instances keep CodeDeploy's deployment-root layout. */
  deploymentRoot?: string;
  /** Cap of each deployment's scripts.log on an instance (newest lines kept); default 16 MiB. */
  scriptsLogMaxBytes?: number;
  /**
   * Hook functions stepdeploy may invoke must start with this (CodeDeploy's role allows
   * `CodeDeployHook_*`); the stack grants lambda:InvokeFunction on the same prefix only.
   */
  hookFunctionPrefix?: string;
}

export const DEFAULT_SETTINGS: StepSettings = {
  trafficPollSeconds: 15,
  trafficTimeoutSeconds: 3600,
  eventPollSeconds: 600,
  childHistoryBudget: CHILD_HISTORY_BUDGET,
  lockLeaseSeconds: 3600,
};

/**
 * Validates AppSpec text: CPU work that grows with the document. A Lambda function has its own
 * process for it; the embedded runtime runs it on a worker thread, off the event loop that serves the
 * API (local/threads/validation-thread.ts).
 */
export interface AppSpecValidator {
  validate(text: string, options?: { platform?: Platform }): Promise<AppSpecVerdict>;
}

/** Validation on the caller's thread: the default, and what a Lambda function does. */
export const IN_PROCESS_APPSPEC_VALIDATOR: AppSpecValidator = {
  validate: async (text, options) => validateAppSpec(text, options),
};

/** What every step may have besides ports: none of it talks to anything outside the function. */
export interface LocalDeps {
  clock: ClockPort;
  random: RandomPort;
  settings: StepSettings;
  /** Where Prepare validates AppSpecs; on the step's own thread when absent. */
  appSpecs?: AppSpecValidator;
}

/** Everything a step may need; each step takes only what it uses (`Pick<StepDeps, ...>`). */
export interface StepDeps extends Ports, LocalDeps {}

/**
 * One Task of a state machine (or one event target) as every runtime sees it: its name, which is
 * `${<Name>FunctionArn}` in the ASL, the Lambda function's construct id and, in kebab case, its files
 * (`steps/<name>.ts`, `handlers/<name>.ts`); the ports it uses, which is what its function is granted;
 * and the step itself, which a runtime binds to those ports.
 */
export interface StepSpec<Name extends string, D, I, O> {
  readonly name: Name;
  /** Exactly the ports the step's deps name (checked by `defineStep`). */
  readonly ports: readonly PortName[];
  readonly bind: (deps: D) => (input: I) => Promise<O>;
  /** Lambda memory; the default (256 MiB) suits a step that only calls AWS APIs. */
  readonly memoryMiB?: number;
  /**
   * Lambda timeout: the longest this step's work may take (a batch of 10,000 instances is 200 SSM
   * commands and 400 BatchWriteItem calls per event); the default (60 s) suits a step of a few calls.
   */
  readonly timeoutSeconds?: number;
  /** Lambda's /tmp, when the step spools more than its default 512 MiB there (a zip bundle is). */
  readonly ephemeralStorageMiB?: number;
}

/**
 * Any step, as a runtime binds it: with the ports it declared (AWS) or every port (embedded), to
 * whatever input its state passes.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a runtime binds steps of every shape
export type AnyStepSpec = StepSpec<string, any, any, unknown>;

type PortCheck<D, T extends readonly PortName[]> = [Exclude<Extract<keyof D, PortName>, T[number]>] extends [
  never,
]
  ? unknown
  : { missingPorts: Exclude<Extract<keyof D, PortName>, T[number]> };

/**
 * Declares a step with the ports it uses, checked at compile time against the step's own deps type:
 * `defineStep('Finish', finish)(['deployments', 'groupLocks', ...])`. A port the step does not use is
 * not assignable to the list; a port it uses and the list lacks leaves `missingPorts` unsatisfied
 * (the error names it). So the IAM actions granted from the list are exactly what the step calls.
 */
export function defineStep<const Name extends string, D, I, O>(
  name: Name,
  step: (deps: D) => (input: I) => Promise<O>,
  options: { memoryMiB?: number; timeoutSeconds?: number; ephemeralStorageMiB?: number } = {},
) {
  return <const T extends readonly Extract<keyof D, PortName>[]>(
    ports: T & PortCheck<D, T>,
  ): StepSpec<Name, D, I, O> => ({ name, ports, bind: step, ...options });
}
