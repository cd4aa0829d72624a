import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { FLOWS } from '../functions/flows/registry.js';
import { StepDeploy, type StepDeployProps } from './step-deploy.js';

/** stepdeploy on its own: the construct, with the names a user needs as stack outputs. */
export class StepDeployStack extends Stack {
  readonly stepDeploy: StepDeploy;

  constructor(scope: Construct, id: string, props: StackProps & StepDeployProps = {}) {
    super(scope, id, {
      description: 'stepdeploy: CodeDeploy-style deployments on AWS Step Functions',
      ...props,
    });
    this.stepDeploy = new StepDeploy(this, 'StepDeploy', props);
    const outputs: Record<string, [string, string]> = {
      RevisionBucketName: [
        this.stepDeploy.revisionBucket.bucketName,
        'Upload revisions to <application>/<deployment-group>/',
      ],
      TableName: [this.stepDeploy.table.tableName, 'Deployment records'],
      HookEndpointUrl: [
        this.stepDeploy.hookEndpoint.url,
        'Set AWS_ENDPOINT_URL_CODEDEPLOY of hook functions to this',
      ],
      ApiEndpointUrl: [
        this.stepDeploy.apiEndpoint.url,
        "The CodeDeploy-compatible API (IAM; sign for the 'lambda' service): stepdeploy --endpoint-url, CodeDeployClient endpoint",
      ],
      OperatorPolicyArn: [
        this.stepDeploy.operatorPolicy.managedPolicyArn,
        'Attach to the users or roles that may call the API',
      ],
    };
    // One per flow of the registry: LambdaDeploymentStateMachineArn, ServerInPlaceStateMachineArn, ...
    for (const flow of FLOWS) {
      outputs[`${flow.name}StateMachineArn`] = [
        this.stepDeploy.stateMachines[flow.name].stateMachineArn,
        `Runs ${flow.key.computePlatform} ${flow.key.deploymentType} deployments`,
      ];
    }
    for (const [name, [value, description]] of Object.entries(outputs))
      new CfnOutput(this, name, { value, description });
  }
}
