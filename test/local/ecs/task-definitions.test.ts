/**
 * Task definitions on this machine: ECS's RegisterTaskDefinition JSON with directory images, checked
 * field by field, and registered with ECS's family:revision numbering.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTaskDefinition, TaskDefinitionRegistry } from '../../../local/ecs/task-definitions.js';

const dir = mkdtempSync(join(tmpdir(), 'stepdeploy-taskdef-'));
mkdirSync(join(dir, 'app'));

function definition(container: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return {
    family: 'web',
    containerDefinitions: [
      {
        name: 'web',
        image: 'app',
        command: ['node', 'server.js'],
        portMappings: [{ containerPort: 8080 }],
        ...container,
      },
    ],
    ...extra,
  };
}

describe('parseTaskDefinition', () => {
  it('reads containers with their directory, program, ports and environment', () => {
    const parsed = parseTaskDefinition(
      definition(
        { entryPoint: ['/usr/bin/env'], environment: [{ name: 'VERSION', value: '2' }] },
        { taskRoleArn: 'arn:aws:iam::123456789012:role/web-task' },
      ),
      dir,
      'taskdef.json',
    );
    expect(parsed).toEqual({
      family: 'web',
      source: 'taskdef.json',
      taskRoleArn: 'arn:aws:iam::123456789012:role/web-task',
      containers: [
        {
          name: 'web',
          image: join(dir, 'app'),
          argv: ['/usr/bin/env', 'node', 'server.js'],
          containerPorts: [8080],
          environment: { VERSION: '2' },
          essential: true,
        },
      ],
    });
  });

  it.each([
    [{ command: undefined }, 'containerDefinitions[0].command is required on this machine'],
    [{ command: 'node server.js' }, 'containerDefinitions[0].command must be a list of strings'],
    [
      { image: 'missing' },
      `containerDefinitions[0].image is ${join(dir, 'missing')}, which is not a directory`,
    ],
    [{ environment: [{ name: 'PORT', value: '1' }] }, 'may not set PORT'],
    [{ portMappings: [{ containerPort: 70000 }] }, 'portMappings[0].containerPort must be a port number'],
    [{ name: 'web app' }, 'containerDefinitions[0].name must be 1-255 letters'],
  ])('refuses %j, naming the field', (container, message) => {
    expect(() => parseTaskDefinition(definition(container), dir, 'taskdef.json')).toThrow(message);
  });

  it('refuses a document without family or containers', () => {
    expect(() => parseTaskDefinition({ containerDefinitions: [] }, dir)).toThrow('family must be');
    expect(() => parseTaskDefinition({ family: 'web', containerDefinitions: [] }, dir)).toThrow(
      'containerDefinitions must list at least one container',
    );
  });
});

describe('TaskDefinitionRegistry', () => {
  it('numbers revisions per family, and registers an unchanged definition once', () => {
    const registry = new TaskDefinitionRegistry();
    const v1 = registry.register(parseTaskDefinition(definition(), dir));
    const again = registry.register(parseTaskDefinition(definition(), dir));
    const v2 = registry.register(parseTaskDefinition(definition({ command: ['node', 'v2.js'] }), dir));
    expect([v1.revision, again.revision, v2.revision]).toEqual([1, 1, 2]);
    expect(v2.taskDefinitionArn).toBe('arn:aws:ecs:local:000000000000:task-definition/web:2');
    expect(registry.find('web')).toBe(v2);
    expect(registry.find('web:1')).toBe(v1);
    expect(registry.find('arn:aws:ecs:us-east-1:123456789012:task-definition/web:2')).toBe(v2);
    expect(registry.find('web:3')).toBeUndefined();
  });

  it('registers a task-definition file named relative to the AppSpec', () => {
    writeFileSync(join(dir, 'taskdef.json'), JSON.stringify(definition()));
    const registry = new TaskDefinitionRegistry();
    const registered = registry.resolve('taskdef.json', dir);
    expect(registered).toMatchObject({ family: 'web', revision: 1, source: join(dir, 'taskdef.json') });
    expect(() => registry.resolve('api:4')).toThrow('The task definition api:4 is not registered here');
    writeFileSync(join(dir, 'broken.json'), '{ "family": ');
    expect(() => registry.resolve('broken.json', dir)).toThrow(
      `The task definition ${join(dir, 'broken.json')} is not JSON`,
    );
  });
});
