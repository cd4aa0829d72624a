import { afterEach, expect, it } from 'vitest';
import { createEcsHarness, disposeEcsHarnesses } from './ecs-harness.js';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
afterEach(disposeEcsHarnesses);
it('smoke', async () => {
  const h = await createEcsHarness();
  const r = await h.deploy({ config: 'CodeDeployDefault.ECSCanary10Percent5Minutes' });
  console.log(r.outcome, JSON.stringify(r.changes), JSON.stringify(r.record?.lifecycleEvents?.map(e=>[e.lifecycleEventName,e.status])), JSON.stringify(await h.state()));
  console.log(r.events.filter(e=>e.type==='StateEntered').map(e=>e.stateName+'@'+(e.atMs-r.outcome.startedAtMs)/1000).join(' '));
  expect(r.outcome.status).toBe('SUCCEEDED');
});
