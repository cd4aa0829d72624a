/**
 * A CodeDeploy-compatible service as a client sees it, through @aws-sdk/client-codedeploy: the
 * `stepdeploy` commands call a running `stepdeploy server` (signed with the state directory's key)
 * or the API of the AWS stack (`--endpoint-url`, the default credential chain) with it. Answers use
 * the API's own shapes (functions/domain/codedeploy-shapes.ts), timestamps as epoch seconds as on the
 * wire; a failure is the SDK's exception, whose `name` is CodeDeploy's exception name.
 */
import * as codedeploy from '@aws-sdk/client-codedeploy';
import type { CodeDeployOperations } from '../../domain/codedeploy-shapes.js';

export type CodeDeployOperationName = keyof CodeDeployOperations;

export interface CodeDeployService {
  readonly endpoint: string;
  send<Op extends CodeDeployOperationName>(
    operation: Op,
    input: CodeDeployOperations[Op]['input'],
  ): Promise<CodeDeployOperations[Op]['output']>;
  destroy(): void;
}

export interface CodeDeployServiceOptions {
  endpoint: string;
  region: string;
  /** A key (the local server's); without one, the default credential chain (AWS). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /**
   * The SigV4 signing name the endpoint checks: `codedeploy` for a local server; `lambda` for the AWS
   * stack's function URL, which IAM authenticates as a Lambda function URL.
   */
  signingName?: string;
  maxAttempts?: number;
}

/** The signing name an endpoint needs: a Lambda function URL is signed for `lambda`. */
export function signingNameFor(endpoint: string): string {
  return /\.lambda-url\.[a-z0-9-]+\.on\.aws$/i.test(new URL(endpoint).hostname) ? 'lambda' : 'codedeploy';
}

/** The region a Lambda function URL names (`<id>.lambda-url.<region>.on.aws`), if it is one. */
export function regionOfEndpoint(endpoint: string): string | undefined {
  return /\.lambda-url\.([a-z0-9-]+)\.on\.aws$/i.exec(new URL(endpoint).hostname)?.[1];
}

/** Dates (the SDK's timestamps) back to epoch seconds, as the wire and the API's shapes have them. */
function wireShape(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(wireShape);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => key !== '$metadata')
        .map(([key, member]) => [key, wireShape(member)]),
    );
  }
  return value;
}

/** Epoch seconds in an input (createTimeRange) as the Dates the SDK serializes. */
function sdkShape(value: unknown, key = ''): unknown {
  if (typeof value === 'number' && (key === 'start' || key === 'end')) return new Date(value * 1000);
  if (Array.isArray(value)) return value.map((member) => sdkShape(member));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([name, member]) => [name, sdkShape(member, name)]));
  }
  return value;
}

type CommandClass = new (input: unknown) => Parameters<codedeploy.CodeDeployClient['send']>[0];

export function codeDeployService(options: CodeDeployServiceOptions): CodeDeployService {
  const client = new codedeploy.CodeDeployClient({
    endpoint: options.endpoint,
    region: options.region,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
    // The client's config takes the signing name the service's endpoint rules would otherwise give.
    ...({ signingName: options.signingName ?? signingNameFor(options.endpoint) } as object),
  });
  const commands = codedeploy as unknown as Record<string, CommandClass | undefined>;
  return {
    endpoint: options.endpoint,
    async send(operation, input) {
      const Command = commands[`${operation}Command`];
      if (!Command) throw new TypeError(`@aws-sdk/client-codedeploy has no ${operation}Command.`);
      const output = await client.send(new Command(sdkShape(input)));
      return wireShape(output) as never;
    },
    destroy: () => client.destroy(),
  };
}
