import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ArnFormat, Duration, Names, RemovalPolicy, Size, Stack, Token, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { parse } from 'yaml';
import { AUTO_SCALING_COPY_IMPLIED_IAM_ACTIONS } from '../functions/adapters/aws/auto-scaling-fleet.js';
import { tableDefinition } from '../functions/adapters/aws/dynamodb-table.js';
import {
  allChildStateMachines,
  FLOWS,
  flowIds,
  type ChildStateMachine,
  type FlowName,
} from '../functions/flows/registry.js';
import { ENV } from '../functions/runtime/env.js';
import { HANDLERS, type HandlerName, type HandlerSpec } from './handlers.js';
import { acknowledgeWildcardResources } from './nag.js';
import { actionsByScope, type ResourceScope } from './permissions.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** CodeDeploy's own service role may invoke only functions named like this; so may stepdeploy. */
export const DEFAULT_HOOK_FUNCTION_PREFIX = 'CodeDeployHook_';

/** The SSM document that carries the generated lifecycle-event scripts to instances. */
const RUN_SHELL_SCRIPT_DOCUMENT = 'AWS-RunShellScript';

export interface StepDeployProps {
  /**
   * Hook functions named in AppSpec files must start with this; stepdeploy may invoke nothing else.
   * @default 'CodeDeployHook_' (CodeDeploy's convention)
   */
  readonly hookFunctionPrefix?: string;
  /**
   * Where deployment state-change events are published.
   * @default the account's default event bus
   */
  readonly eventBus?: events.IEventBus;
  /**
   * Protects the deployment table from deletion (CloudFormation and console).
   * @default true
   */
  readonly deletionProtection?: boolean;
  /**
   * What happens to the table and the buckets when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * How long function and execution logs are kept.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
}

/** An instance tag a grant requires: a key with one of `values`, or the key with any value. */
export interface InstanceTagCondition {
  readonly key: string;
  readonly values?: readonly string[];
}

/**
 * Which instances lifecycle-event commands may run on, never listed one by one (IAM caps a role's
 * inline policies at 10,240 characters, about 130 instance ARNs): instances with given tags (EC2
 * instances and SSM managed instances apart), or every instance of the account in the region.
 */
export type InstanceGrant =
  | { readonly scope: 'account' }
  | {
      readonly scope: 'tags';
      /** EC2 instances with ANY of these tags (one statement each). */
      readonly ec2: readonly InstanceTagCondition[];
      /** On-premises (SSM managed) instances with ANY of these tags. */
      readonly onPremises: readonly InstanceTagCondition[];
    };

/** What a deployment group lets stepdeploy touch (the deployment-group constructs call this). */
export interface DeploymentTargets {
  /** Lambda functions whose aliases stepdeploy shifts (the function behind each alias). */
  readonly lambdaFunctionArns?: readonly string[];
  readonly targetGroupArns?: readonly string[];
  /** The instances lifecycle-event commands may run on. */
  readonly instances?: InstanceGrant;
  /** ECS services (EXTERNAL deployment controller) whose task sets stepdeploy creates and swaps. */
  readonly ecsServiceArns?: readonly string[];
  /** Their task sets (`task-set/<cluster>/<service>/*`), which stepdeploy deletes. */
  readonly ecsTaskSetArns?: readonly string[];
  /** Listeners and listener rules whose forward weights stepdeploy shifts. */
  readonly listenerArns?: readonly string[];
  /** The task and execution roles of the task definitions deployed, passed to ECS. */
  readonly passRoleArns?: readonly string[];
  /** Server blue/green: what provisioning and retiring fleets may touch. */
  readonly replacementFleet?: {
    /** Auto Scaling groups by name (a trailing `*` for the copies each deployment makes). */
    readonly autoScalingGroupNames: readonly string[];
    /** EC2 instances with ANY of these tags: the discovered originals a successful deployment terminates. */
    readonly terminableInstances: readonly InstanceTagCondition[];
  };
}

/**
 * stepdeploy in an AWS account: a function per step, the state machines that run deployments, the
 * deployment table, the revision bucket, and the EventBridge rules that feed the event-driven waits.
 */
export class StepDeploy extends Construct {
  readonly table: dynamodb.TableV2;
  readonly revisionBucket: s3.Bucket;
  /** Server access logs of the revision bucket (and of other stepdeploy buckets, under their prefixes). */
  readonly accessLogsBucket: s3.Bucket;
  readonly eventBus: events.IEventBus;
  readonly hookFunctionPrefix: string;
  readonly functions: Readonly<Record<HandlerName, NodejsFunction>>;
  /** One state machine per flow of the registry, by flow name. */
  readonly stateMachines: Readonly<Record<FlowName, sfn.StateMachine>>;
  /** Fixed names (the ARNs are built from them), usable from other stacks without a reference. */
  readonly stateMachineNames: Readonly<Record<FlowName, string>>;
  /** The machines flows run as child executions (the Server batches), by name. */
  readonly childStateMachines: Readonly<Record<string, sfn.StateMachine>>;
  /** Hook functions call PutLifecycleEventHookExecutionStatus here (AWS_ENDPOINT_URL_CODEDEPLOY). */
  readonly hookEndpoint: lambda.FunctionUrl;
  /**
   * The CodeDeploy-compatible API (every operation), authenticated with IAM: callers sign with SigV4
   * for the `lambda` service and need `lambda:InvokeFunctionUrl` on it (the operators policy).
   */
  readonly apiEndpoint: lambda.FunctionUrl;
  /** Grants the API to whoever it is attached to (users, roles, groups of operators). */
  readonly operatorPolicy: iam.ManagedPolicy;

