// placeOrder benchmark with real processes on loopback: Redis, the sim exchange, the engine, one API
// replica, and the load generator (bench/orders-load.ts) as its own process. Writes
// bench/results/parts/api-orders.json. The acceptance rows measure `placeOrder(ack: JOURNALED)` (the answer
// once the order is in the WAL); the same figures with `ack: VENUE` (the answer once the venue's answer is
// journaled, the default) are extra rows without a goal. Every figure sits beside a reference measured in
// the same run:
//  - latency: the hops no placeOrder can skip, measured alone: a Redis command round trip between two
//    processes (XADD + blocking XREAD of the answer, the command bus's shape), plus for VENUE one order
//    round trip to the sim exchange over HTTP keep-alive (what venue:sim does per order);
//  - graphql-ws throughput: that Redis command round trip, at the same number in flight;
//  - HTTP throughput: the sim exchange's own order rate over HTTP keep-alive, at the same number in flight.
// Usage: npm run bench -w @veloz/api (runs api.bench.ts, then this); BENCH_ORDERS_MS (default 5000) is
// the measured window of each load run, BENCH_ORDERS_INFLIGHT (default 64) the orders in flight of the
// sustained runs; BENCH_CPU_PROF=<dir> profiles the engine and the API
// (bench/cpu-prof.mjs) and stops them with SIGTERM so that they write it.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSimExchange } from '@veloz/venue-sim';
import {
  cleanupAccount,
  killAll,
  newRedis,
  newToken,
  REDIS_URL,
  spawnApi,
  spawnEngine,
  uniqueAccount,
  type Child,
} from '../test/support';
import { writeBenchPart, type BenchRow } from '../../../scripts/bench-part';

const MS = Number(process.env.BENCH_ORDERS_MS ?? 5000);
const WARM_MS = 1000;
const RATE = 1000;
const INFLIGHT = Number(process.env.BENCH_ORDERS_INFLIGHT ?? 64);
const HERE = path.dirname(fileURLToPath(import.meta.url));
const LOAD = path.join(HERE, 'orders-load.ts');
/**
 * The Node flags production starts each process with (scripts/run_engine.sh, scripts/run_gateway.sh and
 * the packages' `start` scripts; docs/operations.md "Node flags"): a 64 MB young generation for the
 * engine, and for both an old generation sized up front so that no full GC runs in the first few hundred
 * MB of a session.
 */
const ENGINE_NODE_ARGS = ['--max-semi-space-size=64', '--initial-old-space-size=512'];
const API_NODE_ARGS = ['--initial-old-space-size=512'];

interface Latency {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}
interface LoadResult {
  rate: number;
  latency: Latency;
  sequential?: Latency;
  offered?: number;
  /** Orders completed in the whole run (warm-up included). */
  orders: number;
  /** Open loop: orders that did not get a success answer (ENGINE_UNAVAILABLE after the timeout). */
  failures?: number;
  firstFailure?: string;
  /** CPU time of the load process. */
  cpuMs: number;
}

/** Start the load process in `mode`; resolves its JSON answer (or, with `untilReady`, once it is ready). */
function load(args: Record<string, unknown>): Promise<LoadResult>;
function load(args: Record<string, unknown>, untilReady: true): Promise<() => void>;
function load(args: Record<string, unknown>, untilReady = false): Promise<unknown> {
  const child = spawn(process.execPath, ['--import', 'tsx', LOAD, JSON.stringify(args)], {
    cwd: path.resolve(HERE, '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  return new Promise((resolve, reject) => {
    let last: unknown;
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        last = JSON.parse(line);
      } catch {
        return;
      }
      if (untilReady && (last as { ready?: boolean }).ready) resolve(() => child.kill('SIGKILL'));
    });
    child.once('exit', (code) =>
      code === 0 && last
        ? resolve(last)
        : reject(new Error(`load ${String(args.mode)} exited ${code}\n${stderr}`)),
    );
  });
}

/** Fields of /proc/<pid>/stat after the command name (Linux; empty elsewhere or once the process is gone). */
function procStat(pid: number | undefined): string[] {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return [];
  }
}

