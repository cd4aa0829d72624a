import type { AwsPortName } from '../functions/adapters/aws/iam-actions.js';
import type { FlowStepName } from '../functions/flows/registry.js';
import { lambdaFunctions, type EventFunctionName } from '../functions/handlers/wiring/functions.js';

/** One Lambda function of the stack: its construct id (also `${<name>FunctionArn}` in the ASL). */
export interface HandlerSpec {
  name: HandlerName;
  /** The entry file under functions/handlers/, without its extension. */
  file: string;
  /** The AWS ports its step uses, as the step declares them; its IAM policy follows from them. */
  ports: readonly AwsPortName[];
  memoryMiB: number;
  /** The function's timeout: what its step declares for its work, 60 s otherwise. */
  timeoutSeconds: number;
  /** /tmp beyond Lambda's default 512 MiB, when the step spools there. */
  ephemeralStorageMiB?: number;
}

export type HandlerName = FlowStepName | EventFunctionName;

/** A function that only calls AWS APIs needs little memory; Prepare reads revisions and asks for more. */
const DEFAULT_MEMORY_MIB = 256;
/** A step of a few AWS calls; steps whose work grows with a batch declare more (up to Lambda's 900 s). */
const DEFAULT_TIMEOUT_SECONDS = 60;

/**
 * Every Lambda function, from the flow registry (its steps) and the event targets. Read from the
 * step declarations, not re-typed, so that a step that starts using a port changes its function's
 * policy; test/handlers checks every entry file matches this list.
 */
export const HANDLERS: readonly HandlerSpec[] = lambdaFunctions().map(({ spec, file }) => ({
  // The registry's and the event list's names are exactly HandlerName.
  name: spec.name as HandlerName,
  file,
  ports: spec.ports,
  memoryMiB: spec.memoryMiB ?? DEFAULT_MEMORY_MIB,
  timeoutSeconds: spec.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
  ...(spec.ephemeralStorageMiB ? { ephemeralStorageMiB: spec.ephemeralStorageMiB } : {}),
}));
