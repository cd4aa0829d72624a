import {
  CreateTableCommand,
  waitUntilTableExists,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { awsErrorCode, callAws, translateAwsError } from './errors.js';

/** The stepdeploy table: pk/sk string keys and the `byGroup` index (item layout: dynamodb-store.ts). */
export const BY_GROUP_INDEX = 'byGroup';

/** The table's shape, neutral enough for the CDK construct (TableV2 props) and for createTable. */
export const tableDefinition = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  billingMode: 'PAY_PER_REQUEST',
  globalSecondaryIndexes: [
    {
      indexName: BY_GROUP_INDEX,
      partitionKey: { name: 'gsi1pk', type: 'S' },
      sortKey: { name: 'gsi1sk', type: 'S' },
      projectionType: 'ALL',
    },
  ],
} as const;

export function createTableInput(tableName: string): CreateTableCommandInput {
  const index = tableDefinition.globalSecondaryIndexes[0];
  const keys = [tableDefinition.partitionKey, tableDefinition.sortKey, index.partitionKey, index.sortKey];
  return {
    TableName: tableName,
    BillingMode: tableDefinition.billingMode,
    AttributeDefinitions: keys.map((key) => ({ AttributeName: key.name, AttributeType: key.type })),
    KeySchema: [
      { AttributeName: tableDefinition.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: tableDefinition.sortKey.name, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: index.indexName,
        KeySchema: [
          { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: index.projectionType },
      },
    ],
  };
}

/** Creates the table (on demand, with the GSI) unless it exists, and waits until it is ACTIVE. */
export async function createTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName)));
  } catch (error) {
    // A table left by an earlier run is fine: local bootstrap runs on every start.
    if (awsErrorCode(error) !== 'ResourceInUseException') {
      throw translateAwsError(error, { service: 'dynamodb', operation: 'CreateTable', resource: tableName });
    }
  }
  await callAws({ service: 'dynamodb', operation: 'DescribeTable', resource: tableName }, () =>
    waitUntilTableExists({ client, maxWaitTime: 120, minDelay: 1, maxDelay: 5 }, { TableName: tableName }),
  );
}
