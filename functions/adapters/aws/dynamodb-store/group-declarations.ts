import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { GroupDeclarations } from '../../../ports/deployment-store.js';
import { marshallItem } from '../dynamodb-marshalling.js';
import { groupKey } from './keys.js';
import type { DynamoTable } from './table.js';

export const GROUP_DECLARATIONS_IAM_ACTIONS = ['dynamodb:PutItem'] as const;

/** A whole group item, for runtimes that declare groups without a control plane (simulate, tests). */
export function dynamoDbGroupDeclarations(table: DynamoTable): GroupDeclarations {
  const { client, name: TableName } = table;
  return {
    async putDeploymentGroup(group) {
      const key = groupKey(group.applicationName, group.deploymentGroupName, 'CONFIG');
      await table.call('PutItem', key.pk?.S, () =>
        client.send(new PutItemCommand({ TableName, Item: { ...marshallItem(group), ...key } })),
      );
    },
  };
}
