/**
 * The IAM actions each AWS adapter declares are exactly the ones its code calls: every
 * `new XxxCommand(` is read from the source with the client package it is imported from, and mapped
 * to its action. Adding a call without declaring it (or leaving a stale one declared) fails here, so
 * the stack's policies, built from the declarations, cannot drift from the code.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ALARMS_IAM_ACTIONS } from '../../../functions/adapters/aws/alarms.js';
import { DEPLOYMENT_EXECUTIONS_IAM_ACTIONS } from '../../../functions/adapters/aws/deployment-executions.js';
import { DYNAMODB_ROLE_IAM_ACTIONS } from '../../../functions/adapters/aws/dynamodb-store.js';
import { GROUP_DECLARATIONS_IAM_ACTIONS } from '../../../functions/adapters/aws/dynamodb-store/group-declarations.js';
import { LAMBDA_ALIAS_ROUTER_IAM_ACTIONS } from '../../../functions/adapters/aws/lambda-alias-router.js';
import { STORE_ROLES } from '../../../functions/ports/deployment-store.js';
import { DYNAMODB_APPLICATION_REVISIONS_IAM_ACTIONS } from '../../../functions/adapters/aws/dynamodb-application-revisions.js';
import { DYNAMODB_APPLICATIONS_IAM_ACTIONS } from '../../../functions/adapters/aws/dynamodb-applications.js';
import { DYNAMODB_DEPLOYMENT_CONFIGS_IAM_ACTIONS } from '../../../functions/adapters/aws/dynamodb-deployment-configs.js';
import { DYNAMODB_DEPLOYMENT_GROUP_CONFIGS_IAM_ACTIONS } from '../../../functions/adapters/aws/dynamodb-deployment-group-configs.js';
import { DYNAMODB_ON_PREMISES_INSTANCES_IAM_ACTIONS } from '../../../functions/adapters/aws/dynamodb-on-premises-instances.js';
import { DYNAMODB_PAGES_IAM_ACTIONS } from '../../../functions/adapters/aws/dynamodb-pages.js';
import { ECS_TASK_SETS_IAM_ACTIONS } from '../../../functions/adapters/aws/ecs-task-sets.js';
import { ELBV2_LISTENERS_IAM_ACTIONS } from '../../../functions/adapters/aws/elbv2-listeners.js';
import { ELBV2_LOAD_BALANCER_IAM_ACTIONS } from '../../../functions/adapters/aws/elbv2-load-balancer.js';
import { TARGET_GROUP_PAIR_ROUTER_IAM_ACTIONS } from '../../../functions/adapters/aws/target-group-pair-router.js';
import { EVENTS_IAM_ACTIONS } from '../../../functions/adapters/aws/events.js';
import { HOOK_INVOKER_IAM_ACTIONS } from '../../../functions/adapters/aws/hook-invoker.js';
import { IAM_ACTIONS_BY_PORT, iamActionsFor } from '../../../functions/adapters/aws/iam-actions.js';
import { LAMBDA_ALIAS_IAM_ACTIONS } from '../../../functions/adapters/aws/lambda-alias.js';
import { S3_REVISION_SOURCE_IAM_ACTIONS } from '../../../functions/adapters/aws/s3-revision-source.js';
import { SSM_TRANSPORT_IAM_ACTIONS } from '../../../functions/adapters/aws/ssm-transport.js';
import { TASK_CALLBACKS_IAM_ACTIONS } from '../../../functions/adapters/aws/task-callbacks.js';
import { INSTANCE_DIRECTORY_IAM_ACTIONS } from '../../../functions/adapters/aws/instance-directory.js';
import { AUTO_SCALING_FLEET_IAM_ACTIONS } from '../../../functions/adapters/aws/auto-scaling-fleet.js';
import { TARGET_REGISTRATION_ROUTER_IAM_ACTIONS } from '../../../functions/adapters/aws/target-registration-router.js';

const adaptersDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../functions/adapters/aws');

/** The IAM service prefix of each SDK client package the adapters use. */
const SERVICE_PREFIX: Record<string, string> = {
  '@aws-sdk/client-lambda': 'lambda',
  '@aws-sdk/client-dynamodb': 'dynamodb',
  '@aws-sdk/client-cloudwatch': 'cloudwatch',
  '@aws-sdk/client-elastic-load-balancing-v2': 'elasticloadbalancing',
  '@aws-sdk/client-ecs': 'ecs',
  '@aws-sdk/client-eventbridge': 'events',
  '@aws-sdk/client-sfn': 'states',
  '@aws-sdk/client-ssm': 'ssm',
  '@aws-sdk/client-s3': 's3',
  '@aws-sdk/client-ec2': 'ec2',
  '@aws-sdk/client-auto-scaling': 'autoscaling',
};

