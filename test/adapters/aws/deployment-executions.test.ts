import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { SfnDeploymentExecutions } from '../../../functions/adapters/aws/deployment-executions.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const sfn = mockClient(SFNClient);
// The suite shares modules between files (isolate: false): the clients' send goes back as it was.
afterAll(() => {
  sfn.restore();
});
const request = {
  deploymentId: 'd-ROLLBACK1',
  applicationName: 'shop',
  deploymentGroupName: 'prod',
  revision: {
    revisionType: 'S3' as const,
    s3Location: { bucket: 'b', key: 'k.zip', bundleType: 'zip' as const },
  },
  creator: 'codeDeployRollback' as const,
};
const SERVER_IN_PLACE = { computePlatform: 'Server', deploymentType: 'IN_PLACE' } as const;

describe('SfnDeploymentExecutions', () => {
  beforeEach(() => sfn.reset());

  it("starts the flow's state machine with the deployment id as the execution name", async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec', startDate: new Date() });
    const executions = new SfnDeploymentExecutions(new SFNClient({}), {
      'Lambda:BLUE_GREEN': 'arn:aws:states:us-east-1:1:stateMachine:lambda',
      'Server:IN_PLACE': 'arn:aws:states:us-east-1:1:stateMachine:server',
    });
    await executions.startDeployment(SERVER_IN_PLACE, request);
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: 'arn:aws:states:us-east-1:1:stateMachine:server',
      name: 'd-ROLLBACK1',
      input: JSON.stringify(request),
    });
  });

  it('refuses a flow with no state machine by name, sending nothing', async () => {
    const executions = new SfnDeploymentExecutions(new SFNClient({}), { 'Server:IN_PLACE': 'arn:sm' });
    await expect(
      executions.startDeployment({ computePlatform: 'ECS', deploymentType: 'BLUE_GREEN' }, request),
    ).rejects.toMatchObject({
      name: 'UnsupportedDeploymentFlowError',
      message: 'No state machine is configured for ECS:BLUE_GREEN deployments (configured: Server:IN_PLACE).',
    });
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it('turns throttling into ThrottlingError so a Retry can back off', async () => {
    sfn
      .on(StartExecutionCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const executions = new SfnDeploymentExecutions(new SFNClient({}), { 'Server:IN_PLACE': 'arn:sm' });
    await expect(executions.startDeployment(SERVER_IN_PLACE, request)).rejects.toMatchObject({
      name: 'ThrottlingError',
    });
  });
});
