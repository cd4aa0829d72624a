import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import dynalite from 'dynalite';
import { localDynamoDbClient } from '../../functions/adapters/aws/dynamodb-client.js';
import { createTable, dynamoDbDeploymentStore } from '../../functions/adapters/aws/dynamodb-store.js';
import type { DeploymentStore } from '../../functions/ports/deployment-store.js';

export const LOCAL_TABLE_NAME = 'stepdeploy';

export interface LocalDatabase {
  store: DeploymentStore;
  endpoint: string;
  close(): Promise<void>;
}

/**
 * DynamoDB's API served by dynalite on 127.0.0.1: in memory for tests, on disk (LevelDB) under the
 * state directory for the CLI, so `stepdeploy status` reads what `stepdeploy deploy` wrote.
 */
export async function startLocalDatabase(options: { path?: string } = {}): Promise<LocalDatabase> {
  if (options.path) mkdirSync(options.path, { recursive: true });
  const server: Server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.path ? { path: options.path } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = localDynamoDbClient(endpoint);
  await createTable(client, LOCAL_TABLE_NAME);
  return {
    store: dynamoDbDeploymentStore(client, LOCAL_TABLE_NAME),
    endpoint,
    async close() {
      client.destroy();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
