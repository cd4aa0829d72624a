/**
 * The shape of an entry in the API's operation table: a handler typed with the operation's input and
 * output shapes from CodeDeploy's model, and how its callers are authenticated.
 */
import type { CodeDeployOperations } from '../domain/codedeploy-shapes.js';

export type OperationName = keyof CodeDeployOperations;
export type OperationInput<Op extends OperationName> = CodeDeployOperations[Op]['input'];
export type OperationOutput<Op extends OperationName> = CodeDeployOperations[Op]['output'];

/**
 * `signature`: the caller must sign with the server's key (locally) or IAM (in AWS).
 * `hook-execution-id`: the unguessable hook execution id in the body is the capability, as with
 * CodeDeploy: a hook function signs with its own role's credentials, which stepdeploy does not know.
 */
export type OperationAuth = 'signature' | 'hook-execution-id';

export interface OperationEntry<Deps> {
  auth: OperationAuth;
  /** Required members an existing stepdeploy caller omits (kept working, see the entry). */
  optionalMembers?: readonly string[];
  handler(input: never, deps: Deps): Promise<unknown>;
}

/** A table entry whose handler is checked against the operation's modelled input and output. */
export function operation<Op extends OperationName, Deps>(
  _name: Op,
  handler: (input: OperationInput<Op>, deps: Deps) => Promise<OperationOutput<Op>>,
  options: { auth?: OperationAuth; optionalMembers?: readonly string[] } = {},
): OperationEntry<Deps> {
  return {
    auth: options.auth ?? 'signature',
    ...(options.optionalMembers ? { optionalMembers: options.optionalMembers } : {}),
    handler: handler as (input: never, deps: Deps) => Promise<unknown>,
  };
}
