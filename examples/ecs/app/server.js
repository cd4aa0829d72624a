// The example ECS service: answers every request with its version (VERSION), on PORT, which the local
// ECS service sets to the task's host port. /health is the load balancer's health check. With
// FAIL_REQUESTS=true (version 3) every request but the health check fails: the smoke test run by the
// AfterAllowTestTraffic hook catches it through the test listener.
import { createServer } from 'node:http';

const version = process.env.VERSION ?? 'unknown';
const failing = process.env.FAIL_REQUESTS === 'true';
const port = Number(process.env.PORT ?? 8080);

const server = createServer((req, res) => {
  if (req.url === '/health') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok\n');
    return;
  }
  res.writeHead(failing ? 500 : 200, { 'content-type': 'application/json', 'x-version': version });
  res.end(`${JSON.stringify({ version, task: process.env.ECS_TASK_ID ?? null, ok: !failing })}\n`);
});
server.keepAliveTimeout = 10_000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
