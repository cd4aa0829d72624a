import { InvalidArgumentError, type Command } from 'commander';
import { subcommand } from '../subcommand.js';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('must be a port from 0 to 65535');
  return n;
}

interface ServerOptions {
  stateDir: string;
  port: number;
  s3Port: number;
  region?: string;
  maxBundleSize?: number;
  maxBundleEntries?: number;
  maxCompressionRatio?: number;
  maxLogSize?: number;
  pageSize?: number;
}

/**
 * `stepdeploy server`: the service on this machine until SIGINT or SIGTERM. Prints the `export`
 * lines a shell needs (stdout), then what it does (stderr).
 */
export function registerServerCommand(
  program: Command,
  parsers: { positiveInteger(value: string): number; byteSize(value: string): number },
): void {
  subcommand(
    program,
    'server',
    "Run stepdeploy as a service on this machine: CodeDeploy's API, S3 for revisions, the engine, hosts and load balancers",
  )
    .option('--state-dir <dir>', 'where records, revisions and hosts live', '.stepdeploy')
    .option('--port <n>', "the API's port on 127.0.0.1 (0: a free one)", port, 0)
    .option('--s3-port <n>', "the S3 endpoint's port on 127.0.0.1 (0: a free one)", port, 0)
    .option(
      '--region <region>',
      'the region clients sign for (default: the one server.json holds, else us-east-1)',
    )
    .option(
      '--max-bundle-size <size>',
      'largest unpacked bundle (bytes, or with KiB/MiB/GiB)',
      parsers.byteSize,
    )
    .option(
      '--max-bundle-entries <n>',
      'most files, directories and links in a bundle',
      parsers.positiveInteger,
    )
    .option('--max-compression-ratio <n>', 'highest unpacked-to-archive size ratio', parsers.positiveInteger)
    .option('--max-log-size <size>', "cap of each deployment's scripts.log on a host", parsers.byteSize)
    .option('--page-size <n>', 'items per page of the List operations (default 100)', parsers.positiveInteger)
    .action(async (options: ServerOptions) => {
      const started = performance.now();
      const [{ startLocalServer }, { shellExports, serverFilePath }] = await Promise.all([
        import('../../local/server/server.js'),
        import('../../local/server/server-file.js'),
      ]);
      const limits = {
        ...(options.maxBundleSize !== undefined ? { maxUnpackedBytes: options.maxBundleSize } : {}),
        ...(options.maxBundleEntries !== undefined ? { maxEntries: options.maxBundleEntries } : {}),
        ...(options.maxCompressionRatio !== undefined
          ? { maxCompressionRatio: options.maxCompressionRatio }
          : {}),
      };
      const server = await startLocalServer({
        stateDir: options.stateDir,
        port: options.port,
        s3Port: options.s3Port,
        ...(options.region ? { region: options.region } : {}),
        ...(Object.keys(limits).length ? { bundleLimits: limits } : {}),
        ...(options.maxLogSize !== undefined ? { scriptsLogMaxBytes: options.maxLogSize } : {}),
        ...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}),
        log: (line) => console.error(`stepdeploy server: ${line}`),
      });
      process.stdout.write(shellExports(server.serverFile()));
      const recovered = server.recovered.length
        ? `; marked failed: ${server.recovered.join(', ')} (their process had ended)`
        : '';
      console.error(
        `stepdeploy server: API ${server.endpoint}, S3 ${server.s3Endpoint}, ready in ${(performance.now() - started).toFixed(0)} ms; key and endpoints in ${serverFilePath(server.stateDir)}${recovered}`,
      );
      // Stopping ends its deployments as StopDeployment does, within seconds; twice exits at once.
      const { handleSignals, abandonServerFile, STOP_WITHIN_MS } = await import('../interrupt.js');
      await new Promise<never>(() => {
        handleSignals(
          async (signal) => {
            console.error(`stepdeploy server: ${signal}: stopping (again: exit at once)`);
            const stopped = await server.shutdown({ withinMs: STOP_WITHIN_MS });
            if (stopped.length > 0) console.error(`stepdeploy server: stopped ${stopped.join(', ')}`);
          },
          {
            atOnce: () => abandonServerFile(server.stateDir),
            // Stopped as a service manager asks (SIGTERM) is a normal end.
            exitCode: (signal) => (signal === 'SIGINT' ? 130 : 0),
          },
        );
      });
    });
}
