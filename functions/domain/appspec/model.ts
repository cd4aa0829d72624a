/**
 * The validated AppSpec of each compute platform: what the rest of stepdeploy reads once validation
 * has passed. Field names follow CodeDeploy's AppSpec keys.
 */

export type FileExistsBehavior = 'DISALLOW' | 'OVERWRITE' | 'RETAIN';

export interface ServerFileSpec {
  source: string;
  destination: string;
}

export interface ServerHookScript {
  location: string;
  /** Seconds; 3600 when the AppSpec leaves it out. */
  timeout: number;
  runas?: string;
  sudo: boolean;
}

export interface SelinuxContext {
  /** The agent reads the SELinux user from `name` (the docs' `user` key is ignored). */
  name?: string;
  type: string;
  range?: string;
}

export interface ServerPermissionSpec {
  object: string;
  /** `**` matches every descendant; any other value is a simple glob on immediate children. */
  pattern: string;
  except: string[];
  owner?: string;
  group?: string;
  /** Normalised as the agent does: left-padded with 0 to at least 3 octal digits. */
  mode?: string;
  acls?: string[];
  context?: SelinuxContext;
  /** Which kinds of path the entry applies to; both when the AppSpec leaves it out. */
  type: Array<'file' | 'directory'>;
}

export interface ServerAppSpec {
  platform: 'server';
  version: number;
  os: 'linux' | 'windows';
  files: ServerFileSpec[];
  fileExistsBehavior?: FileExistsBehavior;
  permissions: ServerPermissionSpec[];
  /** Lifecycle event name -> scripts in file order. Events with a null value are left out. */
  hooks: Record<string, ServerHookScript[]>;
}

/** One entry of the `Hooks` list of a Lambda or ECS AppSpec. */
export interface FunctionHook {
  event: string;
  functionName: string;
}

export interface LambdaAppSpec {
  platform: 'lambda';
  version: number;
  /** The logical name of the single resource, e.g. `myLambdaFunction`. */
  resourceName: string;
  functionName: string;
  alias: string;
  /** Positive integers as strings, as Lambda names versions. */
  currentVersion: string;
  targetVersion: string;
  hooks: FunctionHook[];
}

export interface EcsNetworkConfiguration {
  subnets: string[];
  securityGroups: string[];
  assignPublicIp: 'ENABLED' | 'DISABLED';
}

export interface EcsCapacityProvider {
  capacityProvider: string;
  base: number;
  weight: number;
}

export interface EcsAppSpec {
  platform: 'ecs';
  version: number;
  resourceName: string;
  taskDefinition: string;
  containerName: string;
  containerPort: number;
  platformVersion?: string;
  networkConfiguration?: EcsNetworkConfiguration;
  capacityProviderStrategy?: EcsCapacityProvider[];
  hooks: FunctionHook[];
}

export type AppSpec = ServerAppSpec | LambdaAppSpec | EcsAppSpec;
