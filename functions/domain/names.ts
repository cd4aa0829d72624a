/**
 * CodeDeploy's rule for application and deployment group names (API: min 1, max 100; the user
 * guide's limits page: letters, digits, and `.` `_` `+` `=` `,` `@` `-`), the same characters as
 * deployment config names. The S3 trigger in AWS is stricter (letters, digits, `_` `.` `-`: the names
 * are its key prefix); infra/deployment-groups.ts checks that.
 */
export const NAME_PATTERN = /^[A-Za-z0-9._+=,@-]{1,100}$/;

export const NAME_RULE = "1 to 100 letters, digits and '.', '_', '+', '=', ',', '@' or '-'";

/** Why `value` cannot be a CodeDeploy application or deployment group name, or undefined. */
export function nameProblem(kind: 'application' | 'deployment group', value: string): string | undefined {
  if (NAME_PATTERN.test(value)) return undefined;
  const shown = value === '' ? 'an empty name' : JSON.stringify(value);
  return `${shown} is not a valid ${kind} name: CodeDeploy's ${kind} names are ${NAME_RULE}.`;
}