  private readonly portsOf = new Map<HandlerName, HandlerSpec['ports']>();
  private readonly childNames = new Map<sfn.StateMachine, string>();

  constructor(scope: Construct, id: string, props: StepDeployProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;
    this.hookFunctionPrefix = props.hookFunctionPrefix ?? DEFAULT_HOOK_FUNCTION_PREFIX;
    if (!/^[A-Za-z0-9_-]{1,60}$/.test(this.hookFunctionPrefix)) {
      throw new Error(
        `hookFunctionPrefix "${this.hookFunctionPrefix}" is not a function-name prefix: use 1-60 letters, digits, '-' or '_'.`,
      );
    }
    this.eventBus = props.eventBus ?? events.EventBus.fromEventBusName(this, 'DefaultBus', 'default');

    this.table = new dynamodb.TableV2(this, 'Table', {
      partitionKey: { name: tableDefinition.partitionKey.name, type: dynamodb.AttributeType.STRING },
      sortKey: { name: tableDefinition.sortKey.name, type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.deletionProtection ?? true,
      removalPolicy,
      globalSecondaryIndexes: tableDefinition.globalSecondaryIndexes.map((index) => ({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey.name, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey.name, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.ALL,
      })),
    });

    const accessLogs = (this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy,
    }));
    this.revisionBucket = new s3.Bucket(this, 'Revisions', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      eventBridgeEnabled: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'revisions/',
      removalPolicy,
    });

