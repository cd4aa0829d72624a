/**
 * Validates a Lambda AppSpec (reference §1.3): `version`, one `AWS::Lambda::Function` resource whose
 * alias shifts from CurrentVersion to TargetVersion, and optional BeforeAllowTraffic/AfterAllowTraffic
 * hook functions.
 */
import type { AppSpecIssue } from './issues.js';
import type { LambdaAppSpec } from './model.js';
import {
  checkVersion,
  createFindings,
  describe,
  keyPath,
  looksLikePlaceholder,
  readFunctionHooks,
  readKeys,
  readRoot,
  readSingleResource,
  requiredText,
  warnPlaceholder,
  type Field,
  type Findings,
  type Path,
  type PlainObject,
  type ResourceKind,
} from './resource-spec.js';
import type { AppSpecSource } from './source.js';
import { LAMBDA_HOOKABLE_EVENTS } from '../lifecycle.js';

const LAMBDA: ResourceKind = {
  platform: 'Lambda',
  type: 'AWS::Lambda::Function',
  example: 'myLambdaFunction',
  events: LAMBDA_HOOKABLE_EVENTS,
};

export interface LambdaValidation {
  errors: AppSpecIssue[];
  warnings: AppSpecIssue[];
  /** Present when there are no errors. */
  appSpec?: LambdaAppSpec;
}

export function validateLambdaAppSpec(source: AppSpecSource): LambdaValidation {
  if (source.errors.length > 0) return { errors: [...source.errors], warnings: [] };
  const f = createFindings(source);
  const root = readRoot(f, source.value);
  if (root === undefined) return { errors: f.errors, warnings: f.warnings };
  const top = readKeys(f, root, ['version', 'Resources', 'Hooks'], [], 'at the top level');
  const version = checkVersion(f, top.version);
  const resource = readSingleResource(f, top.Resources, LAMBDA);
  const properties = resource?.properties && readProperties(f, resource.properties, resource.propertiesPath);
  const hooks = readFunctionHooks(f, top.Hooks, LAMBDA);
  if (f.errors.length > 0 || version === undefined || resource === undefined || !properties) {
    return { errors: f.errors, warnings: f.warnings };
  }
  const appSpec: LambdaAppSpec = {
    platform: 'lambda',
    version,
    resourceName: resource.name,
    ...properties,
    hooks,
  };
  return { errors: [], warnings: f.warnings, appSpec };
}

type LambdaProperties = Pick<LambdaAppSpec, 'functionName' | 'alias' | 'currentVersion' | 'targetVersion'>;

function readProperties(f: Findings, properties: PlainObject, path: Path): LambdaProperties | undefined {
  const found = readKeys(
    f,
    properties,
    ['Name', 'Alias', 'CurrentVersion', 'TargetVersion'],
    path,
    'in Properties',
  );
  const namePath = keyPath(path, found.Name, 'Name');
  const functionName = requiredText(
    f,
    found.Name,
    namePath,
    'Name must not be empty (Lambda Function Name): set it to the name of the Lambda function to deploy.',
  );
  if (functionName !== undefined) warnPlaceholder(f, functionName, namePath);
  const aliasPath = keyPath(path, found.Alias, 'Alias');
  const alias = requiredText(
    f,
    found.Alias,
    aliasPath,
    'Alias must not be empty (Lambda Function Alias): set it to the alias whose traffic CodeDeploy shifts.',
  );
  if (alias !== undefined) warnPlaceholder(f, alias, aliasPath);
  const currentVersion = readVersion(f, found.CurrentVersion, path, 'CurrentVersion');
  const targetVersion = readVersion(f, found.TargetVersion, path, 'TargetVersion');
  if (currentVersion !== undefined && currentVersion === targetVersion) {
    f.error(
      `CurrentVersion and TargetVersion are both "${currentVersion}": there is no traffic to shift. Set TargetVersion to the version to deploy.`,
      keyPath(path, found.TargetVersion, 'TargetVersion'),
    );
  }
  if (functionName === undefined || alias === undefined) return undefined;
  if (currentVersion === undefined || targetVersion === undefined) return undefined;
  return { functionName, alias, currentVersion, targetVersion };
}

const VERSION_ROLES = {
  CurrentVersion: {
    empty: 'Lambda Function current version, ex: 1',
    role: 'the version the alias points to now, e.g. "1"',
  },
  TargetVersion: {
    empty: 'Lambda Function target version to flip to, ex: 2',
    role: 'the version to shift to, e.g. "2"',
  },
};

/** A published Lambda version number: "must be a valid positive integer", as a string or a YAML integer. */
function readVersion(f: Findings, field: Field | undefined, base: Path, name: keyof typeof VERSION_ROLES) {
  const path = keyPath(base, field, name);
  const value = field?.value;
  const { empty, role } = VERSION_ROLES[name];
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
    f.error(`${name} must not be empty (${empty}).`, path);
    return undefined;
  }
  const written = typeof value === 'number' ? (f.written(path) ?? String(value)) : undefined;
  if (
    typeof value === 'number' &&
    Number.isSafeInteger(value) &&
    value > 0 &&
    /^[1-9]\d*$/.test(written ?? '')
  ) {
    return String(value);
  }
  if (typeof value === 'string' && /^[1-9][0-9]*$/.test(value)) return value;
  let why = '';
  if (value === '$LATEST') why = '; $LATEST is not a published version';
  else if (typeof value === 'string' && looksLikePlaceholder(value))
    why = ', which looks like an unfilled template placeholder';
  f.error(
    `${name} must be a valid positive integer (${role}); found ${written !== undefined ? `the number ${written}` : describe(value)}${why}.`,
    path,
  );
  return undefined;
}
