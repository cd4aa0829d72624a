/**
 * Validates an ECS AppSpec (reference §1.4): `version`, one `AWS::ECS::Service` resource (task
 * definition, the container and port behind the load balancer, optional platform version, awsvpc network
 * settings and capacity provider strategy) and optional hook functions.
 */
import type { AppSpecIssue } from './issues.js';
import type { EcsAppSpec, EcsCapacityProvider, EcsNetworkConfiguration } from './model.js';
import {
  checkVersion,
  createFindings,
  describe,
  isPlainObject,
  keyPath,
  looksLikePlaceholder,
  readFunctionHooks,
  readKeys,
  readRoot,
  readSingleResource,
  requiredText,
  textOf,
  Warning,
  warnPlaceholder,
  type Field,
  type Findings,
  type Path,
  type PlainObject,
  type ResourceKind,
} from './resource-spec.js';
import type { AppSpecSource } from './source.js';
import { ECS_HOOKABLE_EVENTS } from '../lifecycle.js';

const ECS: ResourceKind = {
  platform: 'ECS',
  type: 'AWS::ECS::Service',
  example: 'TargetService',
  events: ECS_HOOKABLE_EVENTS,
};

export interface EcsValidation {
  errors: AppSpecIssue[];
  warnings: AppSpecIssue[];
  /** Present when there are no errors. */
  appSpec?: EcsAppSpec;
}

export function validateEcsAppSpec(source: AppSpecSource): EcsValidation {
  if (source.errors.length > 0) return { errors: [...source.errors], warnings: [] };
  const f = createFindings(source);
  const root = readRoot(f, source.value);
  if (root === undefined) return { errors: f.errors, warnings: f.warnings };
  const top = readKeys(f, root, ['version', 'Resources', 'Hooks'], [], 'at the top level');
  const version = checkVersion(f, top.version);
  const resource = readSingleResource(f, top.Resources, ECS);
  const properties = resource?.properties && readProperties(f, resource.properties, resource.propertiesPath);
  const hooks = readFunctionHooks(f, top.Hooks, ECS);
  if (f.errors.length > 0 || version === undefined || resource === undefined || !properties) {
    return { errors: f.errors, warnings: f.warnings };
  }
  const appSpec: EcsAppSpec = { platform: 'ecs', version, resourceName: resource.name, ...properties, hooks };
  return { errors: [], warnings: f.warnings, appSpec };
}

type EcsProperties = Omit<EcsAppSpec, 'platform' | 'version' | 'resourceName' | 'hooks'>;
const PROPERTIES = [
  'TaskDefinition',
  'LoadBalancerInfo',
  'PlatformVersion',
  'NetworkConfiguration',
  'CapacityProviderStrategy',
] as const;

function readProperties(f: Findings, properties: PlainObject, path: Path): EcsProperties | undefined {
  const found = readKeys(f, properties, PROPERTIES, path, 'in Properties');
  const taskDefinition = readTaskDefinition(
    f,
    found.TaskDefinition,
    keyPath(path, found.TaskDefinition, 'TaskDefinition'),
  );
  const target = readLoadBalancerInfo(
    f,
    found.LoadBalancerInfo,
    keyPath(path, found.LoadBalancerInfo, 'LoadBalancerInfo'),
  );
  const platformVersion = readPlatformVersion(f, found.PlatformVersion, path);
  const network = optionalValue(f, found.NetworkConfiguration, path, isPlainObject, 'a map');
  const networkConfiguration = network && readNetwork(f, network.value, network.path);
  const strategy = optionalValue(f, found.CapacityProviderStrategy, path, Array.isArray, 'a list');
  const capacityProviderStrategy = strategy && readStrategy(f, strategy.value, strategy.path);
  if (taskDefinition === undefined || target === undefined) return undefined;
  return {
    taskDefinition,
    ...target,
    ...(platformVersion !== undefined && { platformVersion }),
    ...(networkConfiguration && { networkConfiguration }),
    ...(capacityProviderStrategy && { capacityProviderStrategy }),
  };
}

/** An optional property: absent -> undefined; null -> warning, treated as absent; wrong shape -> error. */
function optionalValue<T>(
  f: Findings,
  field: Field | undefined,
  base: Path,
  is: (value: unknown) => value is T,
  shape: string,
): { value: T; path: Path } | undefined {
  if (field === undefined) return undefined;
  const path = [...base, field.key];
  if (field.value === null) {
    f.warn(
      Warning.NULL_VALUE,
      `${field.key} is empty (null) and is ignored; remove it or give it a value.`,
      path,
    );
  } else if (!is(field.value)) {
    f.error(`${field.key} must be ${shape}; found ${describe(field.value)}.`, path);
  } else return { value: field.value, path };
  return undefined;
}

const TASK_DEFINITION_ARN =
  /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/[A-Za-z0-9_-]{1,255}(:[1-9]\d*)?$/;
