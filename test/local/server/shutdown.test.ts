/**
 * A server's shutdown (Ctrl-C, SIGTERM) while the command's own path closes it too (a `deploy` whose
 * deployment ended Stopped meanwhile): one closing, the shutdown's; the deployment ends Stopped and
 * nothing of its hook is left.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDeployment } from '../../../cli/commands/deploy.js';
import { startOwnServer } from '../../../cli/service.js';
import { hostProcesses, stopHostProcesses } from '../../../local/hosts/processes.js';
import { runCliAsync } from '../../cli/run-cli.js';
import { tempDir, writeTree } from '../../domain/instance-scripts/harness.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const stateDir = join(tempDir('sd-shutdown-'), 'state');
afterAll(() => stopHostProcesses(join(stateDir, 'hosts'), 0));

describe('shutdown and close at once', () => {
  it('close waits for the shutdown: the deployment is Stopped, its hook ended, nothing fails', async () => {
    const revision = writeTree(join(tempDir('sd-shutdown-rev-'), 'stubborn'), {
      'appspec.yml':
        'version: 0.0\nos: linux\nhooks:\n  BeforeInstall:\n    - location: stubborn.sh\n      timeout: 900\n',
      'stubborn.sh': {
        content: '#!/bin/sh\ntrap "" TERM\n: > "$STEPDEPLOY_HOST_ROOT/started"\nwhile :; do sleep 1; done\n',
        mode: 0o755,
      },
    });
    const connection = await startOwnServer(stateDir);
    const server = connection.server!;
    const deployed = runDeployment(connection, {
      applicationName: 'shop',
      deploymentGroupName: 'local',
      configName: 'CodeDeployDefault.OneAtATime',
      revisionPath: revision,
      hosts: 1,
      loadBalancer: false,
      autoRollback: false,
      live: false,
      quiet: true,
    }).catch((error: unknown) => error);
    const deadline = Date.now() + 60_000;
    while (!existsSync(join(stateDir, 'hosts', 'host-1', 'root', 'started')) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    const [stopped] = await Promise.all([server.shutdown(), server.close()]);

    expect(stopped).toHaveLength(1);
    expect(hostProcesses(join(stateDir, 'hosts'))).toEqual([]);
    await deployed;
    const status = await runCliAsync(['status', '--state-dir', stateDir, '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ status: 'Stopped', errorCode: 'MANUAL_STOP' });
  });
});
