import { execFileSync } from 'node:child_process';
import pino from 'pino';
import { systemClock, type OrderEvent, type OrderRequest } from '@veloz/engine';
import { createRedisStorage, type RedisStorage } from '../src/index';
import { writeBenchPart, type BenchRow } from '../../../../scripts/bench-part';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export type { BenchRow };

/** Print a row as it is measured and collect it. */
export function report(rows: BenchRow[], row: BenchRow): void {
  rows.push(row);
  const ref = row.reference
    ? ` | ${row.reference.name}: ${fmt(row.reference.value)} ${row.reference.unit}`
    : '';
  const ratio = row.ratio == null ? '' : ` | ratio ${row.ratio.toFixed(2)}`;
  console.log(
    `${row.pass ? 'PASS' : 'FAIL'} ${row.name}: ${fmt(row.value)} ${row.unit}${ref}${ratio} (goal ${row.goal})`,
  );
}

export const fmt = (n: number): string =>
  Math.abs(n) >= 1000 ? Math.round(n).toLocaleString('en-US') : Number(n.toPrecision(3)).toString();

/** Merge rows into bench/results/parts/storage-redis.json (other benchmark files of this package add theirs). */
export function writePart(rows: BenchRow[]): void {
  writeBenchPart('storage-redis.json', { package: '@veloz/storage-redis', rows });
}

/** Host and port of REDIS_URL for redis-benchmark. */
export function redisHostPort(): { host: string; port: string } {
  const u = new URL(REDIS_URL);
  return { host: u.hostname || '127.0.0.1', port: u.port || '6379' };
}

/** Run redis-benchmark and return { rps, p50Ms } of its summary line. */
export function redisBenchmark(args: string[]): { rps: number; p50Ms: number } {
  const { host, port } = redisHostPort();
  const out = execFileSync('redis-benchmark', ['-h', host, '-p', port, '-q', ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const line = out
    .split(/[\r\n]/)
    .reverse()
    .find((l) => l.includes('requests per second'));
  const m = line && /([\d.]+) requests per second, p50=([\d.]+) msec/.exec(line);
  if (!m) throw new Error(`cannot parse redis-benchmark output: ${out.slice(-300)}`);
  return { rps: Number(m[1]), p50Ms: Number(m[2]) };
}

export async function openStorage(account: string, config: Parameters<typeof createRedisStorage>[0] = {}) {
  const storage: RedisStorage = createRedisStorage({ account, redisUrl: REDIS_URL, ...config });
  await storage.start({ clock: systemClock, logger: pino({ level: 'silent' }), account });
  return storage;
}

export const benchAccount = (name: string) => `bench-${name}-${process.pid}-${Date.now().toString(36)}`;

const request = (id: string, account: string): OrderRequest => ({
  clientOrderId: id,
  account,
  venue: 'sim',
  symbol: 'BTC-USD',
  side: 'BUY',
  type: 'LIMIT',
  timeInForce: 'GTC',
  quantity: '2',
  price: '42000.5',
});

/**
 * A realistic event mix: every order is submitted and accepted; then half fill in one go, a quarter
 * are canceled and a quarter stay open. Yields `count` events for orders numbered from `firstOrder`.
 */
export function* orderEvents(
  count: number,
  account: string,
  firstOrder = 0,
  openOnly = false,
): Generator<OrderEvent> {
  let n = 0;
  let i = firstOrder;
  const ts = 1_764_000_000_000;
  while (n < count) {
    const id = `ord-${i.toString(36).padStart(8, '0')}`;
    yield { type: 'ORDER_SUBMITTED', clientOrderId: id, ts: ts + n, order: request(id, account) };
    if (++n >= count) return;
    yield { type: 'ORDER_ACCEPTED', clientOrderId: id, ts: ts + n, venueOrderId: `v-${i}`, source: 'venue' };
    if (++n >= count) return;
    if (openOnly) {
      // submitted + accepted only
    } else if (i % 4 < 2) {
      yield {
        type: 'ORDER_FILLED',
        clientOrderId: id,
        ts: ts + n,
        fill: { fillId: `f-${i}`, quantity: '2', price: '42000.5', timestamp: ts + n },
        source: 'venue',
      };
      ++n;
    } else if (i % 4 === 2) {
      yield { type: 'ORDER_CANCELED', clientOrderId: id, ts: ts + n, source: 'venue' };
      ++n;
    }
    i++;
  }
}

/** One closing event per order (`count` orders from 0): a full fill or a cancel. */
export function* closingEvents(count: number): Generator<OrderEvent> {
  const ts = 1_764_100_000_000;
  for (let i = 0; i < count; i++) {
    const id = `ord-${i.toString(36).padStart(8, '0')}`;
    if (i % 2 === 0) {
      yield {
        type: 'ORDER_FILLED',
        clientOrderId: id,
        ts: ts + i,
        fill: { fillId: `f-${i}`, quantity: '2', price: '42000.5', timestamp: ts + i },
        source: 'venue',
      };
    } else yield { type: 'ORDER_CANCELED', clientOrderId: id, ts: ts + i, source: 'venue' };
  }
}