const TASK_DEFINITION_FAMILY = /^[A-Za-z0-9_-]{1,255}(:[1-9]\d*)?$/;

function readTaskDefinition(f: Findings, field: Field | undefined, path: Path): string | undefined {
  const empty =
    'TaskDefinition must not be empty (ECS TaskDefinition): set it to the ARN of the task definition to deploy.';
  const text = requiredText(f, field, path, empty);
  if (text === undefined || warnPlaceholder(f, text, path)) return text;
  if (TASK_DEFINITION_ARN.test(text) || TASK_DEFINITION_FAMILY.test(text)) return text;
  const [, , service = '', , , resource = ''] = text.split(':');
  let why = 'is not a task definition ARN or family[:revision]';
  if (text.includes('*')) why = 'contains a wildcard, but a deployment needs one task definition';
  else if (text.startsWith('arn:') && (service !== 'ecs' || !resource.startsWith('task-definition/'))) {
    why = `is an ARN of ${service === 'ecs' ? 'another ECS resource' : `service "${service}"`}, not of an ECS task definition`;
  } else if (/:[^:/]*$/.test(text)) why = 'has a revision that is not a number';
  f.warn(
    Warning.INVALID_TASK_DEFINITION,
    `TaskDefinition ${JSON.stringify(text)} ${why}; use arn:aws:ecs:REGION:ACCOUNT:task-definition/FAMILY:REVISION.`,
    path,
  );
  return text;
}

function readLoadBalancerInfo(f: Findings, field: Field | undefined, path: Path) {
  const info = field?.value;
  if (!isPlainObject(info)) {
    const found = info === undefined ? 'is required' : `must be a map; found ${describe(info)}`;
    f.error(
      `LoadBalancerInfo ${found}: give the ContainerName and ContainerPort that receive the traffic.`,
      path,
    );
    return undefined;
  }
  const found = readKeys(f, info, ['ContainerName', 'ContainerPort'], path, 'in LoadBalancerInfo');
  const namePath = keyPath(path, found.ContainerName, 'ContainerName');
  const containerName = requiredText(
    f,
    found.ContainerName,
    namePath,
    'ContainerName must not be empty: set it to the name of the container in the task definition that receives traffic.',
  );
  if (containerName !== undefined && !warnPlaceholder(f, containerName, namePath)) {
    if (!/^[A-Za-z0-9_-]{1,255}$/.test(containerName)) {
      f.warn(
        Warning.INVALID_CONTAINER_NAME,
        `ContainerName ${JSON.stringify(containerName)} is not a valid container name (up to 255 letters, numbers, hyphens and underscores); it must name a container in the task definition.`,
        namePath,
      );
    }
  }
  const containerPort = readPort(f, found.ContainerPort, keyPath(path, found.ContainerPort, 'ContainerPort'));
  if (containerName === undefined || containerPort === undefined) return undefined;
  return { containerName, containerPort };
}

function readPort(f: Findings, field: Field | undefined, path: Path): number | undefined {
  const value = field?.value;
  if (value === undefined || value === null) {
    f.error(
      'ContainerPort is required: set it to the container port (a number, e.g. 80) that receives traffic.',
      path,
    );
  } else if (typeof value === 'string' && /^\s*\d+\s*$/.test(value)) {
    f.error(
      `ContainerPort must be a number, not a string: write ContainerPort: ${value.trim()} without quotes.`,
      path,
    );
  } else if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 65535) {
    const why =
      typeof value === 'string' && looksLikePlaceholder(value)
        ? ', which looks like an unfilled template placeholder'
        : '';
    f.error(`ContainerPort must be a whole number from 1 to 65535; found ${describe(value)}${why}.`, path);
  } else {
    if (value === 0) {
      f.warn(
        Warning.CONTAINER_PORT_ZERO,
        'ContainerPort is 0. Please check this was on purpose: traffic goes to this port.',
        path,
      );
    }
    return value;
  }
  return undefined;
}

const isAnything = (_value: unknown): _value is unknown => true;

function readPlatformVersion(f: Findings, field: Field | undefined, base: Path): string | undefined {
  const present = optionalValue(f, field, base, isAnything, 'a string');
  if (present === undefined) return undefined;
  const empty = 'PlatformVersion must not be empty: remove it to use LATEST, or set a platform version.';
  const text = requiredText(f, field, present.path, empty);
  if (text !== undefined) warnPlaceholder(f, text, present.path);
  return text;
}

const AWSVPC = ['AwsvpcConfiguration'] as const;
const AWSVPC_SETTINGS = ['Subnets', 'SecurityGroups', 'AssignPublicIp'] as const;
const PROVIDER_SETTINGS = ['CapacityProvider', 'Base', 'Weight'] as const;

