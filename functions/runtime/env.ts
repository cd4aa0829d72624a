/** Environment variable names the Lambda functions read; the CDK stack sets the same names. */
export const ENV = {
  tableName: 'STEPDEPLOY_TABLE_NAME',
  eventBusName: 'STEPDEPLOY_EVENT_BUS_NAME',
  hookFunctionPrefix: 'STEPDEPLOY_HOOK_FUNCTION_PREFIX',
  /** JSON: each flow's state machine ARN by flow id, `{"Lambda:BLUE_GREEN": "arn:..."}`. */
  stateMachineArns: 'STEPDEPLOY_STATE_MACHINE_ARNS',
} as const;

export function requiredEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (!value)
    throw new Error(`The environment variable ${name} is not set; the stack sets it on every function.`);
  return value;
}