/** The DynamoTable helpers that send batched commands themselves (dynamodb-store/table.ts). */
const TABLE_HELPERS: Record<string, string> = {
  batchWrite: 'dynamodb:BatchWriteItem',
  batchGet: 'dynamodb:BatchGetItem',
};

/** Commands whose IAM action is not their operation's name. */
const ACTION_NAME: Record<string, string> = { 'lambda:Invoke': 'lambda:InvokeFunction' };

/**
 * Actions a call needs besides its own (IAM's "dependent actions"): CreateTaskSet passes the task
 * definition's task and execution roles to ECS.
 */
const DEPENDENT_ACTIONS: Record<string, string[]> = { 'ecs:CreateTaskSet': ['iam:PassRole'] };

/** The IAM actions a source file's `new XxxCommand(...)` calls need, sorted. */
function derivedActions(source: string, fileName = 'adapter.ts'): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const packageOf = new Map<string, string>();
  const actions = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isNewExpression(node) && ts.isIdentifier(node.expression)) {
      const name = node.expression.text;
      const match = /^(\w+)Command$/.exec(name);
      const pkg = packageOf.get(name);
      if (match && pkg) {
        const prefix = SERVICE_PREFIX[pkg];
        if (!prefix)
          throw new Error(`${fileName}: no IAM prefix known for ${pkg}; add it to SERVICE_PREFIX.`);
        const action = `${prefix}:${match[1]}`;
        actions.add(ACTION_NAME[action] ?? action);
        for (const dependent of DEPENDENT_ACTIONS[action] ?? []) actions.add(dependent);
        // Reading a given version is its own action (a presigned URL is signed with the same role).
        if (action === 's3:GetObject' && /\bVersionId\b/.test(node.getText(file)))
          actions.add('s3:GetObjectVersion');
      }
    }
    ts.forEachChild(node, visit);
  };
  for (const statement of file.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const pkg = statement.moduleSpecifier.text;
    if (!pkg.startsWith('@aws-sdk/client-')) continue;
    const bindings = statement.importClause?.namedBindings;
    if (bindings && ts.isNamedImports(bindings))
      for (const element of bindings.elements) packageOf.set(element.name.text, pkg);
  }
  visit(file);
  for (const [helper, action] of Object.entries(TABLE_HELPERS)) {
    if (new RegExp(`\\btable\\.${helper}\\(`).test(source)) actions.add(action);
  }
  return [...actions].sort();
}

const DECLARED: Record<string, readonly string[]> = {
  'alarms.ts': ALARMS_IAM_ACTIONS,
  'deployment-executions.ts': DEPLOYMENT_EXECUTIONS_IAM_ACTIONS,
  'dynamodb-store/deployment-records.ts': DYNAMODB_ROLE_IAM_ACTIONS.deployments,
  'dynamodb-store/execution-names.ts': DYNAMODB_ROLE_IAM_ACTIONS.executionNames,
  'dynamodb-store/deployment-groups.ts': DYNAMODB_ROLE_IAM_ACTIONS.groups,
  'dynamodb-store/group-locks.ts': DYNAMODB_ROLE_IAM_ACTIONS.groupLocks,
  'dynamodb-store/hook-executions.ts': DYNAMODB_ROLE_IAM_ACTIONS.hookExecutions,
  'dynamodb-store/pending-waits.ts': DYNAMODB_ROLE_IAM_ACTIONS.pendingWaits,
  'dynamodb-store/alarm-watches.ts': DYNAMODB_ROLE_IAM_ACTIONS.alarmWatches,
  'dynamodb-store/deployment-targets.ts': DYNAMODB_ROLE_IAM_ACTIONS.deploymentTargets,
  'dynamodb-store/command-waits.ts': DYNAMODB_ROLE_IAM_ACTIONS.commandWaits,
  'dynamodb-store/group-declarations.ts': GROUP_DECLARATIONS_IAM_ACTIONS,
  'dynamodb-store/server-batches.ts': DYNAMODB_ROLE_IAM_ACTIONS.serverBatches,
  'instance-directory.ts': INSTANCE_DIRECTORY_IAM_ACTIONS,
  'auto-scaling-fleet.ts': AUTO_SCALING_FLEET_IAM_ACTIONS,
  'dynamodb-applications.ts': DYNAMODB_APPLICATIONS_IAM_ACTIONS,
  'dynamodb-application-revisions.ts': DYNAMODB_APPLICATION_REVISIONS_IAM_ACTIONS,
  'dynamodb-deployment-configs.ts': DYNAMODB_DEPLOYMENT_CONFIGS_IAM_ACTIONS,
  'dynamodb-deployment-group-configs.ts': DYNAMODB_DEPLOYMENT_GROUP_CONFIGS_IAM_ACTIONS,
  'dynamodb-on-premises-instances.ts': DYNAMODB_ON_PREMISES_INSTANCES_IAM_ACTIONS,
  'dynamodb-pages.ts': DYNAMODB_PAGES_IAM_ACTIONS,
  'elbv2-load-balancer.ts': ELBV2_LOAD_BALANCER_IAM_ACTIONS,
  'elbv2-listeners.ts': ELBV2_LISTENERS_IAM_ACTIONS,
  'ecs-task-sets.ts': ECS_TASK_SETS_IAM_ACTIONS,
  'events.ts': EVENTS_IAM_ACTIONS,
  'hook-invoker.ts': HOOK_INVOKER_IAM_ACTIONS,
  'lambda-alias.ts': LAMBDA_ALIAS_IAM_ACTIONS,
  's3-revision-source.ts': S3_REVISION_SOURCE_IAM_ACTIONS,
  'ssm-transport.ts': SSM_TRANSPORT_IAM_ACTIONS,
  'task-callbacks.ts': TASK_CALLBACKS_IAM_ACTIONS,
};

