import { Agent, type ClientRequestArgs } from 'node:http';
import { createConnection } from 'node:net';
import type { Duplex } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * A DynamoDB client for a local endpoint (dynalite on the embedded runtime). Credentials are dummies:
 * dynalite accepts any, and no request leaves the machine.
 */
export function localDynamoDbClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
  });
}

/** An HTTP agent whose connections all go to one Unix socket, whatever host a request names. */
class UnixSocketAgent extends Agent {
  constructor(private readonly socketPath: string) {
    super({ keepAlive: true });
  }

  // Returning the socket is enough: the agent treats a returned stream as created (errors surface on it).
  override createConnection(_options: ClientRequestArgs): Duplex {
    return createConnection({ path: this.socketPath });
  }
}

/**
 * A DynamoDB client that reaches dynalite through a Unix socket (the local runtime keeps the records
 * off TCP: the socket's file mode decides who may connect). The endpoint's host is never resolved.
 */
export function localDynamoDbClientOverSocket(socketPath: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: 'http://localhost',
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
    requestHandler: new NodeHttpHandler({ httpAgent: new UnixSocketAgent(socketPath) }),
  });
}
