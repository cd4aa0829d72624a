import { ECS_HOOKABLE_EVENTS, LAMBDA_HOOKABLE_EVENTS, SERVER_LIFECYCLE_EVENTS } from '../lifecycle.js';
import { validateEcsAppSpec } from './ecs.js';
import type { AppSpecIssue, Platform } from './issues.js';
import { validateLambdaAppSpec } from './lambda.js';
import type { AppSpec, EcsAppSpec, FunctionHook, LambdaAppSpec, ServerAppSpec } from './model.js';
import { validateServerAppSpec } from './server.js';
import { parseAppSpecSource } from './source.js';

export type { AppSpecIssue, Platform } from './issues.js';
export type * from './model.js';

export interface AppSpecVerdict {
  valid: boolean;
  platform: Platform;
  errors: AppSpecIssue[];
  warnings: AppSpecIssue[];
  /** What the AppSpec will do, present when it is valid. */
  summary: AppSpecSummary | Record<string, never>;
  appSpec?: AppSpec;
}

export type AppSpecSummary = ServerSummary | ResourceSummary;

export interface ServerSummary {
  os: string;
  fileExistsBehavior: string;
  files: Array<{ source: string; destination: string }>;
  permissions: number;
  /** Hooks in the order an in-place deployment runs them (with a load balancer). */
  hooks: Array<{ event: string; scripts: Array<{ location: string; timeout: number; runas?: string }> }>;
}

export interface ResourceSummary {
  resource: Record<string, unknown>;
  /** Hook functions in the order the deployment invokes them. */
  hooks: FunctionHook[];
}

/**
 * Validates AppSpec text for a platform, or for the platform it looks like: a `Resources` section
 * means Lambda or ECS (by the resource's Type), anything else is read as a Server AppSpec.
 */
export function validateAppSpec(text: string, options: { platform?: Platform } = {}): AppSpecVerdict {
  const source = parseAppSpecSource(text);
  const platform = options.platform ?? detectPlatform(source.value);
  if (source.errors.length > 0) {
    return { valid: false, platform, errors: source.errors, warnings: [], summary: {} };
  }
  const result =
    platform === 'server'
      ? validateServerAppSpec(source)
      : platform === 'lambda'
        ? validateLambdaAppSpec(source)
        : validateEcsAppSpec(source);
  const { errors, warnings, appSpec } = result;
  const valid = errors.length === 0 && appSpec !== undefined;
  return {
    valid,
    platform,
    errors,
    warnings,
    summary: valid ? summarize(appSpec) : {},
    ...(valid ? { appSpec } : {}),
  };
}

export function detectPlatform(value: unknown): Platform {
  if (!isObject(value)) return 'server';
  const key = (name: string) => Object.keys(value).find((k) => k.toLowerCase() === name);
  if (key('os') !== undefined || key('files') !== undefined) return 'server';
  const resourcesKey = key('resources');
  if (resourcesKey === undefined) return 'server';
  const text = JSON.stringify(value[resourcesKey] ?? '').toLowerCase();
  if (text.includes('aws::lambda::')) return 'lambda';
  if (text.includes('aws::ecs::') || text.includes('taskdefinition')) return 'ecs';
  return 'lambda';
}

function summarize(appSpec: AppSpec): AppSpecSummary {
  switch (appSpec.platform) {
    case 'server':
      return summarizeServer(appSpec);
    case 'lambda':
      return summarizeLambda(appSpec);
    case 'ecs':
      return summarizeEcs(appSpec);
  }
}

function summarizeServer(appSpec: ServerAppSpec): ServerSummary {
  const hooks = SERVER_LIFECYCLE_EVENTS.filter((event) => (appSpec.hooks[event]?.length ?? 0) > 0).map(
    (event) => ({
      event,
      scripts: (appSpec.hooks[event] ?? []).map(({ location, timeout, runas }) => ({
        location,
        timeout,
        ...(runas ? { runas } : {}),
      })),
    }),
  );
  return {
    os: appSpec.os,
    fileExistsBehavior: appSpec.fileExistsBehavior ?? 'DISALLOW (unless the deployment overrides it)',
    files: appSpec.files,
    permissions: appSpec.permissions.length,
    hooks,
  };
}

function inOrder(hooks: FunctionHook[], order: readonly string[]): FunctionHook[] {
  return [...hooks].sort((a, b) => order.indexOf(a.event) - order.indexOf(b.event));
}

function summarizeLambda(appSpec: LambdaAppSpec): ResourceSummary {
  return {
    resource: {
      name: appSpec.resourceName,
      type: 'AWS::Lambda::Function',
      functionName: appSpec.functionName,
      alias: appSpec.alias,
      currentVersion: appSpec.currentVersion,
      targetVersion: appSpec.targetVersion,
    },
    hooks: inOrder(appSpec.hooks, LAMBDA_HOOKABLE_EVENTS),
  };
}

function summarizeEcs(appSpec: EcsAppSpec): ResourceSummary {
  return {
    resource: {
      name: appSpec.resourceName,
      type: 'AWS::ECS::Service',
      taskDefinition: appSpec.taskDefinition,
      containerName: appSpec.containerName,
      containerPort: appSpec.containerPort,
      ...(appSpec.platformVersion ? { platformVersion: appSpec.platformVersion } : {}),
      ...(appSpec.networkConfiguration ? { networkConfiguration: appSpec.networkConfiguration } : {}),
      ...(appSpec.capacityProviderStrategy
        ? { capacityProviderStrategy: appSpec.capacityProviderStrategy }
        : {}),
    },
    hooks: inOrder(appSpec.hooks, ECS_HOOKABLE_EVENTS),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
