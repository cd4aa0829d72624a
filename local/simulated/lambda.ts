/**
 * A simulated Lambda service: functions, published versions, weighted aliases and asynchronously
 * invoked hook functions. It keeps the rules of the real service (the steps must not be able to do
 * here what AWS would refuse), fails like the AWS adapters do, and records what happened so that
 * tests and `stepdeploy simulate` can show the traffic shifts and hook calls.
 */
import type { HookInvocationPayload, HookInvokerPort } from '../../functions/ports/hook-invoker.js';
import type { AliasRouting, LambdaAliasPort } from '../../functions/ports/lambda-alias.js';
import {
  conflictError,
  invalidParameter,
  notFoundError,
  throttlingError,
  type SimulatedCall,
} from './errors.js';
import { FaultCounter } from './faults.js';
import {
  BusyGate,
  functionError,
  type FunctionError,
  type HookContext,
  type HookHandler,
} from './lambda-hooks.js';
import {
  aliasNameViolation,
  functionNameViolation,
  isPublishedVersionSyntax,
  LATEST,
  routingViolation,
  type RuleViolation,
} from './lambda-rules.js';
import type { SimulationTimers } from './timers.js';

export { answeringHook } from './lambda-hooks.js';
export type { FunctionError, HookAnswer, HookContext, HookHandler, PutHookStatus } from './lambda-hooks.js';

/** One successful UpdateAlias. */
export interface RoutingChange {
  at: Date;
  functionName: string;
  alias: string;
  routing: AliasRouting;
}

export type RoutingChangeListener = (change: RoutingChange) => void;

/** One accepted asynchronous invocation; `error` is set once the handler has thrown. */
export interface HookInvocation {
  functionName: string;
  payload: HookInvocationPayload;
  at: Date;
  error?: FunctionError;
}

/** The calls fault injection can throttle. */
export type SimulatedLambdaOperation = 'getAlias' | 'updateAlias' | 'versionExists' | 'invokeHook';

export interface SimulatedLambdaOptions {
  /** Only used to build ARNs in messages. */
  region?: string;
  accountId?: string;
  /**
   * Where an error thrown by a `subscribe` listener goes. Like a failing EventBridge target it never
   * fails the API call that caused the event; by default it is logged.
   */
  onListenerError?: (error: unknown) => void;
}

interface SimulatedFunction {
  name: string;
  /** Versions are 1..lastVersion; 0 means only `$LATEST` exists. */
  lastVersion: number;
  aliases: Map<string, AliasRouting>;
  handler?: HookHandler;
}

function copyRouting(routing: AliasRouting): AliasRouting {
  return {
    functionVersion: routing.functionVersion,
    additionalVersionWeights: { ...routing.additionalVersionWeights },
  };
}

function copyChange(change: RoutingChange): RoutingChange {
  return { ...change, at: new Date(change.at), routing: copyRouting(change.routing) };
}

export class SimulatedLambda implements LambdaAliasPort, HookInvokerPort {
  private readonly functions = new Map<string, SimulatedFunction>();
  private readonly faults = new FaultCounter<SimulatedLambdaOperation>();
  private readonly changes: RoutingChange[] = [];
  private readonly listeners = new Set<RoutingChangeListener>();
  private readonly calls: HookInvocation[] = [];
  private readonly region: string;
  private readonly accountId: string;
  private readonly onListenerError: (error: unknown) => void;

  constructor(
    private readonly timers: SimulationTimers,
    options: SimulatedLambdaOptions = {},
  ) {
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '123456789012';
    this.onListenerError =
      options.onListenerError ??
      ((error) => console.error('simulated Lambda: a routing listener failed:', error));
  }

  // --- Set-up, as a deployment pipeline would do it before CodeDeploy runs -----------------------

  createFunction(name: string): void {
    const call: SimulatedCall = { service: 'lambda', operation: 'CreateFunction', resource: name };
    this.reject(call, functionNameViolation(name));
    if (this.functions.has(name)) throw conflictError(call, `Function already exist: ${name}`);
    this.functions.set(name, { name, lastVersion: 0, aliases: new Map() });
  }

  /** Publishes the next version, '1', '2', ... (the simulator has no code, so every call publishes). */
  publishVersion(name: string): string {
    const fn = this.requireFunction({ service: 'lambda', operation: 'PublishVersion', resource: name }, name);
    fn.lastVersion += 1;
    return String(fn.lastVersion);
  }

  /** Creates an alias on `version` (`$LATEST` allowed without routing), optionally already weighted. */
  createAlias(
    name: string,
    alias: string,
    version: string,
    additionalVersionWeights: Record<string, number> = {},
  ): void {
    const call: SimulatedCall = { service: 'lambda', operation: 'CreateAlias', resource: name };
    const fn = this.requireFunction(call, name);
    this.reject(call, aliasNameViolation(alias));
    if (fn.aliases.has(alias)) throw conflictError(call, `Alias already exists: ${this.arn(name, alias)}`);
    const routing = copyRouting({ functionVersion: version, additionalVersionWeights });
    this.checkRouting(call, fn, routing);
    fn.aliases.set(alias, routing);
  }

  /** Gives the function code: the handler runs for each invocation. Replaces an earlier handler. */
  registerHook(functionName: string, handler: HookHandler): void {
    const call: SimulatedCall = {
      service: 'lambda',
      operation: 'UpdateFunctionCode',
      resource: functionName,
    };
    this.requireFunction(call, functionName).handler = handler;
  }

  // --- Fault injection and observation ----------------------------------------------------------

