import { openSimulatedFleet } from '../local/simulate/server-fleet.js';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const [n, config, lb] = [Number(process.argv[2] ?? 10), process.argv[3] ?? 'CodeDeployDefault.OneAtATime', process.argv[4] === 'lb'];
const t0 = Date.now();
const fleet = await openSimulatedFleet({ instances: n, deploymentConfigName: config, loadBalancer: lb });
const run = await fleet.deploy('d-SMOKE0001');
console.log(run.record.status, run.record.errorInformation, 'executions', run.executions.length,
  'max', Math.max(...run.executions.map(e => e.historyEvents)), 'sim h', (run.simulatedSeconds/3600).toFixed(1), 'wall', (Date.now()-t0)/1000);
console.log(run.executions.slice(0,3));
await fleet.dispose();
