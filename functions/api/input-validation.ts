/**
 * Checks a request body against the operation's input shape in CodeDeploy's service model, before any
 * handler runs, and answers as CodeDeploy does:
 * - a value of the wrong JSON type (an object where a list belongs, a string for a number) is a
 *   SerializationException naming the member's path;
 * - a missing required member is the operation's `<Member>RequiredException`
 *   (ApplicationNameRequiredException, ...), else ValidationException;
 * - a value outside an enum, or a string outside the model's length limits, is the operation's
 *   `Invalid<Member>Exception` (InvalidComputePlatformException, InvalidSortByException, ...), looking
 *   up the path from the member outwards (a bad `deploymentStyle.deploymentType` is
 *   InvalidDeploymentStyleException), else InvalidInputException where the operation has it, else
 *   ValidationException.
 * JSON `null` counts as absent, and members the model does not know are ignored (newer SDKs may send
 * members this model predates), as AWS's JSON services do.
 */
import { CodeDeployException } from '../domain/codedeploy-exception.js';
import type { CodeDeployExceptionName } from '../domain/codedeploy-shapes.js';
import { ProtocolError } from './protocol-errors.js';
import type { ServiceModelTable, ShapeSpec } from './service-model.js';

/** Where a member's own name does not lead to its exception: shape -> the exception CodeDeploy uses. */
const EXCEPTION_BY_SHAPE: Record<string, CodeDeployExceptionName[]> = {
  EC2TagFilterType: ['InvalidEC2TagException'],
  TagFilterType: ['InvalidTagException', 'InvalidTagFilterException'],
  AutoRollbackEvent: ['InvalidAutoRollbackConfigException'],
  AutoRollbackConfiguration: ['InvalidAutoRollbackConfigException'],
  AlarmConfiguration: ['InvalidAlarmConfigException'],
  MinimumHealthyHosts: ['InvalidMinimumHealthyHostValueException'],
  MinimumHealthyHostsType: ['InvalidMinimumHealthyHostValueException'],
  TrafficRoutingConfig: ['InvalidTrafficRoutingConfigurationException'],
  TrafficRoutingType: ['InvalidTrafficRoutingConfigurationException'],
  ZonalConfig: ['InvalidZonalDeploymentConfigurationException'],
  ListStateFilterAction: ['InvalidDeployedStateFilterException'],
  LifecycleEventStatus: ['InvalidLifecycleEventHookExecutionStatusException'],
  DeploymentWaitType: ['InvalidDeploymentWaitTypeException'],
  FileExistsBehavior: ['InvalidFileExistsBehaviorException'],
  Role: ['InvalidRoleException'],
};

interface Step {
  /** The member name (or `[i]` / `{key}` for list and map entries). */
  member: string;
  shape: string;
}

const capitalize = (name: string): string => name.charAt(0).toUpperCase() + name.slice(1);
const singular = (name: string): string => name.replace(/List$/, '').replace(/s$/, '');

