import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  EcsDeploymentGroup,
  LambdaDeploymentGroup,
  ServerDeploymentGroup,
} from '../../infra/deployment-groups.js';
import { StepDeploy, type StepDeployProps } from '../../infra/step-deploy.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** A test app: bundling skipped (`npm run synth` bundles), cdk-nag's AwsSolutions checks on. */
export function testApp(): App {
  const app = new App({
    context: {
      'aws:cdk:bundling-stacks': [],
      '@aws-cdk/core:defaultCrossStackReferences': 'strong',
    },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return app;
}

/** The ECS group's resources, as its tests expect them. */
export const ECS_FIXTURE = {
  production:
    'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/shop/50dc6c495c0c9188/f2f7dc8efc522ab2',
  testRule:
    'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/shop/50dc6c495c0c9188/0467ef3c8400ae65/9683b2d02a6cabee',
  service: 'arn:aws:ecs:eu-west-1:123456789012:service/prod/web',
  taskRole: 'arn:aws:iam::123456789012:role/web-task',
  executionRole: 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole',
};

export interface Fixture {
  app: App;
  stack: Stack;
  stepDeploy: StepDeploy;
  template: Template;
}

/**
 * One stack with stepdeploy and a deployment group of each kind, so that every grant the groups make
 * is in the same template as the functions it is granted to.
 */
/**
 * `blueGreen`: also two blue/green Server groups, one copying its Auto Scaling group and one
 * discovering its replacements (terminating its originals by tag), so every fleet action is granted.
 */
export function stackWithGroups(props: StepDeployProps = {}, options: { blueGreen?: boolean } = {}): Fixture {
  const app = testApp();
  const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const stepDeploy = new StepDeploy(stack, 'StepDeploy', props);

  const fn = new lambda.Function(stack, 'App', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => 1;'),
  });
  const alias = new lambda.Alias(stack, 'Live', {
    aliasName: 'live',
    version: new lambda.Version(stack, 'V1', { lambda: fn }),
  });
  const errors = new cloudwatch.Alarm(stack, 'Errors', {
    metric: alias.metricErrors({ period: Duration.minutes(1) }),
    threshold: 1,
    evaluationPeriods: 1,
  });
  new LambdaDeploymentGroup(stack, 'LambdaGroup', {
    stepDeploy,
    applicationName: 'shop-api',
    deploymentGroupName: 'live',
    alias,
    alarms: [errors],
    deploymentConfigName: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
  });

  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: 'vpc-0123456789abcdef0',
    availabilityZones: ['eu-west-1a'],
  });
  const web = new elbv2.ApplicationTargetGroup(stack, 'Web', {
    vpc,
    port: 8080,
    protocol: elbv2.ApplicationProtocol.HTTP,
    targetType: elbv2.TargetType.INSTANCE,
  });
  new ServerDeploymentGroup(stack, 'ServerGroup', {
    stepDeploy,
    applicationName: 'shop-web',
    deploymentGroupName: 'production',
    instanceIds: ['i-0123456789abcdef0', 'mi-0123456789abcdef0'],
    targetGroups: [web],
    alarms: [errors],
    deploymentConfigName: 'CodeDeployDefault.HalfAtATime',
    autoRollback: { failedDeployment: true, stoppedDeployment: true },
  });

  if (options.blueGreen) {
    new ServerDeploymentGroup(stack, 'CopyGroup', {
      stepDeploy,
      applicationName: 'shop-web',
      deploymentGroupName: 'blue-green',
      autoScalingGroups: ['shop-web-asg'],
      targetGroups: [web],
      blueGreen: { terminationWaitTime: Duration.minutes(30) },
    });
    new ServerDeploymentGroup(stack, 'DiscoverGroup', {
      stepDeploy,
      applicationName: 'shop-web',
      deploymentGroupName: 'discovered',
      ec2TagFilters: [{ key: 'app', value: 'shop-web' }],
      targetGroups: [web],
      blueGreen: { greenFleetProvisioning: 'DISCOVER_EXISTING' },
    });
  }

  const cluster = ecs.Cluster.fromClusterAttributes(stack, 'Cluster', { clusterName: 'prod', vpc });
  const service = ecs.FargateService.fromFargateServiceAttributes(stack, 'Service', {
    serviceArn: ECS_FIXTURE.service,
    cluster,
  });
  const pairGroup = (id: string, name: string) =>
    elbv2.ApplicationTargetGroup.fromTargetGroupAttributes(stack, id, {
      targetGroupArn: `arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/${name}/73e2d6bc24d8a067`,
    });
  new EcsDeploymentGroup(stack, 'EcsGroup', {
    stepDeploy,
    applicationName: 'shop',
    deploymentGroupName: 'web',
    service,
    blueGreenDeploymentConfig: {
      blueTargetGroup: pairGroup('Blue', 'web-blue'),
      greenTargetGroup: pairGroup('Green', 'web-green'),
      listener: elbv2.ApplicationListener.fromApplicationListenerAttributes(stack, 'Prod', {
        listenerArn: ECS_FIXTURE.production,
        securityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-0123456789abcdef0'),
      }),
      testListener: { listenerRuleArn: ECS_FIXTURE.testRule } as elbv2.ApplicationListenerRule,
      deploymentApprovalWaitTime: Duration.minutes(30),
      terminationWaitTime: Duration.hours(1),
    },
    deploymentConfigName: 'CodeDeployDefault.ECSCanary10Percent5Minutes',
    taskDefinitionRoles: [
      iam.Role.fromRoleArn(stack, 'TaskRole', ECS_FIXTURE.taskRole),
      iam.Role.fromRoleArn(stack, 'ExecutionRole', ECS_FIXTURE.executionRole),
    ],
  });

  // The stack's own test resources carry the same acknowledgements as the example stacks.
  for (const construct of [fn]) {
    Validations.of(construct).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'Test function.',
    });
    Validations.of(construct).acknowledge({ id: 'AwsSolutions-L1', reason: 'Test function.' });
  }
  app.synth();
  return { app, stack, stepDeploy, template: Template.fromStack(stack) };
}
