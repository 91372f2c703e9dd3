import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import pino from 'pino';
import { recover, systemClock, type Order } from '@veloz/engine';
import { createRedisStorage } from '../../src/index';
import { REDIS_URL, rngSeed } from './crash-util';
import { readBookFile } from './book-file';
import { bookDigest } from './digest';
import { rng } from './orders';

const fixture = path.resolve(import.meta.dirname, '../fixtures/engine-process.ts');

export interface Ack {
  id: string;
  status: string;
  seq: number;
}

export interface CrashRunResult {
  seed: number;
  kills: number;
  acks: Map<string, Ack>;
  /** Orders the recovered store holds that differ from their acknowledged state. */
  mismatches: string[];
  /** Acknowledged orders missing after recovery. */
  missing: string[];
  /** Orders left PENDING_NEW after the final engine start (should be none). */
  pendingAfterRestart: string[];
  /** Un-acknowledged orders whose resolved status disagrees with the venue's book. */
  wrongResolution: string[];
  /** The restarted engine's book vs a fresh replay of the WAL: [engine digest, replay digest]. */
  digests: [string, string];
  /** The restarted engine's last sequence vs the fresh replay's. */
  lastSeqs: [number, number];
  recovered: Map<string, Order>;
  /** Engine starts whose recovery began from a snapshot (the engine takes them in the background). */
  snapshotStarts: number;
  /** Snapshot the final fresh replay started from (null: full replay). */
  finalSnapshotSeq: number | null;
}

interface Running {
  child: ChildProcess;
  ready: Promise<Record<string, unknown>>;
  acks: number;
  exited: Promise<void>;
}

/** Children alive right now, so a failing test can kill them in afterEach. */
export const liveChildren = new Set<ChildProcess>();

export function killAll(): void {
  for (const c of liveChildren) c.kill('SIGKILL');
  liveChildren.clear();
}

function startEngine(
  env: Record<string, string>,
  onAck: (a: Ack) => void,
  log: (s: string) => void,
): Running {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    cwd: path.resolve(import.meta.dirname, '../..'),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  liveChildren.add(child);
  const run: Running = {
    child,
    acks: 0,
    ready: undefined as never,
    exited: new Promise((resolve) =>
      child.once('exit', () => {
        liveChildren.delete(child);
        resolve();
      }),
    ),
  };
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  run.ready = new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (line.startsWith('READY ')) resolve(JSON.parse(line.slice(6)) as Record<string, unknown>);
      else if (line.startsWith('ACK ')) {
        const [, id, status, seq] = line.split(' ');
        run.acks++;
        onAck({ id: id!, status: status!, seq: Number(seq) });
      }
    });
    child.once('exit', (code, signal) => {
      if (signal !== 'SIGKILL') {
        log(stderr);
        reject(new Error(`engine process exited (${code ?? signal}) before READY: ${stderr.slice(-2000)}`));
      }
    });
  });
  return run;
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Start the engine process, let it acknowledge a random number of orders, SIGKILL it; `kills` times.
 * Then start it once more (recovery + PENDING_NEW resolution), kill it, and replay the WAL afresh to
 * compare every acknowledged order with its acknowledged state.
 */
export async function runCrashCycles(opts: {
  kills: number;
  seed?: number;
  account: string;
  bookFile: string;
  maxAcksPerCycle?: number;
  /** Engine snapshot interval in sequences (default 16; 0: no snapshots). */
  snapshotEvery?: number;
  log?: (s: string) => void;
}): Promise<CrashRunResult> {
  const seed = opts.seed ?? rngSeed();
  const log = opts.log ?? (() => undefined);
  const rand = rng(seed);
  const acks = new Map<string, Ack>();
  const onAck = (a: Ack) => acks.set(a.id, a);
  const baseEnv = {
    REDIS_URL,
    VELOZ_ACCOUNT: opts.account,
    BOOK_FILE: opts.bookFile,
    SNAPSHOT_EVERY: String(opts.snapshotEvery ?? 16),
  };
  let snapshotStarts = 0;
  const fromSnapshot = (ready: Record<string, unknown>) =>
    typeof (ready.recovery as { snapshotSeq?: unknown } | undefined)?.snapshotSeq === 'number';
  const maxAcks = opts.maxAcksPerCycle ?? 40;

  for (let k = 0; k < opts.kills; k++) {
    const run = startEngine({ ...baseEnv, ORDER_PREFIX: `c${k}-`, SEED: String(seed + k) }, onAck, log);
    const ready = await run.ready;
    if (fromSnapshot(ready)) snapshotStarts++;
    // Kill after a random number of acknowledgements, sometimes right after READY, sometimes mid-flight.
    const target = Math.floor(rand() * maxAcks);
    const extraMs = Math.floor(rand() * 15);
    const deadline = Date.now() + 20_000;
    while (run.acks < target && Date.now() < deadline) await wait(2);
    if (extraMs > 0) await wait(extraMs);
    run.child.kill('SIGKILL');
    await run.exited;
    log(`kill ${k + 1}/${opts.kills}: after ${run.acks} acks (READY ${JSON.stringify(ready)})`);
  }

  // Final start: recovery and resolution of the last kill, placing nothing; then a fresh replay.
  const final = startEngine({ ...baseEnv, PLACE: '0' }, onAck, log);
  const ready = await final.ready;
  if (fromSnapshot(ready)) snapshotStarts++;
  final.child.kill('SIGKILL');
  await final.exited;

  const storage = createRedisStorage({ account: opts.account });
  await storage.start({ clock: systemClock, logger: pino({ level: 'silent' }), account: opts.account });
  const { store, report } = await recover(storage);
  await storage.stop();
  log(
    `final READY ${JSON.stringify(ready)}; fresh replay: ${JSON.stringify({ ...report, corruptions: report.corruptions.slice(0, 5) })}`,
  );

  const recovered = new Map([...store.all()].map((o) => [o.clientOrderId, o]));
  const missing: string[] = [];
  const mismatches: string[] = [];
  for (const a of acks.values()) {
    const o = recovered.get(a.id);
    if (!o) missing.push(a.id);
    else if (o.status !== a.status || o.seq !== a.seq) {
      mismatches.push(`${a.id}: acked ${a.status}@${a.seq}, recovered ${o.status}@${o.seq}`);
    }
  }
  // What the venue holds, read as the engine's venue reads it (a line torn by a kill skipped).
  const book = new Set(readBookFile(opts.bookFile).map((e) => e.k));
  const wrongResolution: string[] = [];
  for (const o of recovered.values()) {
    if (acks.has(o.clientOrderId)) continue;
    const expected = book.has(o.clientOrderId) ? 'NEW' : 'REJECTED';
    if (o.status !== expected)
      wrongResolution.push(`${o.clientOrderId}: ${o.status}, venue says ${expected}`);
  }
  return {
    seed,
    kills: opts.kills,
    acks,
    missing,
    mismatches,
    pendingAfterRestart: (ready.pendingNew as string[]) ?? [],
    wrongResolution,
    digests: [String(ready.digest), bookDigest(store.all())],
    lastSeqs: [Number(ready.lastSeq), report.lastSeq],
    recovered,
    snapshotStarts,
    finalSnapshotSeq: report.snapshotSeq,
  };
}
