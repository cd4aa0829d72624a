import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { IAM_ACTIONS_BY_PORT } from '../../functions/adapters/aws/iam-actions.js';
import { portsOf } from '../../functions/handlers/aws-deps.js';
import type { StepDeps } from '../../functions/steps/deps.js';

const handlersDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../functions/handlers');
const handlerFiles = readdirSync(handlersDir).filter(
  (name) => name.endsWith('.ts') && name !== 'aws-deps.ts',
);

/** A step shaped like the real ones: it names the ports it uses in its deps type. */
type Step = (deps: Pick<StepDeps, 'store' | 'events' | 'clock'>) => () => Promise<void>;

describe('handler ports', () => {
  it('every handler module lists its AWS ports, each one a port the stack knows IAM actions for', async () => {
    expect(handlerFiles.length).toBeGreaterThan(10);
    for (const file of handlerFiles) {
      const module = (await import(join(handlersDir, file))) as { ports?: unknown };
      expect(Array.isArray(module.ports), `${file} exports ports`).toBe(true);
      const ports = module.ports as string[];
      expect(ports.length, `${file} lists at least the store`).toBeGreaterThan(0);
      expect(new Set(ports).size, `${file} lists each port once`).toBe(ports.length);
      for (const port of ports) expect(Object.keys(IAM_ACTIONS_BY_PORT), file).toContain(port);
    }
  });

  it('portsOf accepts exactly the AWS ports a step uses (clock, random and settings are not AWS ports)', () => {
    expect(portsOf<Step>()(['store', 'events'])).toEqual(['store', 'events']);
    expect(portsOf<Step>()(['events', 'store'])).toEqual(['events', 'store']);
    // The rejections are compile-time errors, checked by `tsc` on this file.
    // @ts-expect-error -- 'events' is missing
    portsOf<Step>()(['store']);
    // @ts-expect-error -- 'alarms' is a port the step does not use
    portsOf<Step>()(['store', 'events', 'alarms']);
    // @ts-expect-error -- 'clock' is not an AWS port
    portsOf<Step>()(['store', 'events', 'clock']);
  });
});
