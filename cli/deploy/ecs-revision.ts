/**
 * An ECS revision on this machine, as `stepdeploy deploy DIR` reads it: the AppSpec in DIR
 * (`appspec.yaml`, `appspec.yml` or `appspec.json`), whose TaskDefinition may be a task-definition
 * file relative to it. The file is registered with the local ECS service and the AppSpec that
 * reaches the server names the registered definition's ARN, as CodePipeline's ECS blue/green action
 * fills in its `<TASK_DEFINITION>` placeholder: every deployment the API sees is a CodeDeploy
 * revision (an S3 YAML object), and no path of this machine is in it.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, type Document, type YAMLMap } from 'yaml';
import { validateAppSpec, type AppSpecIssue, type EcsAppSpec } from '../../functions/domain/appspec/index.js';

export const APPSPEC_NAMES = ['appspec.yaml', 'appspec.yml', 'appspec.json'];

export interface EcsRevision {
  /** The AppSpec file (absolute) and its text. */
  appSpecFile: string;
  text: string;
  appSpec: EcsAppSpec;
  /** The AppSpec's directory: its task-definition files and `hooks/` are there. */
  directory: string;
  /** The task-definition file the AppSpec names, absolute; absent when it names a registered one. */
  taskDefinitionFile?: string;
  /** The task definition's family (the file's `family`, or the ARN's), the default service name. */
  family: string;
}

/** The AppSpec file of a directory revision, if it has one. */
export function appSpecFileIn(directory: string): string | undefined {
  return APPSPEC_NAMES.map((name) => join(directory, name)).find(
    (file) => existsSync(file) && statSync(file).isFile(),
  );
}

/** Why a revision cannot be deployed: every problem, with its place. */
export class EcsRevisionError extends Error {
  override name = 'EcsRevisionError';
  constructor(
    message: string,
    readonly issues: readonly AppSpecIssue[] = [],
  ) {
    super(message);
  }
}

export function readEcsRevision(appSpecFile: string): EcsRevision {
  const file = resolve(appSpecFile);
  const text = readFileSync(file, 'utf8');
  const verdict = validateAppSpec(text, { platform: 'ecs' });
  if (!verdict.valid || verdict.appSpec?.platform !== 'ecs') {
    throw new EcsRevisionError(`${file} is not a valid ECS AppSpec`, verdict.errors);
  }
  const appSpec = verdict.appSpec;
  const directory = dirname(file);
  if (!/\.json$/i.test(appSpec.taskDefinition)) {
    return { appSpecFile: file, text, appSpec, directory, family: familyOf(appSpec.taskDefinition) };
  }
  const taskDefinitionFile = resolve(directory, appSpec.taskDefinition);
  let family: unknown;
  try {
    family = (JSON.parse(readFileSync(taskDefinitionFile, 'utf8')) as { family?: unknown }).family;
  } catch (error) {
    throw new EcsRevisionError(
      `TaskDefinition ${appSpec.taskDefinition}: the task-definition file ${taskDefinitionFile} cannot be read as JSON (${(error as Error).message}).`,
    );
  }
  if (typeof family !== 'string' || !/^[A-Za-z0-9_-]{1,255}$/.test(family)) {
    throw new EcsRevisionError(
      `${taskDefinitionFile}: family must be 1-255 letters, digits, hyphens or underscores (RegisterTaskDefinition's family).`,
    );
  }
  return { appSpecFile: file, text, appSpec, directory, taskDefinitionFile, family };
}

/** `arn:...:task-definition/web:7`, `web:7` or `web` -> `web`. */
function familyOf(reference: string): string {
  return reference.replace(/^arn:[^:]+:ecs:[^:]*:[^:]*:task-definition\//, '').split(':')[0] ?? reference;
}

/** The key of a map whose name matches case-insensitively (the ECS AppSpec's keys do). */
function valueOf(map: unknown, name: string): unknown {
  if (!isMap(map)) return undefined;
  const pair = (map as YAMLMap).items.find(
    (item) => isScalar(item.key) && String(item.key.value).toLowerCase() === name.toLowerCase(),
  );
  return pair?.value;
}

/**
 * The AppSpec's text with its TaskDefinition replaced by `taskDefinitionArn`, comments and layout
 * kept (a JSON AppSpec stays JSON-shaped YAML).
 */
export function withTaskDefinition(text: string, taskDefinitionArn: string): string {
  const document: Document = parseDocument(text);
  const resources = valueOf(document.contents, 'Resources');
  const resource = isSeq(resources) ? resources.items[0] : undefined;
  const named = isMap(resource) ? resource.items[0]?.value : undefined;
  const properties = valueOf(named, 'Properties');
  const scalar = valueOf(properties, 'TaskDefinition');
  if (!isScalar(scalar)) {
    throw new EcsRevisionError('The AppSpec has no Resources[0].<name>.Properties.TaskDefinition to set.');
  }
  scalar.value = taskDefinitionArn;
  return String(document);
}
