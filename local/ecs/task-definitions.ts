/**
 * Task definitions on this machine, in ECS's RegisterTaskDefinition JSON. A container's `image` is a
 * directory (relative to the task-definition file) and its `command` (with `entryPoint` before it,
 * as ECS joins them) is the program the task runs there, with PORT set to the task's host port.
 * Registered definitions get ECS's `family:revision` numbering and an ARN of the local region.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { TaskDefinitionInfo } from '../../functions/ports/ecs-task-sets.js';
import { LocalEcsError } from './errors.js';

export const LOCAL_REGION = 'local';
export const LOCAL_ACCOUNT = '000000000000';

export interface LocalContainerDefinition {
  name: string;
  /** The absolute directory the container runs in. */
  image: string;
  /** The program and its arguments (entryPoint + command); never through a shell. */
  argv: string[];
  containerPorts: number[];
  environment: Record<string, string>;
  essential: boolean;
}

export interface LocalTaskDefinition {
  taskDefinitionArn: string;
  family: string;
  revision: number;
  containers: LocalContainerDefinition[];
  taskRoleArn?: string;
  executionRoleArn?: string;
  /** The file it was registered from, if any. */
  source?: string;
}

const FAMILY = /^[A-Za-z0-9_-]{1,255}$/;
const CONTAINER_NAME = /^[A-Za-z0-9_-]{1,255}$/;