describe('IAM actions declared by the AWS adapters', () => {
  it.each(Object.entries(DECLARED))('%s declares exactly the actions its code calls', (file, declared) => {
    const derived = derivedActions(readFileSync(resolve(adaptersDir, file), 'utf8'), file);
    expect(derived.length).toBeGreaterThan(0);
    expect([...declared].sort()).toEqual(derived);
    expect(new Set(declared).size).toBe(declared.length);
  });

  it('leaves out the local-only table bootstrap (CreateTable in dynamodb-table.ts)', () => {
    const bootstrap = derivedActions(readFileSync(resolve(adaptersDir, 'dynamodb-table.ts'), 'utf8'));
    expect(bootstrap).toEqual(['dynamodb:CreateTable']);
    expect(Object.values(DYNAMODB_ROLE_IAM_ACTIONS).flat()).not.toContain('dynamodb:CreateTable');
  });

  it("declares for the Lambda alias router exactly the actions of the alias port's methods it calls", () => {
    // The router builds no command itself: it calls the alias port, whose methods are these calls.
    const actionOfMethod: Record<string, string> = {
      getAlias: 'lambda:GetAlias',
      updateAlias: 'lambda:UpdateAlias',
      versionExists: 'lambda:GetFunctionConfiguration',
    };
    const source = readFileSync(resolve(adaptersDir, 'lambda-alias-router.ts'), 'utf8');
    const called = [...source.matchAll(/this\.alias\.(\w+)\(/g)].map((match) => actionOfMethod[match[1]!]);
    expect(called).not.toContain(undefined);
    expect([...new Set(called)].sort()).toEqual([...LAMBDA_ALIAS_ROUTER_IAM_ACTIONS].sort());
  });

  it("declares for the target-group pair router the listener port's read and write, on listeners and rules", () => {
    // The router calls the listeners port; each method is one call on a listener or on a rule.
    const actionsOfMethod: Record<string, string[]> = {
      getForwardAction: ['elasticloadbalancing:DescribeListeners', 'elasticloadbalancing:DescribeRules'],
      setForwardAction: [
        'elasticloadbalancing:DescribeListeners',
        'elasticloadbalancing:DescribeRules',
        'elasticloadbalancing:ModifyListener',
        'elasticloadbalancing:ModifyRule',
      ],
    };
    const source = readFileSync(resolve(adaptersDir, 'target-group-pair-router.ts'), 'utf8');
    const methods = [...source.matchAll(/this\.listeners\.(\w+)\(/g)].map((match) => match[1]!);
    expect(methods.every((method) => method in actionsOfMethod)).toBe(true);
    const called = new Set(methods.flatMap((method) => actionsOfMethod[method]!));
    expect([...called].sort()).toEqual([...TARGET_GROUP_PAIR_ROUTER_IAM_ACTIONS].sort());
    // The traffic port serves both route kinds: it is granted both routers' actions.
    expect(IAM_ACTIONS_BY_PORT.traffic).toEqual([
      ...LAMBDA_ALIAS_ROUTER_IAM_ACTIONS,
      ...TARGET_GROUP_PAIR_ROUTER_IAM_ACTIONS,
      ...TARGET_REGISTRATION_ROUTER_IAM_ACTIONS,
    ]);
  });

  it("declares for the target-registration router exactly the actions of the load balancer port's methods it calls", () => {
    const actionOfMethod: Record<string, string> = {
      registerTargets: 'elasticloadbalancing:RegisterTargets',
      deregisterTargets: 'elasticloadbalancing:DeregisterTargets',
      describeTargetHealth: 'elasticloadbalancing:DescribeTargetHealth',
    };
    const source = readFileSync(resolve(adaptersDir, 'target-registration-router.ts'), 'utf8');
    const called = [...source.matchAll(/this\.loadBalancer\.(\w+)\(/g)].map(
      (match) => actionOfMethod[match[1]!],
    );
    expect(called).not.toContain(undefined);
    expect([...new Set(called)].sort()).toEqual([...TARGET_REGISTRATION_ROUTER_IAM_ACTIONS].sort());
    // The traffic port routes every kind: its actions are its routers' ones together.
    expect([...IAM_ACTIONS_BY_PORT.traffic].sort()).toEqual(
      [
        ...LAMBDA_ALIAS_ROUTER_IAM_ACTIONS,
        ...TARGET_GROUP_PAIR_ROUTER_IAM_ACTIONS,
        ...TARGET_REGISTRATION_ROUTER_IAM_ACTIONS,
      ].sort(),
    );
  });

  it('detects a call nobody declared, and maps names the way IAM spells them', () => {
    const source = [
      "import { InvokeCommand, GetAliasCommand } from '@aws-sdk/client-lambda';",
      "import { GetObjectCommand } from '@aws-sdk/client-s3';",
      "import { CustomCommand } from './local.js';",
      'client.send(new GetAliasCommand({}));',
      'client.send(new InvokeCommand({}));',
      "client.send(new GetObjectCommand({ Bucket: 'b', Key: 'k', VersionId: v }));",
      'client.send(new CustomCommand({}));',
    ].join('\n');
    const derived = derivedActions(source);
    expect(derived).toEqual([
      'lambda:GetAlias',
      'lambda:InvokeFunction',
      's3:GetObject',
      's3:GetObjectVersion',
    ]);
    // The hook invoker's declaration lacks GetAlias: the comparison above would fail for it.
    expect(derived).not.toEqual([...HOOK_INVOKER_IAM_ACTIONS].sort());
    expect(
      derivedActions("import { GetObjectCommand } from '@aws-sdk/client-s3';\nnew GetObjectCommand({});"),
    ).toEqual(['s3:GetObject']);
  });

  it('refuses a client package it has no IAM prefix for', () => {
    expect(() =>
      derivedActions("import { ListQueuesCommand } from '@aws-sdk/client-sqs';\nnew ListQueuesCommand({});"),
    ).toThrow(/no IAM prefix known for @aws-sdk\/client-sqs/);
  });

  it('maps every port to its adapter, and a port list to its deduplicated actions', () => {
    expect(Object.keys(IAM_ACTIONS_BY_PORT).sort()).toEqual(
      [
        ...STORE_ROLES,
        'alarms',
        'callbacks',
        'controlPlane',
        'deploymentConfigs',
        'ecs',
        'events',
        'executions',
        'fleet',
        'hooks',
        'instances',
        'lambda',
        'listeners',
        'loadBalancer',
        'revisions',
        'traffic',
        'transport',
      ].sort(),
    );
    // Each role has its own actions: the targets are read, put (moving the deployment's counters),
    // batched and queried; only deployments are scanned; the instance directory and the configs only read.
    expect([...IAM_ACTIONS_BY_PORT.deploymentTargets].sort()).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    expect([...IAM_ACTIONS_BY_PORT.instances].sort()).toEqual([
      'autoscaling:DescribeAutoScalingGroups',
      'ec2:DescribeInstances',
      'ssm:DescribeInstanceInformation',
      'ssm:ListTagsForResource',
    ]);
    expect(IAM_ACTIONS_BY_PORT.deploymentConfigs).toEqual(['dynamodb:GetItem']);
    expect(
      Object.entries(DYNAMODB_ROLE_IAM_ACTIONS).filter(([, actions]) => actions.includes('dynamodb:Scan')),
    ).toEqual([['deployments', DYNAMODB_ROLE_IAM_ACTIONS.deployments]]);
    expect(IAM_ACTIONS_BY_PORT.callbacks).toBe(TASK_CALLBACKS_IAM_ACTIONS);
    expect(iamActionsFor(['lambda', 'hooks', 'lambda'])).toEqual([
      'lambda:GetAlias',
      'lambda:GetFunctionConfiguration',
      'lambda:InvokeFunction',
      'lambda:UpdateAlias',
    ]);
  });
});
