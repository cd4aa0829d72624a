import { Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { LambdaDeploymentGroup } from '../deployment-groups.js';
import { acknowledgeWildcardResources } from '../nag.js';
import type { StepDeploy } from '../step-deploy.js';

export interface LambdaExampleStackProps extends StackProps {
  readonly stepDeploy: StepDeploy;
}

export const EXAMPLE_APPLICATION = 'example-lambda';
export const EXAMPLE_DEPLOYMENT_GROUP = 'live';

/**
 * A Lambda function with a `live` alias, a BeforeAllowTraffic hook and an errors alarm, deployed through
 * stepdeploy. The alias starts on version 1; later versions reach it only through deployments:
 * publish a version, then upload an AppSpec to `example-lambda/live/` in the revision bucket.
 */
export class LambdaExampleStack extends Stack {
  readonly deploymentGroup: LambdaDeploymentGroup;

  constructor(scope: Construct, id: string, props: LambdaExampleStackProps) {
    super(scope, id, props);
    const app = new lambda.Function(this, 'App', {
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromInline(
        "exports.handler = async () => ({ statusCode: 200, body: 'served by version ' + process.env.AWS_LAMBDA_FUNCTION_VERSION });",
      ),
    });
    // Pinned: the stack creates the alias, deployments move it (a new stack version must not).
    const firstVersion = new lambda.Version(this, 'Version1', { lambda: app });
    const alias = new lambda.Alias(this, 'Live', { aliasName: 'live', version: firstVersion });

    // An unchanged CodeDeploy hook: it calls PutLifecycleEventHookExecutionStatus with the SDK's
    // CodeDeploy client, which AWS_ENDPOINT_URL_CODEDEPLOY points at stepdeploy. Its check invokes
    // $LATEST for brevity; a real hook would invoke the version being deployed.
    const hook = new lambda.Function(this, 'BeforeAllowTrafficHook', {
      functionName: `${props.stepDeploy.hookFunctionPrefix}${EXAMPLE_APPLICATION}-before-allow-traffic`,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      timeout: Duration.seconds(30),
      code: lambda.Code.fromInline(`
const { CodeDeployClient, PutLifecycleEventHookExecutionStatusCommand } = require('@aws-sdk/client-codedeploy');
const { LambdaClient, InvokeCommand } = require('@aws-sdk/client-lambda');
const codedeploy = new CodeDeployClient({});
const lambda = new LambdaClient({});
exports.handler = async (event) => {
  let status = 'Succeeded';
  try {
    const response = await lambda.send(new InvokeCommand({ FunctionName: process.env.TARGET_FUNCTION }));
    if (response.FunctionError) status = 'Failed';
  } catch (error) {
    console.error(error);
    status = 'Failed';
  }
  await codedeploy.send(new PutLifecycleEventHookExecutionStatusCommand({
    deploymentId: event.DeploymentId,
    lifecycleEventHookExecutionId: event.LifecycleEventHookExecutionId,
    status,
  }));
};`),
      environment: { TARGET_FUNCTION: app.functionName },
    });
    app.grantInvoke(hook);
    props.stepDeploy.useAsHookEndpoint(hook);

    const errors = new cloudwatch.Alarm(this, 'Errors', {
      alarmDescription: 'The live alias returns errors: stepdeploy stops and rolls back the deployment',
      metric: alias.metricErrors({ period: Duration.minutes(1) }),
      threshold: 1,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.deploymentGroup = new LambdaDeploymentGroup(this, 'DeploymentGroup', {
      stepDeploy: props.stepDeploy,
      applicationName: EXAMPLE_APPLICATION,
      deploymentGroupName: EXAMPLE_DEPLOYMENT_GROUP,
      alias,
      deploymentConfigName: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
      alarms: [errors],
      autoRollback: { failedDeployment: true, deploymentInAlarm: true },
    });

    for (const fn of [app, hook]) {
      Validations.of(fn).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'Example function: the managed basic-execution policy only lets it write its own logs.',
      });
      Validations.of(fn).acknowledge({
        id: 'AwsSolutions-L1',
        reason: 'The example pins Node.js 22, the runtime stepdeploy itself runs on.',
      });
    }
    acknowledgeWildcardResources(
      hook,
      [`${app.functionArn}:*`],
      'The hook invokes the function under test; CDK grants invoke on its versions and aliases too.',
    );
  }
}