function readNetwork(f: Findings, network: PlainObject, path: Path): EcsNetworkConfiguration | undefined {
  const field = readKeys(f, network, AWSVPC, path, 'in NetworkConfiguration').AwsvpcConfiguration;
  const awsvpc = field?.value;
  const awsvpcPath = keyPath(path, field, 'AwsvpcConfiguration');
  const all = 'all or none of Subnets, SecurityGroups and AssignPublicIp must be specified';
  if (!isPlainObject(awsvpc) || Object.keys(awsvpc).length === 0) {
    const found =
      awsvpc === undefined
        ? 'is required'
        : awsvpc === null || isPlainObject(awsvpc)
          ? 'is empty'
          : `must be a map; found ${describe(awsvpc)}`;
    f.error(
      `AwsvpcConfiguration ${found}: ${all} (remove NetworkConfiguration to keep the service's settings).`,
      awsvpcPath,
    );
    return undefined;
  }
  const found = readKeys(f, awsvpc, AWSVPC_SETTINGS, awsvpcPath, 'in AwsvpcConfiguration');
  const subnets = readIdList(f, found.Subnets, awsvpcPath, 'Subnets', all);
  const securityGroups = readIdList(f, found.SecurityGroups, awsvpcPath, 'SecurityGroups', all);
  const ipPath = keyPath(awsvpcPath, found.AssignPublicIp, 'AssignPublicIp');
  const ip = found.AssignPublicIp?.value;
  if (found.AssignPublicIp === undefined) f.error(`AssignPublicIp is required: ${all}.`, ipPath);
  else if (ip !== 'ENABLED' && ip !== 'DISABLED') {
    f.error(`AssignPublicIp invalid (should be ENABLED or DISABLED); found ${describe(ip)}.`, ipPath);
  } else if (subnets && securityGroups) return { subnets, securityGroups, assignPublicIp: ip };
  return undefined;
}

function readIdList(f: Findings, field: Field | undefined, base: Path, name: string, all: string) {
  const path = keyPath(base, field, name);
  const value = field?.value;
  if (field === undefined) f.error(`${name} is required: ${all}.`, path);
  else if (!Array.isArray(value) || value.length === 0) {
    const found = Array.isArray(value) ? 'an empty list' : describe(value);
    f.error(
      `${name} must be a non-empty list of IDs, e.g. ["${name === 'Subnets' ? 'subnet' : 'sg'}-0abc"]; found ${found}.`,
      path,
    );
  } else {
    const ids = value.map((item: unknown, index) => {
      const text = textOf(item);
      if (text === undefined || text.trim() === '')
        f.error(`${name} cannot be empty strings; found ${describe(item)}.`, [...path, index]);
      else warnPlaceholder(f, text, [...path, index]);
      return text;
    });
    if (ids.every((id): id is string => id !== undefined && id.trim() !== '')) return ids;
  }
  return undefined;
}

function readStrategy(f: Findings, strategy: unknown[], path: Path): EcsCapacityProvider[] | undefined {
  const providers: EcsCapacityProvider[] = [];
  let baseOwner: number | undefined;
  strategy.forEach((item: unknown, index) => {
    const itemPath = [...path, index];
    if (!isPlainObject(item)) {
      f.error(
        `Each capacity provider must be a map with CapacityProvider, Base and Weight; found ${describe(item)}.`,
        itemPath,
      );
      return;
    }
    const found = readKeys(f, item, PROVIDER_SETTINGS, itemPath, 'in a capacity provider');
    const capacityProvider = requiredText(
      f,
      found.CapacityProvider,
      keyPath(itemPath, found.CapacityProvider, 'CapacityProvider'),
      'CapacityProvider must not be empty: give the short name of a capacity provider, e.g. FARGATE.',
    );
    const base = readCount(f, found.Base, itemPath, 'Base');
    const weight = readCount(f, found.Weight, itemPath, 'Weight');
    if (base !== undefined && base > 0) {
      if (baseOwner === undefined) baseOwner = index;
      else {
        f.error(
          `Only one capacity provider may set a Base greater than 0; ${String(path.at(-1))}[${baseOwner}] already does.`,
          keyPath(itemPath, found.Base, 'Base'),
        );
      }
    }
    if (capacityProvider !== undefined && base !== undefined && weight !== undefined) {
      providers.push({ capacityProvider, base, weight });
    }
  });
  if (
    providers.length > 1 &&
    providers.length === strategy.length &&
    providers.every((p) => p.weight === 0)
  ) {
    f.error('With several capacity providers, at least one must have a Weight greater than 0.', path);
  }
  return providers.length === strategy.length ? providers : undefined;
}

/** Base/Weight: a whole number, 0 or more; 0 when left out. */
function readCount(
  f: Findings,
  field: Field | undefined,
  base: Path,
  name: 'Base' | 'Weight',
): number | undefined {
  const value = field === undefined ? 0 : field.value;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  f.error(`${name} must be a whole number, 0 or more; found ${describe(value)}.`, keyPath(base, field, name));
  return undefined;
}
