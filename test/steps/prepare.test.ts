/**
 * Each flow's Prepare accepts only groups of its own flow. Before the registry, every group that was
 * not a Server group went down the Lambda path, so an ECS deployment would have been prepared as a
 * Lambda one; now a group of another flow, or of an unknown platform or deployment type, is refused
 * by name before anything is written: no record, no lock, no event.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StateChangeEvent } from '../../functions/ports/events.js';
import { storeRoles } from '../../functions/ports/deployment-store.js';
import type { DeploymentGroupRecord } from '../../functions/ports/records.js';
import { DEFAULT_SETTINGS, type StepDeps } from '../../functions/steps/deps.js';
import { prepareLambda } from '../../functions/steps/prepare-lambda.js';
import { prepareServerInPlace } from '../../functions/steps/prepare-server-in-place.js';
import { startLocalDatabase, type LocalDatabase } from '../../local/runtime/dynalite.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const APP = 'shop';
const GROUP = 'svc';
const DEPLOYMENT_ID = 'd-PREPARE01';

let db: LocalDatabase;
let events: StateChangeEvent[];

/** A port Prepare must not reach for a group it refuses. */
function untouched<T extends object>(name: string): T {
  return new Proxy({} as T, {
    get: (_target, property) => () => {
      throw new Error(`Prepare called the ${name} port (${String(property)}) for a group it should refuse.`);
    },
  });
}

function deps(): StepDeps {
  return {
    ...storeRoles(db.store),
    events: { publish: async (event) => void events.push(event) },
    clock: { now: () => new Date('2025-03-01T12:00:00.000Z') },
    random: { bytes: (length) => new Uint8Array(length).fill(1) },
    settings: DEFAULT_SETTINGS,
    traffic: untouched('traffic'),
    lambda: untouched('Lambda alias'),
    ecs: untouched('ECS task sets'),
    listeners: untouched('listeners'),
    alarms: untouched('alarms'),
    hooks: untouched('hook invoker'),
    callbacks: untouched('callbacks'),
    transport: untouched('transport'),
    loadBalancer: untouched('load balancer'),
    fleet: untouched('replacement fleet'),
    revisions: untouched('revisions'),
    executions: untouched('executions'),
    instances: untouched('instance directory'),
    controlPlane: untouched('control plane'),
    deploymentConfigs: untouched('deployment configs'),
  };
}

const input = {
  executionName: DEPLOYMENT_ID,
  request: {
    deploymentId: DEPLOYMENT_ID,
    applicationName: APP,
    deploymentGroupName: GROUP,
    revision: { revisionType: 'AppSpecContent' as const, appSpecContent: { content: 'version: 0.0' } },
  },
};

async function group(fields: Record<string, unknown>): Promise<void> {
  // Written as the API or a stack would store it, unchecked: the store holds what it was given.
  await db.store.putDeploymentGroup({
    applicationName: APP,
    deploymentGroupName: GROUP,
    deploymentGroupId: 'dg-svc',
    computePlatform: 'ECS',
    ...fields,
  } as DeploymentGroupRecord);
}

async function expectNothingWritten(): Promise<void> {
  expect(await db.store.getDeployment(DEPLOYMENT_ID)).toBeUndefined();
  expect(await db.store.getGroupLockHolder(APP, GROUP)).toBeUndefined();
  expect(events).toEqual([]);
}

beforeEach(async () => {
  db = await startLocalDatabase();
  events = [];
});

afterEach(async () => {
  await db.close();
});

describe("a flow's Prepare", () => {
  it('refuses an ECS group on the Lambda flow, before anything is written', async () => {
    await group({ computePlatform: 'ECS' });
    await expect(prepareLambda(deps())(input)).rejects.toMatchObject({
      name: 'DeploymentFlowMismatchError',
      message:
        'The deployment group shop/svc deploys ECS:BLUE_GREEN, and this state machine deploys Lambda:BLUE_GREEN: start the deployment on the ECS:BLUE_GREEN state machine.',
    });
    await expectNothingWritten();
  });

  it('refuses a Lambda group on the Server in-place flow, and a blue/green Server group too', async () => {
    await group({ computePlatform: 'Lambda' });
    await expect(prepareServerInPlace(deps())(input)).rejects.toMatchObject({
      name: 'DeploymentFlowMismatchError',
    });
    await group({ computePlatform: 'Server', deploymentStyle: { deploymentType: 'BLUE_GREEN' } });
    await expect(prepareServerInPlace(deps())(input)).rejects.toMatchObject({
      name: 'DeploymentFlowMismatchError',
      message: expect.stringContaining(
        'deploys Server:BLUE_GREEN, and this state machine deploys Server:IN_PLACE',
      ),
    });
    await expectNothingWritten();
  });

  it('refuses a group of an unknown platform or deployment type by name', async () => {
    await group({ computePlatform: 'Kubernetes' });
    await expect(prepareLambda(deps())(input)).rejects.toMatchObject({
      name: 'InvalidComputePlatformException',
    });
    await group({ computePlatform: 'Server', deploymentStyle: { deploymentType: 'ROLLING' } });
    await expect(prepareServerInPlace(deps())(input)).rejects.toMatchObject({
      name: 'InvalidDeploymentStyleException',
    });
    await expectNothingWritten();
  });
});
