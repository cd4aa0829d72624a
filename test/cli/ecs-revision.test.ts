/**
 * How `deploy DIR` reads an ECS revision: the AppSpec and its task-definition file, and the AppSpec
 * the server receives, whose TaskDefinition is the registered definition's ARN (keys matched as the
 * ECS AppSpec matches them, case-insensitively; comments and the other properties untouched).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EcsRevisionError, readEcsRevision, withTaskDefinition } from '../../cli/deploy/ecs-revision.js';
import { validateAppSpec } from '../../functions/domain/appspec/index.js';
import { tempDir } from '../domain/instance-scripts/harness.js';

const ARN = 'arn:aws:ecs:local:000000000000:task-definition/example-web:7';

describe('an ECS revision read by deploy DIR', () => {
  it('names its task-definition file and its family (examples/ecs/v2)', () => {
    const revision = readEcsRevision('examples/ecs/v2/appspec.yaml');
    expect(revision.taskDefinitionFile).toMatch(/examples\/ecs\/v2\/taskdef\.json$/);
    expect(revision.family).toBe('example-web');
    expect(revision.directory).toMatch(/examples\/ecs\/v2$/);
  });

  it('sends the ARN in place of the file, keeping comments and everything else', () => {
    const text = readEcsRevision('examples/ecs/v2/appspec.yaml').text;
    const sent = withTaskDefinition(text, ARN);
    expect(sent).toContain('# Version 2 of the example service.');
    const verdict = validateAppSpec(sent, { platform: 'ecs' });
    expect(verdict.appSpec).toMatchObject({
      platform: 'ecs',
      taskDefinition: ARN,
      containerName: 'web',
      containerPort: 8080,
      hooks: [{ event: 'AfterAllowTestTraffic', functionName: 'CodeDeployHook_smokeTest' }],
    });
  });

  it('finds TaskDefinition under keys of any case, in a JSON AppSpec too', () => {
    const json = JSON.stringify({
      version: '0.0',
      resources: [
        {
          TargetService: {
            type: 'AWS::ECS::Service',
            properties: {
              taskdefinition: 'taskdef.json',
              loadbalancerinfo: { containername: 'web', containerport: 8080 },
            },
          },
        },
      ],
    });
    const sent = parse(withTaskDefinition(json, ARN));
    expect(sent.resources[0].TargetService.properties.taskdefinition).toBe(ARN);
    expect(sent.resources[0].TargetService.properties.loadbalancerinfo).toEqual({
      containername: 'web',
      containerport: 8080,
    });
  });

  it('refuses an invalid AppSpec with its errors, and a task-definition file that is not JSON or has no family', () => {
    const dir = tempDir('sd-ecs-revision-');
    mkdirSync(join(dir, 'bad'));
    writeFileSync(join(dir, 'bad', 'appspec.yaml'), 'version: 0.0\nResources: []\n');
    const invalid = (() => {
      try {
        readEcsRevision(join(dir, 'bad', 'appspec.yaml'));
      } catch (error) {
        return error;
      }
    })();
    expect(invalid).toBeInstanceOf(EcsRevisionError);
    expect((invalid as EcsRevisionError).issues.length).toBeGreaterThan(0);

    const spec = (file: string) =>
      `version: 0.0\nResources:\n  - TargetService:\n      Type: AWS::ECS::Service\n      Properties:\n        TaskDefinition: ${file}\n        LoadBalancerInfo:\n          ContainerName: web\n          ContainerPort: 8080\n`;
    writeFileSync(join(dir, 'appspec.yaml'), spec('missing.json'));
    expect(() => readEcsRevision(join(dir, 'appspec.yaml'))).toThrow(/missing\.json cannot be read as JSON/);
    writeFileSync(join(dir, 'nofamily.json'), '{"containerDefinitions": []}');
    writeFileSync(join(dir, 'appspec.yaml'), spec('nofamily.json'));
    expect(() => readEcsRevision(join(dir, 'appspec.yaml'))).toThrow(/family must be/);
  });
});
