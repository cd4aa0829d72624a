import { ArnFormat, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { LambdaDeploymentGroup } from '../deployment-groups.js';
import { acknowledgeWildcardResources } from '../nag.js';
import type { StepDeploy } from '../step-deploy.js';

export interface PipelineExampleStackProps extends StackProps {
  readonly stepDeploy: StepDeploy;
  readonly deploymentGroup: LambdaDeploymentGroup;
}

/** Where the pipeline reads its revision: outside `<application>/<group>/`, so the upload alone deploys nothing. */
export const PIPELINE_REVISION_KEY = 'pipeline/example-lambda/appspec.yaml';

/**
 * A pipeline whose deploy stage runs a stepdeploy deployment with CodePipeline's Step Functions invoke
 * action. The execution is named after the action execution; Prepare maps that name to a deployment id.
 */
export class PipelineExampleStack extends Stack {
  constructor(scope: Construct, id: string, props: PipelineExampleStackProps) {
    super(scope, id, props);
    const { stepDeploy, deploymentGroup } = props;
    const revision = new codepipeline.Artifact('Revision');

    const artifacts = new s3.Bucket(this, 'Artifacts', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(artifacts).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'Pipeline artifacts are transient copies of the revision, whose bucket keeps access logs.',
    });

    const pipeline = new codepipeline.Pipeline(this, 'Pipeline', {
      pipelineType: codepipeline.PipelineType.V2,
      artifactBucket: artifacts,
      stages: [
        {
          stageName: 'Source',
          actions: [
            new actions.S3SourceAction({
              actionName: 'Revision',
              bucket: stepDeploy.revisionBucket,
              bucketKey: PIPELINE_REVISION_KEY,
              output: revision,
              // Started by hand (`aws codepipeline start-pipeline-execution`) in this example.
              trigger: actions.S3Trigger.NONE,
            }),
          ],
        },
        {
          stageName: 'Deploy',
          actions: [
            new actions.StepFunctionInvokeAction({
              actionName: 'Deploy',
              // By name: a reference would make this stack's grants depend on an import it cannot see through.
              stateMachine: sfn.StateMachine.fromStateMachineName(
                this,
                'LambdaDeployment',
                stepDeploy.stateMachineNames.LambdaDeployment,
              ),
              stateMachineInput: actions.StateMachineInput.literal({
                applicationName: deploymentGroup.applicationName,
                deploymentGroupName: deploymentGroup.deploymentGroupName,
                revision: {
                  revisionType: 'S3',
                  s3Location: {
                    bucket: stepDeploy.revisionBucket.bucketName,
                    key: PIPELINE_REVISION_KEY,
                    bundleType: 'YAML',
                  },
                },
                description: 'Deployed by the example pipeline',
              }),
            }),
          ],
        },
      ],
    });
    // CDK's grants for the pipeline's artifact handling use its own action wildcards.
    for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*']) {
      Validations.of(pipeline).acknowledge({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason: "CodePipeline's artifact grants, as CDK writes them, on the pipeline's own buckets.",
      });
    }
    acknowledgeWildcardResources(
      pipeline,
      [artifacts.arnForObjects('*'), stepDeploy.revisionBucket.arnForObjects('*')],
      'The pipeline reads and writes its artifacts and reads the revision object under its key.',
    );
    acknowledgeWildcardResources(
      pipeline,
      [
        this.formatArn({
          service: 'states',
          resource: 'execution',
          resourceName: `${stepDeploy.stateMachineNames.LambdaDeployment}:*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
      'The Step Functions action watches the executions it starts, whose names CodePipeline chooses.',
    );
  }
}
