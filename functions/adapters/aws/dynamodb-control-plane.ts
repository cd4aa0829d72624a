/**
 * The control plane's stores over the stepdeploy table (item layout: dynamodb-control-plane-keys.ts).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ControlPlaneStores } from '../../ports/control-plane-stores.js';
import {
  DynamoDbApplicationRevisionStore,
  DYNAMODB_APPLICATION_REVISIONS_IAM_ACTIONS,
} from './dynamodb-application-revisions.js';
import { DynamoDbApplicationStore, DYNAMODB_APPLICATIONS_IAM_ACTIONS } from './dynamodb-applications.js';
import {
  DynamoDbDeploymentConfigStore,
  DYNAMODB_DEPLOYMENT_CONFIGS_IAM_ACTIONS,
} from './dynamodb-deployment-configs.js';
import {
  DynamoDbDeploymentGroupConfigStore,
  DYNAMODB_DEPLOYMENT_GROUP_CONFIGS_IAM_ACTIONS,
} from './dynamodb-deployment-group-configs.js';
import { DYNAMODB_PAGES_IAM_ACTIONS } from './dynamodb-pages.js';
import {
  DynamoDbOnPremisesInstanceStore,
  DYNAMODB_ON_PREMISES_INSTANCES_IAM_ACTIONS,
} from './dynamodb-on-premises-instances.js';

export type { ControlPlaneStores };

export function dynamoDbControlPlaneStores(client: DynamoDBClient, tableName: string): ControlPlaneStores {
  return {
    applications: new DynamoDbApplicationStore(client, tableName),
    deploymentGroups: new DynamoDbDeploymentGroupConfigStore(client, tableName),
    deploymentConfigs: new DynamoDbDeploymentConfigStore(client, tableName),
    revisions: new DynamoDbApplicationRevisionStore(client, tableName),
    onPremisesInstances: new DynamoDbOnPremisesInstanceStore(client, tableName),
  };
}

/** What the control plane's stores call: the API function's policy (its `controlPlane` port). */
export const DYNAMODB_CONTROL_PLANE_IAM_ACTIONS: readonly string[] = [
  ...new Set([
    ...DYNAMODB_APPLICATIONS_IAM_ACTIONS,
    ...DYNAMODB_DEPLOYMENT_GROUP_CONFIGS_IAM_ACTIONS,
    ...DYNAMODB_DEPLOYMENT_CONFIGS_IAM_ACTIONS,
    ...DYNAMODB_APPLICATION_REVISIONS_IAM_ACTIONS,
    ...DYNAMODB_ON_PREMISES_INSTANCES_IAM_ACTIONS,
    ...DYNAMODB_PAGES_IAM_ACTIONS,
  ]),
].sort();