    // State machine ARNs are built from their names, not referenced: functions start executions and
    // the state machines invoke the functions, and a reference both ways would be a cycle.
    const prefix = Names.uniqueResourceName(this, { maxLength: 60, separator: '-' });
    const stateMachineNames = (this.stateMachineNames = byFlow((flow) => `${prefix}-${flow.name}`));
    const stateMachineArns = byFlow((flow) =>
      stack.formatArn({
        service: 'states',
        resource: 'stateMachine',
        resourceName: stateMachineNames[flow.name],
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    );

    const environment: Record<string, string> = {
      [ENV.tableName]: this.table.tableName,
      // The ARN, which PutEvents also takes: a bus of another account is then written to, not its namesake.
      [ENV.eventBusName]: this.eventBus.eventBusArn,
      [ENV.hookFunctionPrefix]: this.hookFunctionPrefix,
      // Which state machine runs each flow: the executions port starts a group's deployment on it.
      [ENV.stateMachineArns]: stack.toJsonString(
        Object.fromEntries(flowIds().map(({ id, name }) => [id, stateMachineArns[name]])),
      ),
      NODE_OPTIONS: '--enable-source-maps',
    };
    const stackResources: Record<Exclude<ResourceScope, GroupScope>, string[]> = {
      table: [
        this.table.tableArn,
        `${this.table.tableArn}/index/${tableDefinition.globalSecondaryIndexes[0].indexName}`,
      ],
      revisionObjects: [this.revisionBucket.arnForObjects('*')],
      hookFunctions: [
        stack.formatArn({
          service: 'lambda',
          resource: 'function',
          resourceName: `${this.hookFunctionPrefix}*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
      eventBus: [this.eventBus.eventBusArn],
      stateMachines: Object.values(stateMachineArns),
      // No resource-level permissions exist for these calls (see infra/permissions.ts).
      unscoped: ['*'],
    };

    const functions = {} as Record<HandlerName, NodejsFunction>;
    for (const spec of HANDLERS) {
      this.portsOf.set(spec.name, spec.ports);
      const logGroup = new logs.LogGroup(this, `${spec.name}Logs`, {
        retention: logRetention,
        removalPolicy,
      });
      const role = new iam.Role(this, `${spec.name}Role`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `stepdeploy ${spec.name}: the actions of the ports ${spec.ports.join(', ')}`,
      });
      logGroup.grantWrite(role);
      for (const [scope, actions] of actionsByScope(spec.ports)) {
        if (isGroupScope(scope)) {
          // SendCommand is also checked on the document; the instances come from the groups.
          if (scope === 'instances') role.addToPolicy(statement(actions, [this.runShellScriptDocumentArn()]));
          continue;
        }
        role.addToPolicy(statement(actions, stackResources[scope]));
        if (scope in WILDCARD_REASONS) {
          acknowledgeWildcardResources(
            role,
            stackResources[scope],
            `${actions.join(', ')}: ${WILDCARD_REASONS[scope as keyof typeof WILDCARD_REASONS]}`,
          );
        }
      }
      functions[spec.name] = new NodejsFunction(this, spec.name, {
        entry: `${ROOT}functions/handlers/${spec.file}.ts`,
        handler: 'handler',
        projectRoot: ROOT,
        depsLockFilePath: `${ROOT}package-lock.json`,
        runtime: lambda.Runtime.NODEJS_22_X,
        architecture: lambda.Architecture.ARM_64,
        memorySize: spec.memoryMiB,
        timeout: Duration.seconds(spec.timeoutSeconds),
        ...(spec.ephemeralStorageMiB
          ? { ephemeralStorageSize: Size.mebibytes(spec.ephemeralStorageMiB) }
          : {}),
        role,
        logGroup,
        loggingFormat: lambda.LoggingFormat.JSON,
        environment,
        bundling: {
          format: OutputFormat.ESM,
          target: 'node22',
          mainFields: ['module', 'main'],
          // Bundle the SDK too: the functions run the client versions the tests ran.
          externalModules: [],
          minify: true,
          sourceMap: true,
          // CommonJS dependencies call require(); an ESM bundle must provide it.
          banner:
            "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
          forceDockerBundling: false,
        },
      });
    }
    this.functions = functions;
    for (const fn of Object.values(functions)) {
      Validations.of(fn).acknowledge({
        id: 'AwsSolutions-L1',
        reason:
          'Node.js 22 is the runtime stepdeploy is bundled for and tested on; moving to a newer one is a deliberate upgrade.',
      });
    }

    this.hookEndpoint = functions.CodeDeployApi.addFunctionUrl({
      // Hook functions sign with their own role, for CodeDeploy's endpoint; what authorises a call here
      // is the unguessable hook execution id it carries, and it is the only operation served.
      authType: lambda.FunctionUrlAuthType.NONE,
    });

    // A Lambda function URL with AWS_IAM rather than API Gateway: IAM authenticates every call (SigV4
    // for the `lambda` service, `lambda:InvokeFunctionUrl`), with no other service to run, no 29 s
    // integration limit and nothing to keep in step with the function; the price is the signing name
    // clients must set (README: "Call the API in AWS").
    this.apiEndpoint = functions.CodeDeployServiceApi.addFunctionUrl({
      authType: lambda.FunctionUrlAuthType.AWS_IAM,
    });
    this.operatorPolicy = new iam.ManagedPolicy(this, 'OperatorPolicy', {
      description:
        "stepdeploy: call its CodeDeploy-compatible API (deployments, applications, groups, configs, revisions, on-premises instances); attach it to the operators' users or roles",
      statements: [
        new iam.PolicyStatement({
          actions: ['lambda:InvokeFunctionUrl'],
          resources: [functions.CodeDeployServiceApi.functionArn],
          conditions: { StringEquals: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } },
        }),
      ],
    });

    const children: Record<string, sfn.StateMachine> = {};
    for (const child of allChildStateMachines()) {
      children[child.name] = this.stateMachine(
        child,
        `${prefix}-${child.name}`,
        logRetention,
        removalPolicy,
        {},
      );
      this.childNames.set(children[child.name]!, `${prefix}-${child.name}`);
    }
    this.childStateMachines = children;
    this.stateMachines = byFlow((flow) =>
      this.stateMachine(flow, stateMachineNames[flow.name], logRetention, removalPolicy, children),
    );

    this.rules();

    // CDK's own handler that turns on EventBridge notifications for the revision bucket.
    const notifications = stack.node.tryFindChild(
      'BucketNotificationsHandler050a0587b7544547bf325f094a3db834',
    );
    if (notifications) {
      Validations.of(notifications).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          "CDK's bucket-notifications handler (it turns on EventBridge for the revision bucket); the managed policy only lets it write its logs.",
      });
    }
  }

  /** Lets a deployment group's targets be deployed: grants each function the actions its ports need on them. */
  grantDeploymentTargets(scope: Construct, targets: DeploymentTargets): void {
    const resourcesOf: Record<Exclude<GroupScope, 'instances' | 'terminableInstances'>, readonly string[]> = {
      lambdaTargets: (targets.lambdaFunctionArns ?? []).flatMap((arn) => [arn, `${arn}:*`]),
      targetGroups: targets.targetGroupArns ?? [],
      ecsServices: targets.ecsServiceArns ?? [],
      ecsTaskSets: targets.ecsTaskSetArns ?? [],
      listeners: targets.listenerArns ?? [],
      passRoles: targets.passRoleArns ?? [],
      autoScalingGroups: (targets.replacementFleet?.autoScalingGroupNames ?? []).map((name) =>
        Stack.of(this).formatArn({
          service: 'autoscaling',
          resource: 'autoScalingGroup',
          resourceName: `*:autoScalingGroupName/${name}`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ),
    };
    const fleetStatements = (scope: 'autoScalingGroups' | 'terminableInstances', actions: string[]) =>
      scope === 'autoScalingGroups'
        ? this.autoScalingCopyStatements(actions, resourcesOf.autoScalingGroups)
        : (targets.replacementFleet?.terminableInstances ?? []).map(
            (tag) =>
              new iam.PolicyStatement({
                actions: [...actions].sort(),
                resources: [this.instanceArnPatterns()[0]!],
                conditions: tag.values
                  ? { StringEquals: { [`ec2:ResourceTag/${tag.key}`]: [...tag.values] } }
                  : { Null: { [`ec2:ResourceTag/${tag.key}`]: 'false' } },
              }),
          );
    const instanceStatements = (actions: string[]): iam.PolicyStatement[] =>
      targets.instances ? this.instanceStatements(actions, targets.instances) : [];
    for (const spec of HANDLERS) {
      const statements = [...actionsByScope(spec.ports)]
        .filter((entry): entry is [GroupScope, string[]] => isGroupScope(entry[0]))
        .flatMap(([groupScope, actions]) =>
          groupScope === 'instances'
            ? instanceStatements(actions)
            : groupScope === 'terminableInstances' || groupScope === 'autoScalingGroups'
              ? fleetStatements(groupScope, actions)
              : resourcesOf[groupScope].length === 0
                ? []
                : groupScope === 'passRoles'
                  ? // The roles go to ECS tasks only, never to another service.
                    [
                      new iam.PolicyStatement({
                        actions: [...actions].sort(),
                        resources: [...resourcesOf[groupScope]],
                        conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
                      }),
                    ]
                  : [statement(actions, [...resourcesOf[groupScope]])],
        );
      if (statements.length === 0) continue;
      // The policy lives beside the group (maybe another stack), so this stack never depends on it.
      const policy = new iam.Policy(scope, `${spec.name}Targets`, {
        roles: [this.functions[spec.name].role!],
        statements,
      });
      acknowledgeWildcardResources(
        policy,
        resourcesOf.lambdaTargets.filter((arn) => arn.endsWith(':*')),
        'GetFunctionConfiguration checks the version being deployed (function:<name>:<version>); versions are published after the stack is.',
      );
      acknowledgeWildcardResources(
        policy,
        resourcesOf.ecsTaskSets,
        "DeleteTaskSet on the group's own service only: task set ids are made by each deployment's CreateTaskSet.",
      );
      if (targets.replacementFleet) {
        acknowledgeWildcardResources(
          policy,
          resourcesOf.autoScalingGroups,
          "The group's Auto Scaling group and the copies its blue/green deployments make (CodeDeploy_<group>_<deployment id>), by name; Auto Scaling group ARNs carry a generated id.",
        );
        acknowledgeWildcardResources(
          policy,
          ['instance', 'volume', 'network-interface', 'launch-template', 'subnet', 'security-group'].map(
            (resource) => Stack.of(this).formatArn({ service: 'ec2', resource, resourceName: '*' }),
          ),
          "Launching the copy of the group's Auto Scaling group from its launch template (ec2:RunInstances only with a launch template, ec2:CreateTags only as part of that launch), and terminating discovered originals by the group's tags only.",
        );
      }
      if (targets.instances) {
        acknowledgeWildcardResources(
          policy,
          this.instanceArnPatterns(),
          targets.instances.scope === 'tags'
            ? "SendCommand runs only on instances carrying the deployment group's tags (ssm:resourceTag conditions), whatever their number."
            : 'SendCommand may run on the instances of this account and region: a group declared by instance ids (not by tags) cannot be scoped by tag, and one ARN per instance outgrows IAM at about 130 instances.',
        );
      }
    }
  }

  /**
   * The Auto Scaling calls of a blue/green group on its own groups and their copies, with what
   * CreateAutoScalingGroup checks on the caller besides: tagging the copy, and launching from the
   * original's launch template (RunInstances, and CreateTags on what it launches, only as part of a
   * launch from a launch template).
   */
  private autoScalingCopyStatements(actions: string[], groupArns: readonly string[]): iam.PolicyStatement[] {
    if (groupArns.length === 0) return [];
    const creates = actions.includes('autoscaling:CreateAutoScalingGroup');
    const [tagGroups, runInstances, tagLaunched] = AUTO_SCALING_COPY_IMPLIED_IAM_ACTIONS;
    const statements = [statement([...actions, ...(creates ? [tagGroups] : [])], groupArns)];
    if (creates) {
      const ec2 = (resource: string) =>
        Stack.of(this).formatArn({ service: 'ec2', resource, resourceName: '*' });
      statements.push(
        new iam.PolicyStatement({
          actions: [runInstances],
          resources: [
            'instance',
            'volume',
            'network-interface',
            'launch-template',
            'subnet',
            'security-group',
          ].map(ec2),
          conditions: { Null: { 'ec2:LaunchTemplate': 'false' } },
        }),
        new iam.PolicyStatement({
          actions: [tagLaunched],
          resources: ['instance', 'volume', 'network-interface'].map(ec2),
          conditions: { StringEquals: { 'ec2:CreateAction': 'RunInstances' } },
        }),
      );
    }
    return statements;
  }

  /** `instance/*` (EC2) and `managed-instance/*` (on-premises) of this account and region. */
  private instanceArnPatterns(): string[] {
    const stack = Stack.of(this);
    return [
      stack.formatArn({ service: 'ec2', resource: 'instance', resourceName: '*' }),
      stack.formatArn({ service: 'ssm', resource: 'managed-instance', resourceName: '*' }),
    ];
  }

  /** Statements that let `actions` reach the granted instances, by tag condition or account-wide. */
  private instanceStatements(actions: string[], grant: InstanceGrant): iam.PolicyStatement[] {
    const [ec2Instances, managedInstances] = this.instanceArnPatterns() as [string, string];
    if (grant.scope === 'account') return [statement(actions, [ec2Instances, managedInstances])];
    const conditioned = (resource: string, tag: InstanceTagCondition) =>
      new iam.PolicyStatement({
        actions: [...actions].sort(),
        resources: [resource],
        conditions: tag.values
          ? { StringEquals: { [`ssm:resourceTag/${tag.key}`]: [...tag.values] } }
          : { Null: { [`ssm:resourceTag/${tag.key}`]: 'false' } },
      });
    return [
      ...grant.ec2.map((tag) => conditioned(ec2Instances, tag)),
      ...grant.onPremises.map((tag) => conditioned(managedInstances, tag)),
    ];
  }

  /**
   * Points a hook function at stepdeploy: its unchanged `PutLifecycleEventHookExecutionStatus` call
   * reaches the hook endpoint through AWS_ENDPOINT_URL_CODEDEPLOY.
   */
  useAsHookEndpoint(hook: lambda.Function): void {
    const name = (hook.node.defaultChild as lambda.CfnFunction).functionName;
    if (!name || Token.isUnresolved(name) || !name.startsWith(this.hookFunctionPrefix)) {
      throw new Error(
        `stepdeploy invokes only hook functions named "${this.hookFunctionPrefix}...", and ${hook.node.path} has ${name ? `the name ${name}` : 'a generated name'}: set functionName: '${this.hookFunctionPrefix}<name>' (or change hookFunctionPrefix).`,
      );
    }
    hook.addEnvironment('AWS_ENDPOINT_URL_CODEDEPLOY', this.hookEndpoint.url);
  }

  private runShellScriptDocumentArn(): string {
    return Stack.of(this).formatArn({
      service: 'ssm',
      account: '',
      resource: 'document',
      resourceName: RUN_SHELL_SCRIPT_DOCUMENT,
    });
  }

  private stateMachine(
    flow: Pick<ChildStateMachine, 'name' | 'stateMachine'>,
    stateMachineName: string,
    retention: logs.RetentionDays,
    removalPolicy: RemovalPolicy,
    children: Readonly<Record<string, sfn.StateMachine>>,
  ): sfn.StateMachine {
    const { name: id, stateMachine: file } = flow;
    const definition = JSON.stringify(parse(readFileSync(`${ROOT}${file}`, 'utf8')));
    const started = [
      ...new Set([...definition.matchAll(/\$\{(\w+)StateMachineArn\}/g)].map((m) => m[1]!)),
    ].map((name) => {
      const child = children[name];
      if (!child)
        throw new Error(
          `${file} names \${${name}StateMachineArn}, but no flow of the registry declares a child machine ${name}.`,
        );
      return { name, child };
    });
    const named = [...new Set([...definition.matchAll(/\$\{(\w+)FunctionArn\}/g)].map((match) => match[1]!))];
    const invoked = named.map((name) => {
      const fn = (this.functions as Record<string, NodejsFunction | undefined>)[name];
      if (!fn)
        throw new Error(
          `${file} names \${${name}FunctionArn}, but no flow of functions/flows/registry.ts declares a step ${name}.`,
        );
      return { name, fn };
    });
    const machine = new sfn.StateMachine(this, id, {
      stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(definition),
      definitionSubstitutions: Object.fromEntries([
        ...invoked.map(({ name, fn }) => [`${name}FunctionArn`, fn.functionArn]),
        ...started.map(({ name, child }) => [`${name}StateMachineArn`, child.stateMachineArn]),
      ]),
      tracingEnabled: true,
      logs: {
        // No fixed name: a kept (RETAIN) group of a deleted stack must not block deploying it again.
        destination: new logs.LogGroup(this, `${id}Logs`, {
          retention,
          removalPolicy,
        }),
        level: sfn.LogLevel.ALL,
        includeExecutionData: true,
      },
    });
    // Exactly the functions its Tasks name, unqualified (the ASL never invokes a version or alias).
    machine.addToRolePolicy(
      statement(
        ['lambda:InvokeFunction'],
        invoked.map(({ fn }) => fn.functionArn),
      ),
    );
    for (const { child } of started) this.grantChildExecutions(machine, child);
    Validations.of(machine).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Added by CDK for X-Ray tracing (xray:PutTraceSegments...) and log delivery (logs:CreateLogDelivery...): these APIs have no resource-level permissions.',
    });
    return machine;
  }

  /**
   * What `states:startExecution.sync:2` needs (Step Functions' documented policy for the pattern):
   * start the child, describe and stop its executions (the parent stops its child when it is itself
   * stopped), and manage the managed EventBridge rule through which Step Functions learns of its end.
   */
  private grantChildExecutions(parent: sfn.StateMachine, child: sfn.StateMachine): void {
    const stack = Stack.of(this);
    const childName = this.childNames.get(child) ?? child.stateMachineName;
    const executions = stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${childName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    parent.addToRolePolicy(statement(['states:StartExecution'], [child.stateMachineArn]));
    parent.addToRolePolicy(statement(['states:DescribeExecution', 'states:StopExecution'], [executions]));
    parent.addToRolePolicy(
      statement(
        ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        [
          stack.formatArn({
            service: 'events',
            resource: 'rule',
            resourceName: 'StepFunctionsGetEventsForStepFunctionsExecutionRule',
          }),
        ],
      ),
    );
    acknowledgeWildcardResources(
      parent,
      [executions],
      'The parent starts child executions named after its deployment (d-XXXXXXXXX-n): it describes and stops executions of its child machine only.',
    );
  }

  private rules(): void {
    const target = (name: HandlerName) =>
      new targets.LambdaFunction(this.functions[name], { retryAttempts: 8, maxEventAge: Duration.hours(2) });
    new events.Rule(this, 'AlarmStateChange', {
      description: 'stepdeploy: an alarm went into ALARM; fail the waits of deployments watching it',
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        detail: { state: { value: ['ALARM'] } },
      },
      targets: [target('OnAlarmStateChange')],
    });
    new events.Rule(this, 'CommandStatusChange', {
      description:
        'stepdeploy: a lifecycle-event command ended; record its results and resume the deployment',
      eventPattern: {
        source: ['aws.ssm'],
        detailType: ['EC2 Command Status-change Notification'],
        detail: {
          'document-name': [RUN_SHELL_SCRIPT_DOCUMENT],
          status: ['Success', 'Failed', 'TimedOut', 'Cancelled'],
        },
      },
      targets: [target('OnCommandComplete')],
    });
    new events.Rule(this, 'ExecutionEnded', {
      description:
        'stepdeploy: an execution stopped before its deployment finished; fail it and unlock its group',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: {
          status: ['FAILED', 'TIMED_OUT', 'ABORTED'],
          stateMachineArn: Object.values<sfn.StateMachine>(this.stateMachines).map(
            (machine) => machine.stateMachineArn,
          ),
        },
      },
      targets: [target('OnExecutionEnded')],
    });
  }

  /** The rule that starts a deployment when a revision lands under `<application>/<deployment-group>/`. */
  addRevisionTrigger(scope: Construct, applicationName: string, deploymentGroupName: string): events.Rule {
    return new events.Rule(scope, 'RevisionUploaded', {
      description: `stepdeploy: a revision under ${applicationName}/${deploymentGroupName}/ starts a deployment`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [this.revisionBucket.bucketName] },
          object: { key: events.Match.prefix(`${applicationName}/${deploymentGroupName}/`) },
        },
      },
      targets: [
        new targets.LambdaFunction(this.functions.OnRevisionUploaded, {
          retryAttempts: 8,
          maxEventAge: Duration.hours(2),
        }),
      ],
    });
  }
}