/** Reads and checks a RegisterTaskDefinition JSON file; every problem names its field and the fix. */
export function readTaskDefinitionFile(
  file: string,
): Omit<LocalTaskDefinition, 'taskDefinitionArn' | 'revision'> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new LocalEcsError(`The task definition ${file} cannot be read: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new LocalEcsError(`The task definition ${file} is not JSON: ${(error as Error).message}`);
  }
  return parseTaskDefinition(json, dirname(file), file);
}

export function parseTaskDefinition(
  json: unknown,
  baseDirectory: string,
  source = 'the task definition',
): Omit<LocalTaskDefinition, 'taskDefinitionArn' | 'revision'> {
  const fail = (field: string, message: string) => new LocalEcsError(`${source}: ${field} ${message}`);
  if (!isObject(json)) throw fail('(document)', 'must be a RegisterTaskDefinition JSON object.');
  const family = json['family'];
  if (typeof family !== 'string' || !FAMILY.test(family)) {
    throw fail('family', 'must be 1-255 letters, digits, hyphens or underscores.');
  }
  const list = json['containerDefinitions'];
  if (!Array.isArray(list) || list.length === 0) {
    throw fail('containerDefinitions', 'must list at least one container.');
  }
  const names = new Set<string>();
  const containers = list.map((item: unknown, index): LocalContainerDefinition => {
    const at = `containerDefinitions[${index}]`;
    if (!isObject(item)) throw fail(at, 'must be an object.');
    const name = item['name'];
    if (typeof name !== 'string' || !CONTAINER_NAME.test(name)) {
      throw fail(`${at}.name`, 'must be 1-255 letters, digits, hyphens or underscores.');
    }
    if (names.has(name)) throw fail(`${at}.name`, `repeats the container name ${name}.`);
    names.add(name);
    const image = item['image'];
    if (typeof image !== 'string' || image === '') {
      throw fail(`${at}.image`, 'must name the directory the container runs in (relative to this file).');
    }
    const directory = isAbsolute(image) ? image : resolve(baseDirectory, image);
    let isDirectory = false;
    try {
      isDirectory = statSync(directory).isDirectory();
    } catch {
      // reported below
    }
    if (!isDirectory) {
      throw fail(
        `${at}.image`,
        `is ${directory}, which is not a directory; locally an image is a directory.`,
      );
    }
    const argv = [
      ...strings(item['entryPoint'], `${at}.entryPoint`, fail),
      ...strings(item['command'], `${at}.command`, fail),
    ];
    if (argv.length === 0) {
      throw fail(
        `${at}.command`,
        'is required on this machine (an image directory has no default command): give the program and its arguments, e.g. ["node", "server.js"].',
      );
    }
    const mappings = item['portMappings'] ?? [];
    if (!Array.isArray(mappings)) throw fail(`${at}.portMappings`, 'must be a list.');
    const containerPorts = mappings.map((mapping: unknown, m) => {
      const port = isObject(mapping) ? mapping['containerPort'] : undefined;
      if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
        throw fail(`${at}.portMappings[${m}].containerPort`, 'must be a port number from 1 to 65535.');
      }
      return port;
    });
    const environment: Record<string, string> = {};
    const env = item['environment'] ?? [];
    if (!Array.isArray(env)) throw fail(`${at}.environment`, 'must be a list of { name, value }.');
    env.forEach((entry: unknown, e) => {
      const key = isObject(entry) ? entry['name'] : undefined;
      const value = isObject(entry) ? entry['value'] : undefined;
      if (typeof key !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) || typeof value !== 'string') {
        throw fail(`${at}.environment[${e}]`, 'must be { "name": "VARIABLE", "value": "text" }.');
      }
      if (key === 'PORT')
        throw fail(`${at}.environment[${e}]`, 'may not set PORT: the task sets it to its host port.');
      environment[key] = value;
    });
    return {
      name,
      image: directory,
      argv,
      containerPorts,
      environment,
      essential: item['essential'] !== false,
    };
  });
  const role = (key: 'taskRoleArn' | 'executionRoleArn') => {
    const value = json[key];
    if (value === undefined) return {};
    if (typeof value !== 'string' || !value.startsWith('arn:')) throw fail(key, 'must be an IAM role ARN.');
    return { [key]: value };
  };
  return { family, containers, ...role('taskRoleArn'), ...role('executionRoleArn'), source };
}

function strings(value: unknown, field: string, fail: (field: string, message: string) => Error): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw fail(field, 'must be a list of strings (exec form; no shell runs it).');
  }
  return value as string[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The registered task definitions, by family, with ECS's revision numbering. */
export class TaskDefinitionRegistry {
  private readonly families = new Map<string, LocalTaskDefinition[]>();

  /**
   * Registers a definition as the family's next revision; the same definition as the family's latest
   * revision is that revision again (so a retried or repeated deployment registers nothing new).
   */
  register(definition: Omit<LocalTaskDefinition, 'taskDefinitionArn' | 'revision'>): LocalTaskDefinition {
    const revisions = this.families.get(definition.family) ?? [];
    const latest = revisions.at(-1);
    if (latest && sameDefinition(latest, definition)) return latest;
    const revision = (latest?.revision ?? 0) + 1;
    const registered: LocalTaskDefinition = {
      ...definition,
      revision,
      taskDefinitionArn: `arn:aws:ecs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:task-definition/${definition.family}:${revision}`,
    };
    this.families.set(definition.family, [...revisions, registered]);
    return registered;
  }

  /**
   * Registers a definition under the reference an AppSpec gives (`family:revision` or its ARN), so
   * that reference resolves to it: the simulated service knows the task definition it is told about.
   */
  registerAs(
    reference: string,
    definition: Omit<LocalTaskDefinition, 'taskDefinitionArn' | 'revision' | 'family'>,
  ) {
    const label = reference.replace(/^arn:[^:]+:ecs:[^:]*:[^:]*:task-definition\//, '');
    const [family = '', revisionText] = label.split(':');
    const revision =
      revisionText === undefined
        ? (this.families.get(family)?.at(-1)?.revision ?? 0) + 1
        : Number(revisionText);
    const registered: LocalTaskDefinition = {
      ...definition,
      family,
      revision,
      taskDefinitionArn: reference.startsWith('arn:')
        ? reference.replace(/:\d+$/, '') + `:${revision}`
        : `arn:aws:ecs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:task-definition/${family}:${revision}`,
    };
    const revisions = (this.families.get(family) ?? []).filter((r) => r.revision !== revision);
    this.families.set(
      family,
      [...revisions, registered].sort((a, b) => a.revision - b.revision),
    );
    return registered;
  }

  /** A registered definition by ARN, `family:revision` or `family` (its latest revision). */
  find(reference: string): LocalTaskDefinition | undefined {
    const label = reference.replace(/^arn:[^:]+:ecs:[^:]*:[^:]*:task-definition\//, '');
    const [family, revision] = label.split(':');
    const revisions = this.families.get(family ?? '') ?? [];
    if (revision === undefined) return revisions.at(-1);
    return revisions.find((candidate) => String(candidate.revision) === revision);
  }

  /** A definition by reference, or registered from a file path (relative to `baseDirectory`). */
  resolve(reference: string, baseDirectory?: string): LocalTaskDefinition {
    if (/\.json$/i.test(reference)) {
      if (!baseDirectory && !isAbsolute(reference)) {
        throw new LocalEcsError(
          `The task definition file ${reference} is relative, and no revision directory is known.`,
        );
      }
      return this.register(readTaskDefinitionFile(resolve(baseDirectory ?? '/', reference)));
    }
    const found = this.find(reference);
    if (!found) {
      throw new LocalEcsError(
        `The task definition ${reference} is not registered here: name a task-definition JSON file relative to the AppSpec, or one registered before.`,
      );
    }
    return found;
  }

  all(): LocalTaskDefinition[] {
    return [...this.families.values()].flat();
  }

  /** Puts back definitions kept from an earlier process (their revisions unchanged). */
  restore(definitions: readonly LocalTaskDefinition[]): void {
    for (const definition of [...definitions].sort((a, b) => a.revision - b.revision)) {
      const revisions = this.families.get(definition.family) ?? [];
      if (!revisions.some((r) => r.revision === definition.revision)) revisions.push(definition);
      this.families.set(definition.family, revisions);
    }
  }
}

export function taskDefinitionInfo(definition: LocalTaskDefinition): TaskDefinitionInfo {
  return {
    taskDefinitionArn: definition.taskDefinitionArn,
    family: definition.family,
    revision: definition.revision,
    containers: definition.containers.map((c) => ({ name: c.name, containerPorts: c.containerPorts })),
    ...(definition.taskRoleArn ? { taskRoleArn: definition.taskRoleArn } : {}),
    ...(definition.executionRoleArn ? { executionRoleArn: definition.executionRoleArn } : {}),
  };
}

function sameDefinition(
  a: Omit<LocalTaskDefinition, 'taskDefinitionArn' | 'revision' | 'source'> & { source?: string },
  b: Omit<LocalTaskDefinition, 'taskDefinitionArn' | 'revision' | 'source'> & { source?: string },
): boolean {
  const { source: _a, ...restA } = { ...a, taskDefinitionArn: undefined, revision: undefined };
  const { source: _b, ...restB } = { ...b, taskDefinitionArn: undefined, revision: undefined };
  return JSON.stringify(restA) === JSON.stringify(restB);
}
