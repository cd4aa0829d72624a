// The webapp example's server: Node's own http module, no dependencies.
//
//   GET /        200 {"message", "version", "host"}
//   GET /health  200 when healthy, 503 when /etc/webapp/webapp.json says "healthy": false (or is unreadable)
//
// It listens on 127.0.0.1:$PORT (the config's "listenHost" overrides the address).
//
// Paths are prefixed with STEPDEPLOY_HOST_ROOT when it is set (a stepdeploy local host), so the same
// file runs on a real instance and on this machine. SIGTERM shuts down gracefully.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = process.env.STEPDEPLOY_HOST_ROOT ?? '';
const configFile = `${root}/etc/webapp/webapp.json`;
const port = Number(process.env.PORT ?? 8080);
const host = process.env.STEPDEPLOY_HOST_ID ?? hostname();
const version = readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'VERSION'), 'utf8').trim();
const { health, listenHost } = readConfig();

function log(message) {
  console.log(`${new Date().toISOString()} webapp ${version} on ${host}: ${message}`);
}

/**
 * Read once at start (the deployment rewrites the config, then restarts the app). `listenHost` defaults
 * to 127.0.0.1, right for local hosts; on an instance behind a load balancer, set it to "0.0.0.0".
 */
function readConfig() {
  let config;
  try {
    config = JSON.parse(readFileSync(configFile, 'utf8'));
  } catch (error) {
    return {
      health: { healthy: false, reason: `cannot read ${configFile}: ${error.message}` },
      listenHost: '127.0.0.1',
    };
  }
  return {
    health:
      config?.healthy === false
        ? { healthy: false, reason: `"healthy" is false in ${configFile}` }
        : { healthy: true, reason: 'ok' },
    listenHost: typeof config?.listenHost === 'string' ? config.listenHost : '127.0.0.1',
  };
}

let shuttingDown = false;

const server = createServer((req, res) => {
  // While shutting down, answer what is in flight but do not keep connections alive.
  if (shuttingDown) res.setHeader('Connection', 'close');
  // A keep-alive connection whose request finishes during shutdown would stay open: close it once idle.
  res.on('finish', () => {
    if (shuttingDown) setImmediate(() => server.closeIdleConnections());
  });
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, 405, { error: 'method not allowed' }, { Allow: 'GET, HEAD' });
  } else if (path === '/') {
    send(res, 200, { message: `Hello from webapp version ${version} on ${host}`, version, host });
  } else if (path === '/health') {
    send(res, health.healthy ? 200 : 503, {
      status: health.healthy ? 'ok' : 'unhealthy',
      reason: health.reason,
      version,
      host,
    });
  } else {
    send(res, 404, { error: 'not found' });
  }
});

function send(res, status, body, headers = {}) {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

server.on('error', (error) => {
  log(`cannot listen on ${listenHost}:${port}: ${error.message}`);
  process.exit(1);
});

server.listen(port, listenHost, () => {
  log(
    `listening on http://${listenHost}:${port} (pid ${process.pid}); ` +
      (health.healthy ? 'healthy' : `UNHEALTHY, /health answers 503: ${health.reason}`),
  );
});

/** Stop accepting connections, let in-flight requests finish, then exit (forcefully after 8 s). */
function shutdown(signal) {
  if (shuttingDown) return;
  shuttingDown = true;
  log(`${signal} received, finishing in-flight requests`);
  server.close(() => {
    log('stopped');
    process.exit(0);
  });
  server.closeIdleConnections();
  setTimeout(() => {
    log('in-flight requests still open after 8 s, closing them');
    server.closeAllConnections();
    process.exit(1);
  }, 8000).unref();
}

process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
