// `health` query throughput over HTTP, 50 connections, load from a separate process (autocannon,
// bench/health-load.ts) on loopback. Writes bench/results/parts/api-http.json. Servers, all running
// during the whole run and measured in turn, interleaved over several rounds:
//  - default graphql-yoga (bench/health-servers.ts yoga): createYoga({ schema }) on node:http, the same
//    `health { ok }` answer: the reference of the one-process row (goal >= 2.5x);
//  - the API, one process (VELOZ_API_WORKERS=1), real Redis, no engine (heartbeat absent: health.ok is
//    false, the answer is still a 200 `{"data":{"health":{"ok":false}}}`), bearer token;
//  - the API with VELOZ_API_WORKERS=2 (cluster), same setup: goal >= 12,000 req/s (absolute);
//  - bare node:http answering the same JSON (bench/health-servers.ts bare): the physical ceiling beside it.
// Usage: npm run bench -w @veloz/api (after the other API benches) or
//   node --import tsx bench/health.bench.ts   (BENCH_HEALTH_MS measured window, default 5000;
//   BENCH_HEALTH_WARM_MS default 1500; BENCH_HEALTH_ROUNDS default 3). Each row takes the best round.
import { spawn, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  cleanupAccount,
  killAll,
  newRedis,
  newToken,
  pollUntil,
  spawnApi,
  uniqueAccount,
  type ApiChild,
} from '../test/support';
import { writeBenchPart } from '../../../scripts/bench-part';

const MS = Number(process.env.BENCH_HEALTH_MS ?? 5000);
const WARM_MS = Number(process.env.BENCH_HEALTH_WARM_MS ?? 1500);
const ROUNDS = Number(process.env.BENCH_HEALTH_ROUNDS ?? 3);
const CONNECTIONS = 50;
const HERE = path.dirname(fileURLToPath(import.meta.url));

interface LoadResult {
  rps: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  latencyP50: number;
  latencyP99: number;
  body: string;
}

const children: ChildProcess[] = [];

/** Start a node script and resolve with the first JSON line of its stdout. */
function runNode<T>(script: string, args: string[]): { child: ChildProcess; first: Promise<T> } {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, script), ...args], {
    cwd: path.resolve(HERE, '..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const first = new Promise<T>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (line) => resolve(JSON.parse(line) as T));
    child.once('exit', (code) => reject(new Error(`${script} ${args[0] ?? ''} exited ${code}`)));
  });
  return { child, first };
}

async function load(url: string, token?: string): Promise<LoadResult> {
  const { first } = runNode<LoadResult>('health-load.ts', [
    `${url}/graphql`,
    String(CONNECTIONS),
    String(WARM_MS),
    String(MS),
    ...(token ? [token] : []),
  ]);
  const r = await first;
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`load against ${url}: ${JSON.stringify(r)}`);
  return r;
}

async function main() {
  const account = uniqueAccount('bench-http');
  const token = newToken();
  let cluster: ApiChild | undefined;
  try {
    const yoga = await runNode<{ url: string }>('health-servers.ts', ['yoga']).first;
    const bare = await runNode<{ url: string }>('health-servers.ts', ['bare']).first;
    const env = {
      VELOZ_ACCOUNT: account,
      VELOZ_ENV: 'production',
      VELOZ_API_TOKENS: `bench:viewer:${token}`,
      // One bench token drives far more than the default per-token limit (100/s); the limiter is measured
      // apart (docs/api.md) and off here so the rows show the request path itself.
      VELOZ_API_RATE_LIMIT: '0',
      VELOZ_API_LOG_LEVEL: 'warn',
    };
    // `listening` is logged at info: keep info for the start, the requests themselves log nothing.
    const one = await spawnApi({ ...env, VELOZ_API_LOG_LEVEL: 'info', VELOZ_API_WORKERS: '1' });
    const two = await spawnApi({ ...env, VELOZ_API_LOG_LEVEL: 'info', VELOZ_API_WORKERS: '2' });
    cluster = two;
    await pollUntil(
      () => two.lines.some((l) => l.event === 'cluster-listening'),
      'both API workers listening',
      60_000,
    );

    const targets = [
      { key: 'yoga', url: yoga.url, token: undefined },
      { key: 'api1', url: one.url, token },
      { key: 'bare', url: bare.url, token: undefined },
      { key: 'api2', url: two.url, token },
    ] as const;
    const results: Record<string, LoadResult[]> = { yoga: [], api1: [], bare: [], api2: [] };
    // The machine is shared: the load average says how much of it these figures had.
    const loadAvg = () =>
      loadavg()
        .map((l) => l.toFixed(2))
        .join(' ');
    console.log(`load average before: ${loadAvg()}`);
    for (let round = 1; round <= ROUNDS; round++) {
      for (const t of targets) {
        const r = await load(t.url, t.token);
        results[t.key]!.push(r);
        console.log(
          `round ${round} ${t.key}: ${Math.round(r.rps)} req/s (p50 ${r.latencyP50} ms, p99 ${r.latencyP99} ms) ${r.body}`,
        );
      }
    }
    console.log(`load average after: ${loadAvg()}`);
    // Best round of each: on a shared machine other work only ever takes throughput away, so the best
    // of interleaved rounds is the closest to what each server can do (every round is printed above).
    const best = (k: string) => Math.max(...results[k]!.map((r) => r.rps));
    const [y, a1, b, a2] = [best('yoga'), best('api1'), best('bare'), best('api2')];
    const rows = [
      {
        name: `health query over HTTP, 1 API process, ${CONNECTIONS} connections (best of ${ROUNDS} rounds)`,
        value: Math.round(a1),
        unit: 'req/s',
        reference: {
          name: 'default graphql-yoga server, same query and answer',
          value: Math.round(y),
          unit: 'req/s',
        },
        ratio: a1 / y,
        goal: '>= 2.5x default yoga',
        pass: a1 / y >= 2.5,
      },
      {
        name: `health query over HTTP, 2 workers (VELOZ_API_WORKERS=2), ${CONNECTIONS} connections (best of ${ROUNDS} rounds)`,
        value: Math.round(a2),
        unit: 'req/s',
        reference: { name: 'bare node:http, fixed JSON, 1 process', value: Math.round(b), unit: 'req/s' },
        ratio: a2 / b,
        goal: '>= 12000 req/s',
        pass: a2 >= 12_000,
      },
    ];
    writeBenchPart('api-http.json', { package: '@veloz/api (http)', rows });
    for (const r of rows)
      console.log(
        `${r.pass ? 'PASS' : 'MISS'} ${r.name}: ${r.value} ${r.unit} (ref ${r.reference.value} ${r.reference.unit}, ratio ${r.ratio.toFixed(2)}; goal ${r.goal})`,
      );
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    // SIGTERM first: the cluster primary stops its workers (after a SIGKILL they notice on their own).
    await cluster?.kill('SIGTERM');
    await killAll();
    const r = newRedis();
    await cleanupAccount(r, account);
    r.disconnect();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