/** Exception name stems a member suggests: itself, singular, and its shape's name. */
function stems(step: Step): string[] {
  const member = /^[[{]/.test(step.member)
    ? []
    : [capitalize(step.member), singular(capitalize(step.member))];
  return [...member, step.shape, singular(step.shape)];
}

function pathOf(steps: readonly Step[]): string {
  return steps
    .map((step, index) => (/^[[{]/.test(step.member) || index === 0 ? step.member : `.${step.member}`))
    .join('');
}

export class InputValidator {
  constructor(private readonly model: ServiceModelTable) {}

  /**
   * Validates `body` (already parsed JSON) against `operation`'s input shape. `optionalMembers`
   * relaxes required top-level members an existing stepdeploy caller omits.
   */
  validate(operation: string, body: Record<string, unknown>, optionalMembers: readonly string[] = []): void {
    const spec = this.model.operations[operation];
    if (!spec?.input) return;
    const errors = new Set(spec.errors);
    this.check(spec.input, body, [], errors, new Set(optionalMembers));
  }

  private shape(name: string): ShapeSpec {
    const shape = this.model.shapes[name];
    if (!shape) throw new TypeError(`The service model has no shape ${name}`);
    return shape;
  }

  /** The first of the candidates the operation is modelled to throw. */
  private pick(
    errors: ReadonlySet<string>,
    candidates: readonly string[],
  ): CodeDeployExceptionName | undefined {
    return candidates.find((name) => errors.has(name)) as CodeDeployExceptionName | undefined;
  }

  private invalid(steps: readonly Step[], errors: ReadonlySet<string>, detail: string): Error {
    const candidates: string[] = [];
    for (const step of [...steps].reverse()) {
      candidates.push(...(EXCEPTION_BY_SHAPE[step.shape] ?? []));
      candidates.push(...stems(step).map((stem) => `Invalid${stem}Exception`));
    }
    candidates.push('InvalidInputException');
    const name = this.pick(errors, candidates);
    const message = `${pathOf(steps)}: ${detail}`;
    return name ? new CodeDeployException(name, message) : new ProtocolError('ValidationException', message);
  }

  private missing(steps: readonly Step[], errors: ReadonlySet<string>): Error {
    const step = steps[steps.length - 1]!;
    const name = this.pick(
      errors,
      stems(step).map((stem) => `${stem}RequiredException`),
    );
    const message = `${pathOf(steps)} is required.`;
    if (name) return new CodeDeployException(name, message);
    return new ProtocolError(
      'ValidationException',
      `1 validation error detected: Value null at '${pathOf(steps)}' failed to satisfy constraint: Member must not be null`,
    );
  }

  private wrongType(steps: readonly Step[], expected: string, value: unknown): ProtocolError {
    const got =
      value === null
        ? 'null'
        : Array.isArray(value)
          ? 'a list'
          : typeof value === 'object'
            ? 'an object'
            : `a ${typeof value}`;
    const where = steps.length ? pathOf(steps) : 'The request body';
    return new ProtocolError('SerializationException', `${where}: expected ${expected}, got ${got}.`);
  }

  private check(
    shapeName: string,
    value: unknown,
    steps: Step[],
    errors: ReadonlySet<string>,
    optionalMembers: ReadonlySet<string> = new Set(),
  ): void {
    const shape = this.shape(shapeName);
    switch (shape.type) {
      case 'structure': {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          throw this.wrongType(steps, `an object (${shapeName})`, value);
        }
        const record = value as Record<string, unknown>;
        for (const member of shape.required ?? []) {
          const present = record[member] !== undefined && record[member] !== null;
          if (!present && !optionalMembers.has(member)) {
            throw this.missing([...steps, { member, shape: shape.members[member]! }], errors);
          }
        }
        for (const [member, memberShape] of Object.entries(shape.members)) {
          const memberValue = record[member];
          if (memberValue === undefined || memberValue === null) continue;
          this.check(memberShape, memberValue, [...steps, { member, shape: memberShape }], errors);
        }
        return;
      }
      case 'list': {
        if (!Array.isArray(value)) throw this.wrongType(steps, `a list (${shapeName})`, value);
        if (shape.max !== undefined && value.length > shape.max) {
          throw this.invalid(steps, errors, `has ${value.length} entries; at most ${shape.max} are allowed.`);
        }
        value.forEach((element, index) => {
          if (element === null)
            throw this.wrongType(
              [...steps, { member: `[${index}]`, shape: shape.member }],
              shape.member,
              element,
            );
          this.check(
            shape.member,
            element,
            [...steps, { member: `[${index}]`, shape: shape.member }],
            errors,
          );
        });
        return;
      }
      case 'map': {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          throw this.wrongType(steps, `a map (${shapeName})`, value);
        }
        for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
          if (entry === null || entry === undefined) continue;
          this.check(shape.value, entry, [...steps, { member: `{${key}}`, shape: shape.value }], errors);
        }
        return;
      }
      case 'string': {
        if (typeof value !== 'string') throw this.wrongType(steps, 'a string', value);
        if (shape.enum && !shape.enum.includes(value)) {
          throw this.invalid(
            steps,
            errors,
            `${JSON.stringify(value)} is not one of ${shape.enum.join(', ')}.`,
          );
        }
        if (shape.min !== undefined && value.length < shape.min) {
          throw this.invalid(
            steps,
            errors,
            `must be at least ${shape.min} character${shape.min === 1 ? '' : 's'} long.`,
          );
        }
        if (shape.max !== undefined && value.length > shape.max) {
          throw this.invalid(
            steps,
            errors,
            `is ${value.length} characters long; at most ${shape.max} are allowed.`,
          );
        }
        return;
      }
      case 'integer':
      case 'long':
        if (typeof value !== 'number' || !Number.isInteger(value))
          throw this.wrongType(steps, 'a whole number', value);
        return;
      case 'double':
      case 'float':
        if (typeof value !== 'number' || !Number.isFinite(value))
          throw this.wrongType(steps, 'a number', value);
        return;
      case 'boolean':
        if (typeof value !== 'boolean') throw this.wrongType(steps, 'true or false', value);
        return;
      case 'timestamp':
        if (typeof value !== 'number' || !Number.isFinite(value)) {
          throw this.wrongType(steps, 'a timestamp in epoch seconds', value);
        }
        return;
      case 'blob':
        if (typeof value !== 'string') throw this.wrongType(steps, 'a base64 string', value);
        return;
    }
  }
}
