/**
 * Lambda's rules for names and alias routing, without the existence checks (those need the store).
 * Messages are the ones Lambda returns (as recorded by LocalStack's AWS-validated parity tests); the
 * rule order follows it too: item count, weight range, additional = primary, `$LATEST` as primary,
 * version pattern.
 */
import type { AliasRouting } from '../../functions/ports/lambda-alias.js';

export const LATEST = '$LATEST';

/** A rule Lambda enforces, with the error code it answers with. */
export interface RuleViolation {
  code: 'InvalidParameterValueException' | 'ValidationException';
  message: string;
}

const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
/** Alias names may not be all digits: they would read as versions in a qualified ARN. */
const ALIAS_NAME = /^(?![0-9]+$)[a-zA-Z0-9_-]{1,128}$/;
const VERSION = /^[0-9]+$/;

function validation(value: string, field: string, constraint: string): RuleViolation {
  return {
    code: 'ValidationException',
    message: `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ${constraint}`,
  };
}

export function functionNameViolation(name: string): RuleViolation | undefined {
  if (FUNCTION_NAME.test(name)) return undefined;
  return validation(
    name,
    'functionName',
    'Member must satisfy regular expression pattern: [a-zA-Z0-9-_]{1,64}',
  );
}

export function aliasNameViolation(alias: string): RuleViolation | undefined {
  if (ALIAS_NAME.test(alias)) return undefined;
  return validation(
    alias,
    'name',
    'Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)',
  );
}

export function isPublishedVersionSyntax(version: string): boolean {
  return VERSION.test(version);
}

/** The first rule `routing` breaks, or undefined. An empty weights map (no routing) is always fine. */
export function routingViolation(routing: AliasRouting): RuleViolation | undefined {
  const entries = Object.entries(routing.additionalVersionWeights);
  if (entries.length > 1) {
    return {
      code: 'InvalidParameterValueException',
      message: 'Number of items in AdditionalVersionWeights cannot be greater than 1',
    };
  }
  const [entry] = entries;
  if (!entry) return undefined;
  const [version, weight] = entry;
  // Written so that NaN fails too: it is neither >= 0 nor <= 1.
  if (!(typeof weight === 'number' && weight >= 0 && weight <= 1)) {
    return validation(
      `{${version}=${String(weight)}}`,
      'routingConfig.additionalVersionWeights',
      'Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]',
    );
  }
  if (version === routing.functionVersion) {
    return {
      code: 'InvalidParameterValueException',
      message: `Invalid function version ${version}. Function version ${version} is already included in routing configuration.`,
    };
  }
  if (routing.functionVersion === LATEST) {
    return {
      code: 'InvalidParameterValueException',
      message: '$LATEST is not supported for an alias pointing to more than 1 version',
    };
  }
  if (!isPublishedVersionSyntax(version)) {
    // `$LATEST` as the additional version ends here: only published versions may take weighted traffic.
    return validation(
      `{${version}=${weight}}`,
      'routingConfig.additionalVersionWeights',
      'Map keys must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+, Member must not be null]',
    );
  }
  return undefined;
}
