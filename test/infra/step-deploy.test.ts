import { readdirSync, readFileSync } from 'node:fs';
import { Stack, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { iamActionsFor } from '../../functions/adapters/aws/iam-actions.js';
import { allChildStateMachines, FLOWS } from '../../functions/flows/registry.js';
import { HANDLERS } from '../../infra/handlers.js';
import { StepDeploy } from '../../infra/step-deploy.js';
import { AUTO_SCALING_COPY_IMPLIED_IAM_ACTIONS } from '../../functions/adapters/aws/auto-scaling-fleet.js';
import { stackWithGroups, testApp, type Fixture } from './stack-fixture.js';

type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

let fixture: Fixture;
let resources: Record<string, Resource>;

beforeAll(() => {
  fixture = stackWithGroups({}, { blueGreen: true });
  resources = fixture.template.toJSON().Resources as Record<string, Resource>;
});

function logicalId(construct: { node: { defaultChild?: unknown } } | CfnElement): string {
  const element = (
    'node' in construct && construct.node.defaultChild ? construct.node.defaultChild : construct
  ) as CfnElement;
  return fixture.stack.resolve(fixture.stack.getLogicalId(element)) as string;
}

function resourcesOfType(type: string): Array<[string, Resource]> {
  return Object.entries(resources).filter(([, resource]) => resource.Type === type);
}

/** Every statement of every policy attached to the role with this logical id. */
function statementsOfRole(roleId: string): Statement[] {
  return resourcesOfType('AWS::IAM::Policy')
    .filter(([, policy]) =>
      (policy.Properties.Roles as unknown[]).some(
        (role) => JSON.stringify(role) === JSON.stringify({ Ref: roleId }),
      ),
    )
    .flatMap(([, policy]) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

const actionsOf = (statements: Statement[]): string[] =>
  [...new Set(statements.flatMap((statement) => [statement.Action].flat()))].sort();

function roleIdOf(name: (typeof HANDLERS)[number]['name']): string {
  const fn = resources[logicalId(fixture.stepDeploy.functions[name])]!;
  return (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
}

/** What a function writes its own logs with; not an adapter's call. */
const LOG_WRITING = ['logs:CreateLogStream', 'logs:PutLogEvents'];

describe('the StepDeploy construct', () => {
  it('has a function for every handler entry file', () => {
    const files = readdirSync('functions/handlers')
      .filter((file) => file.endsWith('.ts') && file !== 'aws-deps.ts')
      .map((file) => file.replace(/\.ts$/, ''))
      .sort();
    expect(HANDLERS.map((spec) => spec.file).sort()).toEqual(files);
    expect(resourcesOfType('AWS::Lambda::Function').length).toBeGreaterThanOrEqual(HANDLERS.length);
  });

  it('runs every handler on Node.js 22, arm64, from its bundled ESM entry', () => {
    for (const spec of HANDLERS) {
      const fn = resources[logicalId(fixture.stepDeploy.functions[spec.name])]!;
      expect(fn.Properties, spec.name).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        LoggingConfig: { LogFormat: 'JSON' },
      });
    }
  });

  it("grants each function exactly the IAM actions of its handler's ports, as the adapters declare them", () => {
    for (const spec of HANDLERS) {
      const granted = actionsOf(statementsOfRole(roleIdOf(spec.name)));
      // Copying an Auto Scaling group also needs what CreateAutoScalingGroup checks on its caller.
      const implied = (spec.ports as readonly string[]).includes('fleet')
        ? AUTO_SCALING_COPY_IMPLIED_IAM_ACTIONS
        : [];
      expect(granted, spec.name).toEqual(
        [...new Set([...iamActionsFor(spec.ports), ...implied, ...LOG_WRITING])].sort(),
      );
    }
  });

  it('grants no wildcard action anywhere, and * resources only to APIs without resource-level permissions', () => {
    const statements = resourcesOfType('AWS::IAM::Policy').flatMap(
      ([, policy]) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
    );
    for (const statement of statements) {
      for (const action of [statement.Action].flat()) expect(action).not.toContain('*');
    }
    const stepDeployRoles = new Set(HANDLERS.map((spec) => roleIdOf(spec.name)));
    const unscoped = [...stepDeployRoles]
      .flatMap(statementsOfRole)
      .filter((statement) => statement.Resource === '*')
      .flatMap((statement) => [statement.Action].flat());
    expect([...new Set(unscoped)].sort()).toEqual([
      // The instance directory's and the fleet's listings (no resource-level permissions).
      'autoscaling:DescribeAutoScalingGroups',
      'cloudwatch:DescribeAlarms',
      'ec2:DescribeInstances',
      'ecs:DescribeTaskDefinition',
      'elasticloadbalancing:DescribeListeners',
      'elasticloadbalancing:DescribeRules',
      'elasticloadbalancing:DescribeTargetGroupAttributes',
      'elasticloadbalancing:DescribeTargetGroups',
      'elasticloadbalancing:DescribeTargetHealth',
      'ssm:CancelCommand',
      'ssm:DescribeInstanceInformation',
      'ssm:GetCommandInvocation',
      'ssm:ListCommandInvocations',
      'ssm:ListTagsForResource',
    ]);
  });

  it('scopes the group-declared targets: the alias function, the target group and the instances', () => {
    const shift = statementsOfRole(roleIdOf('ShiftTraffic'));
    const updateAlias = shift.find((statement) => [statement.Action].flat().includes('lambda:UpdateAlias'))!;
    expect(JSON.stringify(updateAlias.Resource)).toContain(
      logicalId(fixture.stack.node.findChild('App') as lambda.Function),
    );

    const run = statementsOfRole(roleIdOf('RunLifecycleEvent'));
    const sendCommand = run.filter((statement) => [statement.Action].flat().includes('ssm:SendCommand'));
    const sendResources = JSON.stringify(sendCommand.map((statement) => statement.Resource));
    expect(sendResources).toContain('document/AWS-RunShellScript');
    // A group declared by instance ids: the account's instances in the region, never one ARN each.
    expect(sendResources).toContain(':instance/*');
    expect(sendResources).toContain(':managed-instance/*');
    expect(sendResources).not.toContain('i-0123456789abcdef0');

    const block = statementsOfRole(roleIdOf('BlockTraffic'));
    const deregister = block.find((statement) =>
      [statement.Action].flat().includes('elasticloadbalancing:DeregisterTargets'),
    )!;
    expect(JSON.stringify(deregister.Resource)).toContain(
      logicalId(fixture.stack.node.findChild('Web') as CfnElement & { node: never }),
    );
  });

  it("sizes each function for its step's work: the timeout the step declares, 60 s otherwise", () => {
    const timeouts = Object.fromEntries(
      HANDLERS.map((spec) => [
        spec.name,
        resources[logicalId(fixture.stepDeploy.functions[spec.name])]!.Properties.Timeout,
      ]),
    );
    // A batch of 10,000 instances is 200 SSM commands and hundreds of batched writes per event.
    expect(timeouts).toMatchObject({
      PrepareServerInPlace: 900,
      RunLifecycleEvent: 900,
      CollectEventResults: 900,
      NextBatch: 300,
      RecordBatch: 300,
      BlockTraffic: 300,
      AllowTraffic: 300,
      CheckTargets: 300,
      OnExecutionEnded: 300,
      Finish: 900,
      Rollback: 300,
      Bake: 60,
    });
    // Prepare spools a zip bundle (read from its end) to /tmp: room for the 2 GiB archive limit.
    expect(
      resources[logicalId(fixture.stepDeploy.functions.PrepareServerInPlace)]!.Properties.EphemeralStorage,
    ).toEqual({ Size: 2560 });
  });

  it('lets RunHook invoke only functions named with the hook prefix', () => {
    const invoke = statementsOfRole(roleIdOf('RunHook')).find(
      (statement) => statement.Action === 'lambda:InvokeFunction',
    )!;
    expect(JSON.stringify(invoke.Resource)).toMatch(/:function:CodeDeployHook_\*"/);

    const custom = stackWithGroups({ hookFunctionPrefix: 'MyHooks-' });
    const customStatements = Object.values(custom.template.toJSON().Resources as Record<string, Resource>)
      .filter((resource) => resource.Type === 'AWS::IAM::Policy')
      .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
      .filter((statement) => statement.Action === 'lambda:InvokeFunction');
    expect(JSON.stringify(customStatements)).toContain(':function:MyHooks-*');
    expect(JSON.stringify(customStatements)).not.toContain('CodeDeployHook_');
  });

  it('points a hook at the endpoint only when its name has the prefix', () => {
    const app = testApp();
    const stack = new Stack(app, 'Hooks');
    const stepDeploy = new StepDeploy(stack, 'StepDeploy');
    const code = lambda.Code.fromInline('exports.handler = async () => 1;');
    const good = new lambda.Function(stack, 'Good', {
      functionName: 'CodeDeployHook_check',
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code,
    });
    stepDeploy.useAsHookEndpoint(good);
    expect(
      stack.resolve(good.node.defaultChild && (good.node.defaultChild as lambda.CfnFunction).environment),
    ).toMatchObject({
      variables: {
        AWS_ENDPOINT_URL_CODEDEPLOY: {
          'Fn::GetAtt': [expect.stringContaining('CodeDeployApi'), 'FunctionUrl'],
        },
      },
    });
    const misnamed = new lambda.Function(stack, 'Misnamed', {
      functionName: 'check-traffic',
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code,
    });
    expect(() => stepDeploy.useAsHookEndpoint(misnamed)).toThrow(
      /CodeDeployHook_.*check-traffic|check-traffic.*CodeDeployHook_/,
    );
  });

  it('keeps deployments in an on-demand table with point-in-time recovery and deletion protection', () => {
    fixture.template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      BillingMode: 'PAY_PER_REQUEST',
      Replicas: [
        Match.objectLike({
          DeletionProtectionEnabled: true,
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        }),
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'byGroup' })],
    });
    const unprotected = stackWithGroups({ deletionProtection: false });
    unprotected.template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      Replicas: [Match.objectLike({ DeletionProtectionEnabled: false })],
    });
  });

  it('keeps revisions in an encrypted, versioned, private, TLS-only bucket that reports to EventBridge', () => {
    const bucketId = logicalId(fixture.stepDeploy.revisionBucket);
    expect(resources[bucketId]!.Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: { LogFilePrefix: 'revisions/' },
    });
    fixture.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
    fixture.template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { Ref: bucketId },
      NotificationConfiguration: { EventBridgeConfiguration: {} },
    });
  });

  it('inlines each state machine with logging at ALL and X-Ray tracing', () => {
    const machines = resourcesOfType('AWS::StepFunctions::StateMachine');
    expect(machines).toHaveLength(FLOWS.length + allChildStateMachines().length);
    for (const [, machine] of machines) {
      expect(typeof machine.Properties.DefinitionString).toBe('string');
      expect(machine.Properties).toMatchObject({
        StateMachineType: 'STANDARD',
        TracingConfiguration: { Enabled: true },
        LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true },
      });
    }
  });

  it('resolves every Task of every state machine to a function of the stack, and may invoke only those', () => {
    const functionIds = new Set(resourcesOfType('AWS::Lambda::Function').map(([id]) => id));
    for (const [id, machine] of resourcesOfType('AWS::StepFunctions::StateMachine')) {
      const definition = JSON.parse(machine.Properties.DefinitionString as string) as {
        States: Record<string, Record<string, unknown>>;
      };
      const substitutions = machine.Properties.DefinitionSubstitutions as Record<
        string,
        { 'Fn::GetAtt': [string, string] }
      >;
      const invoked = new Set<string>();
      const roleOf = (machine.Properties.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      for (const [stateName, state] of Object.entries(definition.States)) {
        if (state.Type !== 'Task') continue;
        if (state.Resource === 'arn:aws:states:::states:startExecution.sync:2') {
          // A child execution: of a state machine of this stack, which the parent may start.
          const placeholder = /^\$\{(\w+)\}$/.exec(
            (state.Parameters as { StateMachineArn: string }).StateMachineArn,
          )?.[1];
          const child = (substitutions[placeholder!] as unknown as { Ref: string }).Ref;
          expect(resources[child]?.Type, `${id}.${stateName}`).toBe('AWS::StepFunctions::StateMachine');
          const start = statementsOfRole(roleOf).find((statement) =>
            [statement.Action].flat().includes('states:StartExecution'),
          );
          expect(start?.Resource).toEqual({ Ref: child });
          continue;
        }
        const target =
          state.Resource === 'arn:aws:states:::lambda:invoke.waitForTaskToken'
            ? (state.Parameters as { FunctionName: string }).FunctionName
            : (state.Resource as string);
        const placeholder = /^\$\{(\w+)\}$/.exec(target)?.[1];
        expect(placeholder, `${id}.${stateName}`).toBeDefined();
        const reference = substitutions[placeholder!]!['Fn::GetAtt'];
        expect(functionIds.has(reference[0]), `${stateName} -> ${reference[0]}`).toBe(true);
        expect(reference[1]).toBe('Arn');
        invoked.add(reference[0]);
      }
      expect(invoked.size).toBeGreaterThan(0);
      const roleId = (machine.Properties.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const invokes = statementsOfRole(roleId).filter((statement) =>
        [statement.Action].flat().includes('lambda:InvokeFunction'),
      );
      const allowed = invokes.flatMap(
        (statement) => [statement.Resource].flat() as Array<{ 'Fn::GetAtt': [string, string] }>,
      );
      expect(allowed.map((resource) => resource['Fn::GetAtt'][0]).sort()).toEqual([...invoked].sort());
    }
  });

  it('deploys every state machine of statemachines/', () => {
    const files = readdirSync('statemachines').filter((file) => file.endsWith('.asl.yaml'));
    const deployed = resourcesOfType('AWS::StepFunctions::StateMachine').map(
      ([, machine]) => JSON.parse(machine.Properties.DefinitionString as string) as unknown,
    );
    expect(deployed).toHaveLength(files.length);
    for (const file of files) {
      expect(deployed, file).toContainEqual(parse(readFileSync(`statemachines/${file}`, 'utf8')));
    }
  });

  it('uses the ASL files as they are, with only the function ARNs substituted', () => {
    const lambdaMachine = resources[logicalId(fixture.stepDeploy.stateMachines.LambdaDeployment)]!;
    const fromFile = parse(readFileSync('statemachines/lambda-deployment.asl.yaml', 'utf8')) as unknown;
    expect(JSON.parse(lambdaMachine.Properties.DefinitionString as string)).toEqual(fromFile);
  });

  it('routes alarm, command and execution events to their handlers', () => {
    const ruleTo = (name: (typeof HANDLERS)[number]['name']) => {
      const fnId = logicalId(fixture.stepDeploy.functions[name]);
      const rules = resourcesOfType('AWS::Events::Rule').filter(([, rule]) =>
        JSON.stringify(rule.Properties.Targets).includes(`"${fnId}"`),
      );
      return rules.map(([, rule]) => rule.Properties.EventPattern);
    };
    expect(ruleTo('OnAlarmStateChange')).toEqual([
      {
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        detail: { state: { value: ['ALARM'] } },
      },
    ]);
    expect(ruleTo('OnCommandComplete')).toEqual([
      {
        source: ['aws.ssm'],
        'detail-type': ['EC2 Command Status-change Notification'],
        detail: {
          'document-name': ['AWS-RunShellScript'],
          status: ['Success', 'Failed', 'TimedOut', 'Cancelled'],
        },
      },
    ]);
    const ended = ruleTo('OnExecutionEnded');
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'] },
    });
    const uploads = ruleTo('OnRevisionUploaded') as Array<{ detail: { object: { key: unknown } } }>;
    expect(uploads.map((pattern) => pattern.detail.object.key)).toEqual(
      expect.arrayContaining([[{ prefix: 'shop-api/live/' }], [{ prefix: 'shop-web/production/' }]]),
    );
    expect(uploads[0]).toMatchObject({ source: ['aws.s3'], 'detail-type': ['Object Created'] });
  });

  it('publishes state-change events to the chosen bus, the default bus unless told', () => {
    const putEvents = (statements: Statement[]) =>
      statements.find((statement) => [statement.Action].flat().includes('events:PutEvents'))!;
    expect(JSON.stringify(putEvents(statementsOfRole(roleIdOf('Finish'))).Resource)).toContain(
      ':event-bus/default',
    );

    const app = testApp();
    const stack = new Stack(app, 'Bus');
    const bus = new events.EventBus(stack, 'Deployments');
    const stepDeploy = new StepDeploy(stack, 'StepDeploy', { eventBus: bus });
    const template = Template.fromStack(stack);
    const finish = template.toJSON().Resources[
      stack.resolve(stack.getLogicalId(stepDeploy.functions.Finish.node.defaultChild as CfnElement))
    ] as Resource;
    expect(finish.Properties.Environment).toMatchObject({
      Variables: {
        STEPDEPLOY_EVENT_BUS_NAME: {
          'Fn::GetAtt': [stack.resolve(stack.getLogicalId(bus.node.defaultChild as CfnElement)), 'Arn'],
        },
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'events:PutEvents',
            Resource: {
              'Fn::GetAtt': [stack.resolve(stack.getLogicalId(bus.node.defaultChild as CfnElement)), 'Arn'],
            },
          }),
        ]),
      },
    });
  });

  it('keeps function logs in their own log groups, for three months by default', () => {
    for (const spec of HANDLERS) {
      const fn = resources[logicalId(fixture.stepDeploy.functions[spec.name])]!;
      const logGroupId = (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      expect(resources[logGroupId]!.Properties.RetentionInDays, spec.name).toBe(90);
    }
  });

  it('serves the API through a function URL with IAM authentication, and a managed policy grants it', () => {
    const api = logicalId(fixture.stepDeploy.functions.CodeDeployServiceApi);
    fixture.template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'AWS_IAM',
      TargetFunctionArn: { 'Fn::GetAtt': [api, 'Arn'] },
    });
    // Exactly two function URLs: the API (IAM) and the hook endpoint, the only unauthenticated one.
    const urls = Object.values(resources).filter((resource) => resource.Type === 'AWS::Lambda::Url');
    expect(urls.map((url) => url.Properties.AuthType).sort()).toEqual(['AWS_IAM', 'NONE']);
    fixture.template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: [
          {
            Action: 'lambda:InvokeFunctionUrl',
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [api, 'Arn'] },
            Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } },
          },
        ],
      },
    });
    // The API starts deployments on the flows' state machines, and serves the control plane's records.
    const actions = iamActionsFor(HANDLERS.find((spec) => spec.name === 'CodeDeployServiceApi')!.ports);
    expect(actions).toEqual(
      expect.arrayContaining(['states:StartExecution', 'dynamodb:Scan', 'dynamodb:DeleteItem']),
    );
  });

  it('serves the hook endpoint through a function URL', () => {
    fixture.template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'NONE',
      TargetFunctionArn: { 'Fn::GetAtt': [logicalId(fixture.stepDeploy.functions.CodeDeployApi), 'Arn'] },
    });
  });
});

describe('cdk-nag', () => {
  it('passes the AwsSolutions checks with every finding acknowledged (synth would throw otherwise)', () => {
    // stackWithGroups synthesised with the checks on; a fresh app shows the checks do run:
    const app = testApp();
    const stack = new Stack(app, 'Unsafe');
    new s3.Bucket(stack, 'Plain');
    expect(() => app.synth()).toThrow(/AwsSolutions-S1|AwsSolutions-S10/);
    expect(fixture.template.toJSON().Resources).toBeDefined();
  });
});
