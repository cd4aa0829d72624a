import { Template, Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { PIPELINE_REVISION_KEY } from '../../infra/examples/pipeline-example-stack.js';
import { addStacks } from '../../infra/stacks.js';
import { testApp } from './stack-fixture.js';

describe('the CDK app and its examples', () => {
  const app = testApp();
  const stacks = addStacks(app);
  // Throws on any unacknowledged cdk-nag finding, as `npm run synth` does.
  const assembly = app.synth();

  it('synthesises the three stacks', () => {
    expect(assembly.stacks.map((stack) => stack.stackName).sort()).toEqual([
      'StepDeploy',
      'StepDeployExampleLambda',
      'StepDeployExamplePipeline',
    ]);
  });

  it('deploys the example function through stepdeploy: alias, hook pointed at the endpoint, alarm, group', () => {
    const template = Template.fromStack(stacks.lambdaExample);
    template.hasResourceProperties('AWS::Lambda::Alias', { Name: 'live' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'CodeDeployHook_example-lambda-before-allow-traffic',
      Environment: {
        Variables: {
          AWS_ENDPOINT_URL_CODEDEPLOY: { 'Fn::ImportValue': Match.stringLikeRegexp('CodeDeployApi') },
        },
      },
    });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 1);
    // The group's CONFIG item, its application and its listing item: three writes.
    const groupWrites = Object.values(template.findResources('Custom::AWS')).map((r) => JSON.stringify(r));
    expect(groupWrites).toHaveLength(3);
    expect(groupWrites.filter((write) => write.includes('GROUP#example-lambda#live'))).toHaveLength(1);
    expect(groupWrites.filter((write) => write.includes('APPLICATION#example-lambda'))).toHaveLength(2);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({
        detail: { bucket: Match.anyValue(), object: { key: [{ prefix: 'example-lambda/live/' }] } },
      }),
    });
  });

  it('runs a deployment from the pipeline with the Step Functions invoke action', () => {
    const template = Template.fromStack(stacks.pipelineExample);
    const pipeline = Object.values(template.findResources('AWS::CodePipeline::Pipeline'))[0] as {
      Properties: {
        Stages: Array<{
          Name: string;
          Actions: Array<{ ActionTypeId: unknown; Configuration: Record<string, unknown> }>;
        }>;
      };
    };
    const deploy = pipeline.Properties.Stages.find((stage) => stage.Name === 'Deploy')!.Actions[0]!;
    expect(deploy.ActionTypeId).toEqual({
      Category: 'Invoke',
      Owner: 'AWS',
      Provider: 'StepFunctions',
      Version: '1',
    });
    const input = JSON.parse(JSON.stringify(deploy.Configuration.Input)) as unknown;
    expect(JSON.stringify(input)).toContain(PIPELINE_REVISION_KEY);
    expect(JSON.stringify(deploy.Configuration.StateMachineArn)).toContain(
      stacks.main.stepDeploy.stateMachineNames.LambdaDeployment,
    );
  });
});
