/**
 * `stepdeploy hosts list` and `stepdeploy hosts prune`: the local hosts of a state directory, as
 * `deploy` and `stepdeploy server` made them. A host is `running` while a process of its own runs
 * (the app a deployment started), `stopped` when none does, and `terminated` once a blue/green
 * deployment ended it (its root is kept for inspection until `hosts prune` removes it). Tags are the
 * host's on-premises instance's, read through the running server's API, or from the records.
 */
import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Tag } from '../../functions/domain/codedeploy-shapes.js';
import type { OnPremisesInstanceStore } from '../../functions/ports/on-premises-instances.js';
import { subcommand } from '../subcommand.js';

export interface HostRow {
  id: string;
  status: 'running' | 'stopped' | 'terminated';
  root: string;
  port: number;
  tags: Tag[];
}

const STATE_DIR_HELP = 'where records and hosts live';

/**
 * Every host of the state directory, with its status and tags (`instances`: where the tags are read
 * from, when the caller holds the records itself, as a server in this process does).
 */
export async function hostRows(
  stateDir: string,
  instances?: Pick<OnPremisesInstanceStore, 'getInstance'>,
): Promise<HostRow[]> {
  const dir = resolve(stateDir);
  const [{ listHosts }, { hostProcesses }] = await Promise.all([
    import('../../local/hosts/hosts.js'),
    import('../../local/hosts/processes.js'),
  ]);
  const hosts = listHosts(dir);
  const names = hosts.map((host) => host.id);
  const tags = instances ? await tagsFrom(instances, names) : await instanceTags(dir, names);
  return hosts.map((host) => ({
    id: host.id,
    status: host.terminatedAt
      ? 'terminated'
      : hostProcesses(host.root, { exact: true }).length > 0
        ? 'running'
        : 'stopped',
    root: host.root,
    port: host.port,
    tags: tags.get(host.id) ?? [],
  }));
}

/** The tags of each host's on-premises instance: through the running server, else from the records. */
async function instanceTags(stateDir: string, names: readonly string[]): Promise<Map<string, Tag[]>> {
  const found = new Map<string, Tag[]>();
  if (names.length === 0) return found;
  const { connectToRunningServer } = await import('../service.js');
  const connection = await connectToRunningServer(stateDir);
  if (connection) {
    try {
      for (let start = 0; start < names.length; start += 25) {
        const { instanceInfos } = await connection.codedeploy.send('BatchGetOnPremisesInstances', {
          instanceNames: names.slice(start, start + 25),
        });
        for (const info of instanceInfos ?? []) {
          if (info.instanceName) found.set(info.instanceName, info.tags ?? []);
        }
      }
    } finally {
      await connection.close();
    }
    return found;
  }
  if (!existsSync(join(stateDir, 'records'))) return found;
  const [{ startLocalDatabase }, { DynamoDbOnPremisesInstanceStore }] = await Promise.all([
    import('../../local/runtime/dynalite.js'),
    import('../../functions/adapters/aws/dynamodb-on-premises-instances.js'),
  ]);
  const database = await startLocalDatabase({ path: join(stateDir, 'records') });
  try {
    return await tagsFrom(new DynamoDbOnPremisesInstanceStore(database.client, database.tableName), names);
  } finally {
    await database.close();
  }
}

async function tagsFrom(
  instances: Pick<OnPremisesInstanceStore, 'getInstance'>,
  names: readonly string[],
): Promise<Map<string, Tag[]>> {
  const found = new Map<string, Tag[]>();
  for (const name of names) {
    const instance = await instances.getInstance(name);
    if (instance) found.set(name, instance.tags);
  }
  return found;
}

function table(rows: readonly HostRow[]): string {
  if (rows.length === 0) return 'no hosts';
  const idWidth = Math.max(4, ...rows.map((row) => row.id.length));
  const lines = [`${'host'.padEnd(idWidth)}  ${'status'.padEnd(10)}  ${'port'.padStart(5)}  tags`];
  for (const row of rows) {
    const tags = row.tags.map((tag) => `${tag.Key ?? ''}=${tag.Value ?? ''}`).join(',');
    lines.push(
      `${row.id.padEnd(idWidth)}  ${row.status.padEnd(10)}  ${String(row.port).padStart(5)}  ${tags}`,
    );
  }
  return lines.join('\n');
}

/** `hosts list` and `hosts prune`, under the `hosts` command. */
export function registerHostCommands(hosts: Command): void {
  subcommand(
    hosts,
    'list',
    'List the local hosts: running, stopped or terminated, with their roots, ports and tags',
  )
    .option('--state-dir <dir>', STATE_DIR_HELP, '.stepdeploy')
    .option('--json', 'print one JSON array')
    .action(async (options: { stateDir: string; json?: boolean }) => {
      const rows = await hostRows(options.stateDir);
      console.log(options.json ? JSON.stringify(rows, null, 2) : table(rows));
    });

  subcommand(
    hosts,
    'prune',
    "Remove the roots of terminated hosts (blue/green deployments' retired originals)",
  )
    .option('--state-dir <dir>', STATE_DIR_HELP, '.stepdeploy')
    .action(async (options: { stateDir: string }) => {
      const { listHosts, hostsDirectory } = await import('../../local/hosts/hosts.js');
      const dir = resolve(options.stateDir);
      const terminated = listHosts(dir).filter((host) => host.terminatedAt);
      for (const host of terminated)
        rmSync(join(hostsDirectory(dir), host.id), { recursive: true, force: true });
      console.log(
        terminated.length === 0
          ? 'no terminated hosts'
          : `removed ${terminated.length} terminated host(s): ${terminated.map((host) => host.id).join(', ')}`,
      );
    });
}
