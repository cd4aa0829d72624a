import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
const counts = new Map<string, number>();
const send = DynamoDBClient.prototype.send;
(DynamoDBClient.prototype as any).send = function (cmd: any, ...rest: any[]) {
  const k = cmd.constructor.name; counts.set(k, (counts.get(k) ?? 0) + 1);
  return (send as any).call(this, cmd, ...rest);
};
const { openSimulatedFleet } = await import('../local/simulate/server-fleet.js');
const [n, config, lb] = [Number(process.argv[2] ?? 10), process.argv[3] ?? 'CodeDeployDefault.OneAtATime', process.argv[4] === 'lb'];
const t0 = Date.now();
const fleet = await openSimulatedFleet({ instances: n, deploymentConfigName: config, loadBalancer: lb, store: (process.env.STORE as 'memory') ?? 'dynalite' });
const t1 = Date.now();
const run = await fleet.deploy('d-SMOKE0001');
console.log(run.record.status, 'executions', run.executions.length, 'max', Math.max(...run.executions.map(e => e.historyEvents)), 'transitions', run.executions.reduce((s,e)=>s+e.stateTransitions,0), 'open', (t1-t0)/1000, 'deploy', (Date.now()-t1)/1000);
console.log([...counts].sort((a,b)=>b[1]-a[1]));
await fleet.dispose();