/** One value per flow of the registry, by flow name. */
function byFlow<T>(make: (flow: (typeof FLOWS)[number]) => T): Record<FlowName, T> {
  return Object.fromEntries(FLOWS.map((flow) => [flow.name, make(flow)])) as Record<FlowName, T>;
}

/** Why a stack resource is granted with a wildcard (cdk-nag IAM5 acknowledgements). */
const WILDCARD_REASONS = {
  unscoped:
    'these APIs have no resource-level permissions (DescribeAlarms has, but returns composite alarms only on *), so * is the resource.',
  revisionObjects: 'any revision key in the revision bucket may be deployed; read-only.',
  hookFunctions:
    "hook functions are named by AppSpec files at deploy time; only names with the hook prefix may be invoked, as with CodeDeploy's CodeDeployHook_ convention.",
} as const satisfies Partial<Record<ResourceScope, string>>;

const GROUP_SCOPES = [
  'lambdaTargets',
  'targetGroups',
  'instances',
  'ecsServices',
  'ecsTaskSets',
  'listeners',
  'passRoles',
  'autoScalingGroups',
  'terminableInstances',
] as const satisfies readonly ResourceScope[];

type GroupScope = (typeof GROUP_SCOPES)[number];

function isGroupScope(scope: ResourceScope): scope is GroupScope {
  return (GROUP_SCOPES as readonly string[]).includes(scope);
}

function statement(actions: readonly string[], resources: readonly string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({ actions: [...actions].sort(), resources: [...resources] });
}
