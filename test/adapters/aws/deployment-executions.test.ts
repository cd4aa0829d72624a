import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { SfnDeploymentExecutions } from '../../../functions/adapters/aws/deployment-executions.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const sfn = mockClient(SFNClient);
const request = {
  deploymentId: 'd-ROLLBACK1',
  applicationName: 'shop',
  deploymentGroupName: 'prod',
  revision: {
    revisionType: 'S3' as const,
    s3Location: { bucket: 'b', key: 'k.zip', bundleType: 'zip' as const },
  },
  creator: 'codeDeployRollback',
};

describe('SfnDeploymentExecutions', () => {
  beforeEach(() => sfn.reset());

  it('starts the platform state machine with the deployment id as the execution name', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec', startDate: new Date() });
    const executions = new SfnDeploymentExecutions(new SFNClient({}), {
      Server: 'arn:aws:states:us-east-1:1:stateMachine:server',
    });
    await executions.startDeployment('Server', request);
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: 'arn:aws:states:us-east-1:1:stateMachine:server',
      name: 'd-ROLLBACK1',
      input: JSON.stringify(request),
    });
  });

  it('refuses a platform with no state machine, sending nothing', async () => {
    const executions = new SfnDeploymentExecutions(new SFNClient({}), {});
    await expect(executions.startDeployment('ECS', request)).rejects.toThrow(
      'No state machine is configured for ECS deployments.',
    );
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it('turns throttling into ThrottlingError so a Retry can back off', async () => {
    sfn
      .on(StartExecutionCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const executions = new SfnDeploymentExecutions(new SFNClient({}), { Server: 'arn:sm' });
    await expect(executions.startDeployment('Server', request)).rejects.toMatchObject({
      name: 'ThrottlingError',
    });
  });
});