/** CPU time (user + system) a process used so far, ms (0 without /proc). */
const cpuMs = (pid: number | undefined): number => {
  const f = procStat(pid);
  return f.length ? ((Number(f[11]) + Number(f[12])) * 1000) / 100 : 0;
};

/** Minor page faults of a process so far (0 without /proc). */
const minorFaults = (pid: number | undefined): number => Number(procStat(pid)[7] ?? 0);

/** Run `fn`, then print the CPU each process spent per order during it (where the cores go). */
async function withCpu<T extends LoadResult>(
  what: string,
  pids: Record<string, number | undefined>,
  fn: () => Promise<T>,
): Promise<T> {
  const before = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, cpuMs(p)]));
  const faults = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, minorFaults(p)]));
  const res = await fn();
  const perOrder = (cpu: number) => ((cpu / res.orders) * 1000).toFixed(0);
  const parts = Object.entries(pids).map(([k, p]) => `${k} ${perOrder(cpuMs(p) - before[k]!)}`);
  parts.push(`load ${perOrder(res.cpuMs)}`);
  const pf = Object.entries(pids).map(
    ([k, p]) => `${k} ${((minorFaults(p) - faults[k]!) / res.orders).toFixed(1)}`,
  );
  console.log(`  ${what}: CPU µs per order (${res.orders} orders incl. warm-up): ${parts.join(', ')}`);
  console.log(`  ${what}: minor page faults per order: ${pf.join(', ')}`);
  return res;
}

/** Stop collecting a child's log lines once it is ready (the bench must not parse every order's log). */
const quiet = (c: Child) => {
  c.child.stdout?.removeAllListeners('data');
  c.child.stdout?.resume();
};

const ms = (x: number) => Number(x.toFixed(3));
const fmtLat = (l: Latency) =>
  `p50 ${l.p50.toFixed(2)} ms, p90 ${l.p90.toFixed(2)} ms, p99 ${l.p99.toFixed(2)} ms, max ${l.max.toFixed(2)} ms (n ${l.n})`;

/** The profiler's preload with BENCH_CPU_PROF (NODE_OPTIONS of a child); nothing otherwise. */
const nodeEnv = (name: string): Record<string, string> => {
  const dir = process.env.BENCH_CPU_PROF;
  if (!dir) return {};
  return {
    NODE_OPTIONS: `--import ${path.join(HERE, 'cpu-prof.mjs')}`,
    BENCH_CPU_PROF: dir,
    BENCH_PROF_NAME: name,
  };
};

async function redisInfo(): Promise<string> {
  const r = newRedis();
  try {
    return await r.info('server');
  } finally {
    r.disconnect();
  }
}