  /** The next `times` calls of `operation` fail with ThrottlingError and change nothing. */
  throttleNext(operation: SimulatedLambdaOperation, times: number): void {
    this.faults.arm(operation, times);
  }

  routingChanges(): RoutingChange[] {
    return this.changes.map(copyChange);
  }

  /** Calls `listener` after each successful UpdateAlias; returns the unsubscribe function. */
  subscribe(listener: RoutingChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  invocations(): HookInvocation[] {
    return this.calls.map((call) => ({
      ...call,
      payload: { ...call.payload },
      at: new Date(call.at),
      ...(call.error ? { error: { ...call.error } } : {}),
    }));
  }

  // --- LambdaAliasPort ----------------------------------------------------------------------------

  async getAlias(functionName: string, alias: string): Promise<AliasRouting> {
    const call: SimulatedCall = { service: 'lambda', operation: 'GetAlias', resource: functionName };
    this.throttle('getAlias', call);
    const fn = this.requireFunction(call, functionName);
    return copyRouting(this.requireAlias(call, fn, alias));
  }

  async updateAlias(functionName: string, alias: string, routing: AliasRouting): Promise<void> {
    const call: SimulatedCall = { service: 'lambda', operation: 'UpdateAlias', resource: functionName };
    this.throttle('updateAlias', call);
    const fn = this.requireFunction(call, functionName);
    this.requireAlias(call, fn, alias);
    // Copied before checking, so a caller mutating its object later cannot change the alias.
    const next = copyRouting(routing);
    this.checkRouting(call, fn, next);
    fn.aliases.set(alias, next);
    const change: RoutingChange = { at: this.timers.now(), functionName, alias, routing: copyRouting(next) };
    this.changes.push(change);
    for (const listener of [...this.listeners]) {
      try {
        listener(copyChange(change));
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }

  /** `$LATEST` is not a published version, so it is false here even though it always exists. */
  async versionExists(functionName: string, version: string): Promise<boolean> {
    const call: SimulatedCall = { service: 'lambda', operation: 'GetFunction', resource: functionName };
    this.throttle('versionExists', call);
    return this.isPublished(this.requireFunction(call, functionName), version);
  }

  // --- HookInvokerPort ----------------------------------------------------------------------------

  /**
   * InvocationType Event: resolves once the invocation is accepted; the handler runs later, in the
   * background, and its failure is recorded on the invocation, never thrown to the caller. A function
   * without a handler accepts the invocation and does nothing (a hook that never answers).
   */
  async invokeHook(functionName: string, payload: HookInvocationPayload): Promise<void> {
    const call: SimulatedCall = { service: 'lambda', operation: 'Invoke', resource: functionName };
    this.throttle('invokeHook', call);
    const fn = this.requireFunction(call, functionName);
    const invocation: HookInvocation = { functionName, payload: { ...payload }, at: this.timers.now() };
    this.calls.push(invocation);
    if (fn.handler) this.runInBackground(fn.name, fn.handler, invocation);
  }

  private runInBackground(functionName: string, handler: HookHandler, invocation: HookInvocation): void {
    const gate = new BusyGate(this.timers);
    const context: HookContext = { functionName, timers: this.timers, sleep: (ms) => gate.sleep(ms) };
    gate.open();
    // setImmediate, not a microtask: the caller resumes from invokeHook before the handler starts, as
    // with a real asynchronous invocation. It is an event-loop turn, not simulation time.
    void new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => handler({ ...invocation.payload }, context))
      .then(
        () => undefined,
        (error: unknown) => {
          invocation.error = functionError(error);
        },
      )
      .finally(() => gate.finish());
  }

  // --- Rules --------------------------------------------------------------------------------------

  private throttle(operation: SimulatedLambdaOperation, call: SimulatedCall): void {
    if (this.faults.take(operation)) throw throttlingError(call);
  }

  private reject(call: SimulatedCall, violation: RuleViolation | undefined): void {
    if (violation) throw invalidParameter(call, violation.code, violation.message);
  }

  private arn(functionName: string, qualifier?: string): string {
    const base = `arn:aws:lambda:${this.region}:${this.accountId}:function:${functionName}`;
    return qualifier === undefined ? base : `${base}:${qualifier}`;
  }

  private requireFunction(call: SimulatedCall, name: string): SimulatedFunction {
    const fn = this.functions.get(name);
    if (!fn) throw notFoundError(call, `Function not found: ${this.arn(name)}`);
    return fn;
  }

  private requireAlias(call: SimulatedCall, fn: SimulatedFunction, alias: string): AliasRouting {
    const routing = fn.aliases.get(alias);
    if (!routing) throw notFoundError(call, `Cannot find alias arn: ${this.arn(fn.name, alias)}`);
    return routing;
  }

  private isPublished(fn: SimulatedFunction, version: string): boolean {
    if (!isPublishedVersionSyntax(version)) return false;
    const number = Number(version);
    // '01' is not how Lambda names version 1.
    return String(number) === version && number >= 1 && number <= fn.lastVersion;
  }

  /** Lambda's rules first (they need no lookup), then every version named must exist. */
  private checkRouting(call: SimulatedCall, fn: SimulatedFunction, routing: AliasRouting): void {
    this.reject(call, routingViolation(routing));
    const versions = [routing.functionVersion, ...Object.keys(routing.additionalVersionWeights)];
    for (const version of versions) {
      if (version !== LATEST && !this.isPublished(fn, version)) {
        throw notFoundError(call, `Function not found: ${this.arn(fn.name, version)}`);
      }
    }
  }
}
