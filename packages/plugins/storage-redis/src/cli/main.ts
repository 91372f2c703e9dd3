/**
 * veloz-wal: operate on an account's WAL in Redis.
 *   veloz-wal inspect|verify|replay --dry-run|compact [--account A] [--redis-url URL] [--json]
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import pino from 'pino';
import { systemClock, VelozError } from '@veloz/engine';
import { createRedisStorage, type RedisStorage } from '../storage';
import { compact, inspect, replayDryRun, verify, type Out } from './commands';

const COMMON = `Options:
  --account <id>     account (env VELOZ_ACCOUNT)
  --redis-url <url>  Redis URL (env REDIS_URL, default redis://127.0.0.1:6379)
  --json             machine-readable output
  -h, --help         this help`;

const HELP: Record<string, string> = {
  main: `Usage: veloz-wal <command> [options]

Commands:
  inspect   head, tail, length, lease, snapshots and corrupt entries of the WAL
  verify    check every entry's checksum and sequence and every snapshot; exit 1 if anything is bad
  replay    --dry-run: replay into a throw-away OrderStore and report (progress bar on long replays)
  compact   snapshot the replayed state and trim the stream below the oldest kept snapshot

Run \`veloz-wal <command> --help\` for a command's options.

${COMMON}`,
  inspect: `Usage: veloz-wal inspect [--no-scan] [--limit N] [options]

Shows the stream's length, head and tail ids, last sequence, lease holder, snapshots, and (unless
--no-scan) the corrupt entries and gaps found by reading the whole stream (at most --limit listed,
default 50; the count is exact).

${COMMON}`,
  verify: `Usage: veloz-wal verify [--limit N] [options]

Reads every entry (checksum, decoding, sequence continuity) and loads every snapshot (checksum).
Exit status 0 when all is intact, 1 when anything is corrupt, 2 on usage or connection errors.

${COMMON}`,
  replay: `Usage: veloz-wal replay --dry-run [--known-type T]... [--limit N] [options]

Recovers the OrderStore exactly as the engine does at start (newest valid snapshot, then the tail),
without writing anything, and reports what was applied, skipped and why. --known-type names
non-order entry types to count as understood (repeatable).

${COMMON}`,
  compact: `Usage: veloz-wal compact [--force] [--known-type T]... [options]

Replays, saves a snapshot at the last sequence and trims the stream below the oldest snapshot kept.
Refuses when replay skipped entries or found gaps (compaction would make that loss permanent)
unless --force. Safe while an engine is running: it only removes entries a kept snapshot covers.

${COMMON}`,
};

const options = {
  account: { type: 'string' },
  'redis-url': { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  'dry-run': { type: 'boolean', default: false },
  'no-scan': { type: 'boolean', default: false },
  force: { type: 'boolean', default: false },
  limit: { type: 'string' },
  'known-type': { type: 'string', multiple: true },
} satisfies ParseArgsConfig['options'];

class UsageError extends Error {}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const out: Out = { json: false, print: (t) => console.log(t) };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    console.error(`veloz-wal: ${(err as Error).message}\n\n${HELP.main}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (!command) {
    console.log(HELP.main);
    return values.help ? 0 : 2;
  }
  if (!(command in HELP) || command === 'main') {
    console.error(`veloz-wal: unknown command "${command}"\n\n${HELP.main}`);
    return 2;
  }
  if (values.help) {
    console.log(HELP[command]);
    return 0;
  }
  out.json = values.json;

  let storage: RedisStorage | undefined;
  try {
    const account = values.account ?? env.VELOZ_ACCOUNT;
    if (!account) throw new UsageError('no account: pass --account or set VELOZ_ACCOUNT');
    const limit = values.limit === undefined ? 50 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 0)
      throw new UsageError(`--limit must be a non-negative integer, not "${values.limit}"`);
    if (command === 'replay' && !values['dry-run']) {
      throw new UsageError('replay only runs with --dry-run (the engine replays the WAL itself at start)');
    }
    const redisUrl = values['redis-url'] ?? env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    storage = createRedisStorage({ account, redisUrl });
    await storage.start({ clock: systemClock, logger: pino({ level: 'silent' }), account });
    const knownTypes = values['known-type'] ?? [];
    switch (command) {
      case 'inspect':
        return await inspect(storage, out, { scan: !values['no-scan'], limit });
      case 'verify':
        return await verify(storage, out, { limit });
      case 'replay':
        return await replayDryRun(storage, out, { limit, knownTypes });
      default:
        return await compact(storage, out, { force: values.force, knownTypes });
    }
  } catch (err) {
    if (err instanceof UsageError) console.error(`veloz-wal ${command}: ${err.message}\n\n${HELP[command]}`);
    else if (err instanceof VelozError) {
      const cause = err.cause instanceof Error ? ` (${err.cause.message})` : '';
      console.error(`veloz-wal ${command}: ${err.message}${cause}`);
    } else console.error(`veloz-wal ${command}: ${(err as Error).message ?? String(err)}`);
    return 2;
  } finally {
    await storage?.stop();
  }
}

const isEntry = process.argv[1] && /veloz-wal(\.js)?$|cli[\\/]main\.ts$/.test(process.argv[1]);
if (isEntry) process.exitCode = await main(process.argv.slice(2));