async function main() {
  const account = uniqueAccount('bench-orders');
  const token = newToken();
  const refReq = `veloz:{${account}}:bench-echo-req`;
  const refRes = `veloz:{${account}}:bench-echo-res`;
  const sim = await spawnSimExchange(['--tick-ms', '0']);
  let stopEcho: (() => void) | undefined;
  const children: Child[] = [];
  try {
    const engine = await spawnEngine(
      {
        VELOZ_ACCOUNT: account,
        VELOZ_SIM_URL: sim.url,
        VELOZ_RISK_PRICE_BAND_BPS: '0',
        VELOZ_RISK_MAX_ORDERS_PER_SECOND: '1000000',
        VELOZ_RISK_MAX_OPEN_ORDERS: '1000000',
        VELOZ_RECON_ENABLED: 'false',
        // As the engine runs in production (scripts/run_engine.sh prod, `npm start`): its Node flags and
        // NODE_ENV=production.
        NODE_ENV: 'production',
        ...nodeEnv('engine'),
      },
      ENGINE_NODE_ARGS,
    );
    quiet(engine);
    children.push(engine);
    const api = await spawnApi(
      {
        VELOZ_ACCOUNT: account,
        VELOZ_ENV: 'production',
        VELOZ_API_TOKENS: `bench:operator:${token}`,
        // One bench token drives far more than the default per-token limit (100/s); the limiter is measured
        // apart (docs/api.md) and off here so the rows show the request path itself.
        VELOZ_API_RATE_LIMIT: '0',
        ...nodeEnv('api'),
      },
      API_NODE_ARGS,
    );
    quiet(api);
    children.push(api);

    // References first, on an idle system.
    stopEcho = await load({ mode: 'echo', redisUrl: REDIS_URL, req: refReq, res: refRes }, true);
    const redisRef = await load({
      mode: 'redis',
      redisUrl: REDIS_URL,
      req: refReq,
      res: refRes,
      n: 3000,
      inflight: INFLIGHT,
      ms: 3000,
    });
    stopEcho();
    // The sim reference runs against a sim exchange of its own: the engine's sim would push an execution
    // report of every reference order to the engine, which would log each as unknown (20k log lines that
    // took CPU from the reference while it was measured).
    const refSim = await spawnSimExchange(['--tick-ms', '0']);
    let simRef: LoadResult;
    try {
      simRef = await load({ mode: 'sim', url: refSim.url, n: 3000, inflight: INFLIGHT, ms: 3000 });
    } finally {
      await refSim.kill();
    }
    console.log(
      `reference Redis command round trip: sequential ${fmtLat(redisRef.sequential!)}; ${INFLIGHT} in flight ${redisRef.rate.toFixed(0)}/s`,
    );
    console.log(
      `reference sim order over HTTP: sequential ${fmtLat(simRef.sequential!)}; ${INFLIGHT} in flight ${simRef.rate.toFixed(0)}/s`,
    );

    const base = { url: api.url, token, warmMs: WARM_MS, ms: MS };
    const redisPid = Number(/process_id:(\d+)/.exec(await redisInfo())?.[1]);
    const pids = { sim: sim.child.pid, engine: engine.child.pid, api: api.child.pid, redis: redisPid };
    const journaled = { ...base, ack: 'JOURNALED' };
    const venue = { ...base, ack: 'VENUE' };
    // Unmeasured: JIT-compile every process's order path (both answer points) before the measured runs.
    await load({ mode: 'sustained', transport: 'ws', inflight: INFLIGHT, ...venue, warmMs: 0, ms: 1000 });
    await load({ mode: 'sustained', transport: 'ws', inflight: INFLIGHT, ...journaled, warmMs: 0, ms: 1000 });
    // One order at a time (no queueing): the path's own latency, after the warm-up like every measured run.
    const seq = await load({ mode: 'sustained', transport: 'ws', inflight: 1, ...journaled, ms: 2000 });
    console.log(`placeOrder(ack: JOURNALED) one at a time over graphql-ws: ${fmtLat(seq.latency)}`);
    const openLoop = async (args: Record<string, unknown>) => {
      const res = await withCpu(`open loop ${String(args.ack)}`, pids, () =>
        load({ mode: 'open', transport: 'ws', rate: RATE, ...args }),
      );
      console.log(
        `placeOrder(ack: ${String(args.ack)}) open loop ${RATE}/s over graphql-ws: ${fmtLat(res.latency)}; achieved ${res.rate.toFixed(0)}/s; ${res.failures} failed ${res.firstFailure ?? ''}`,
      );
      return res;
    };
    const sustained = async (transport: 'ws' | 'http', args: Record<string, unknown>) => {
      const res = await withCpu(`${transport} ${String(args.ack)}`, pids, () =>
        load({ mode: 'sustained', transport, inflight: INFLIGHT, ...args }),
      );
      console.log(
        `placeOrder(ack: ${String(args.ack)}) sustained over ${transport === 'ws' ? 'graphql-ws' : 'HTTP keep-alive'}, ${INFLIGHT} in flight: ${res.rate.toFixed(0)}/s; ${fmtLat(res.latency)}`,
      );
      return res;
    };
    const open = await openLoop(journaled);
    const openVenue = await openLoop(venue);
    const ws = await sustained('ws', journaled);
    const http = await sustained('http', journaled);
    const wsVenue = await sustained('ws', venue);
    const httpVenue = await sustained('http', venue);

    const redis50 = redisRef.sequential!.p50;
    const redis99 = redisRef.sequential!.p99;
    const redisName = (p: string) => `Redis command round trip ${p} (alone, sequential)`;
    const floor50 = redis50 + simRef.sequential!.p50;
    const floor99 = redis99 + simRef.sequential!.p99;
    const floorName = (p: string) =>
      `Redis command round trip ${p} + sim HTTP order round trip ${p} (each alone, sequential)`;
    const wsRef = {
      name: `Redis command round trip (XADD + XREAD answer, two processes), ${INFLIGHT} in flight`,
      value: Math.round(redisRef.rate),
      unit: 'commands/s',
    };
    const httpRef = {
      name: `sim exchange order over HTTP keep-alive, ${INFLIGHT} in flight`,
      value: Math.round(simRef.rate),
      unit: 'orders/s',
    };
    // The VENUE rows: the default answer point, shown for comparison; no goal of their own.
    const informational = { goal: '— (ack: VENUE, informational)', pass: true };
    const rows: BenchRow[] = [
      {
        name: `placeOrder to journaled answer p50, ${RATE} orders/s open loop, graphql-ws`,
        value: ms(open.latency.p50),
        unit: 'ms',
        reference: { name: redisName('p50'), value: ms(redis50), unit: 'ms' },
        ratio: open.latency.p50 / redis50,
        goal: '<= 2 ms',
        pass: open.latency.p50 <= 2 && open.failures === 0,
      },
      {
        name: `placeOrder to journaled answer p99, ${RATE} orders/s open loop, graphql-ws`,
        value: ms(open.latency.p99),
        unit: 'ms',
        reference: { name: redisName('p99'), value: ms(redis99), unit: 'ms' },
        ratio: open.latency.p99 / redis99,
        goal: '<= 10 ms',
        pass: open.latency.p99 <= 10 && open.failures === 0,
      },
      {
        name: `placeOrder sustained, graphql-ws, ${INFLIGHT} in flight`,
        value: Math.round(ws.rate),
        unit: 'orders/s',
        reference: wsRef,
        ratio: ws.rate / redisRef.rate,
        goal: '>= 3000 orders/s',
        pass: ws.rate >= 3000,
      },
      {
        name: `placeOrder sustained, HTTP keep-alive, ${INFLIGHT} in flight`,
        value: Math.round(http.rate),
        unit: 'orders/s',
        reference: httpRef,
        ratio: http.rate / simRef.rate,
        goal: '>= 1500 orders/s',
        pass: http.rate >= 1500,
      },
      {
        name: `placeOrder to venue answer (ack: VENUE) p50, ${RATE} orders/s open loop, graphql-ws`,
        value: ms(openVenue.latency.p50),
        unit: 'ms',
        reference: { name: floorName('p50'), value: ms(floor50), unit: 'ms' },
        ratio: openVenue.latency.p50 / floor50,
        ...informational,
      },
      {
        name: `placeOrder to venue answer (ack: VENUE) p99, ${RATE} orders/s open loop, graphql-ws`,
        value: ms(openVenue.latency.p99),
        unit: 'ms',
        reference: { name: floorName('p99'), value: ms(floor99), unit: 'ms' },
        ratio: openVenue.latency.p99 / floor99,
        ...informational,
      },
      {
        name: `placeOrder (ack: VENUE) sustained, graphql-ws, ${INFLIGHT} in flight`,
        value: Math.round(wsVenue.rate),
        unit: 'orders/s',
        reference: wsRef,
        ratio: wsVenue.rate / redisRef.rate,
        ...informational,
      },
      {
        name: `placeOrder (ack: VENUE) sustained, HTTP keep-alive, ${INFLIGHT} in flight`,
        value: Math.round(httpVenue.rate),
        unit: 'orders/s',
        reference: httpRef,
        ratio: httpVenue.rate / simRef.rate,
        ...informational,
      },
    ];
    writeBenchPart('api-orders.json', { package: '@veloz/api (orders)', rows });
    for (const r of rows)
      console.log(
        `${r.goal.startsWith('—') ? 'INFO' : r.pass ? 'PASS' : 'MISS'} ${r.name}: ${r.value} ${r.unit} (ref ${r.reference?.value} ${r.reference?.unit}, ratio ${r.ratio?.toFixed(2)}; goal ${r.goal})`,
      );
  } finally {
    stopEcho?.();
    // SIGTERM first: a process started with --cpu-prof (BENCH_CPU_PROF) writes its profile on a clean exit.
    if (process.env.BENCH_CPU_PROF) await Promise.all(children.map((c) => c.kill('SIGTERM')));
    await killAll();
    await sim.kill();
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
