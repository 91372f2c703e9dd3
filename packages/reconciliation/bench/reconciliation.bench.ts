/**
 * Reconciliation benchmarks (plain tsx script, `npm run bench`):
 * 1. the pure diff of 100,000 OMS orders against 100,000 venue orders (goal <= 250 ms);
 * 2. a full BullMQ job against 10,000 open orders at the real sim-exchange process (goal <= 2 s).
 * Writes <repo>/bench/results/parts/reconciliation.json.
 */
import { randomUUID } from 'node:crypto';
import { OrderStore, type Order, type VenueOrderReport } from '@veloz/engine';
import { createSimVenue, spawnSimExchange } from '@veloz/venue-sim';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { createReconciliation, reconcile } from '../src/index';
import { writeBenchPart, type BenchRow } from '../../../scripts/bench-part';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const rows: BenchRow[] = [];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
function timeIt(fn: () => void, runs: number): number {
  fn(); // warm-up
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    t.push(performance.now() - start);
  }
  return median(t);
}
function push(row: Omit<BenchRow, 'ratio'>): void {
  const full = { ...row, ratio: row.reference ? Number((row.value / row.reference.value).toFixed(3)) : null };
  rows.push(full);
  console.log(
    `${full.pass ? 'PASS' : 'FAIL'} ${full.name}: ${full.value} ${full.unit}` +
      (full.reference
        ? ` (reference ${full.reference.name}: ${full.reference.value} ${full.reference.unit}, ratio ${full.ratio})`
        : '') +
      ` — goal ${full.goal}`,
  );
}

function order(i: number, status: Order['status'], filled: string): Order {
  const id = `o-${i}`;
  return {
    clientOrderId: id,
    account: 'bench',
    venue: 'sim',
    symbol: i % 2 ? 'BTC-USD' : 'ETH-USD',
    side: i % 3 ? 'BUY' : 'SELL',
    type: 'LIMIT',
    timeInForce: 'GTC',
    quantity: '2',
    price: `${1000 + (i % 500)}.5`,
    venueOrderId: `v-${i}`,
    status,
    filledQuantity: filled,
    ...(filled !== '0' ? { averageFillPrice: `${1000 + (i % 500)}.5` } : {}),
    fills: [],
    createdAt: 1,
    updatedAt: 1,
    seq: i,
  };
}
function report(o: Order, filled = o.filledQuantity): VenueOrderReport {
  return {
    clientOrderId: o.clientOrderId,
    venueOrderId: o.venueOrderId!,
    symbol: o.symbol,
    side: o.side,
    type: o.type,
    timeInForce: o.timeInForce,
    quantity: o.quantity,
    ...(o.price ? { price: o.price } : {}),
    filledQuantity: filled,
    ...(filled !== '0' ? { averageFillPrice: o.price! } : {}),
    status: filled === '0' ? 'NEW' : 'PARTIALLY_FILLED',
    updatedAt: 1,
  };
}

/** 100k vs 100k: 1% orphans, 1% missing (looked up as canceled), 1% missed fills; the rest agree. */
function diffBenchmark(): void {
  const n = 100_000;
  const oms: Order[] = [];
  const venue: VenueOrderReport[] = [];
  const lookups = new Map<string, VenueOrderReport | undefined>();
  for (let i = 0; i < n; i++) {
    const o = order(i, i % 4 === 0 ? 'PARTIALLY_FILLED' : 'NEW', i % 4 === 0 ? '1' : '0');
    const bucket = i % 100;
    if (bucket === 0) {
      venue.push(report({ ...o, clientOrderId: `orphan-${i}` }));
      oms.push({ ...o, status: 'CANCELED' });
    } else if (bucket === 1) {
      oms.push(o);
      lookups.set(o.clientOrderId, { ...report(o), status: 'CANCELED' });
    } else if (bucket === 2) {
      oms.push(o);
      venue.push(report(o, o.filledQuantity === '0' ? '0.5' : '1.5'));
    } else {
      oms.push(o);
      venue.push(report(o));
    }
  }
  let findings = 0;
  const ms = timeIt(() => {
    findings = reconcile(oms, venue, lookups, { venue: 'sim', now: 2 }).findings.length;
  }, 7);
  if (findings !== 3_000) throw new Error(`diff found ${findings} findings, expected 3000`);
  // Floor: index 100k OMS ids in a Map and look up 100k venue ids, nothing else.
  const refMs = timeIt(() => {
    const m = new Map<string, Order>();
    for (const o of oms) m.set(o.clientOrderId, o);
    let hits = 0;
    for (const r of venue) if (m.get(r.clientOrderId)) hits++;
    if (hits < 0) throw new Error('unreachable');
  }, 7);
  push({
    name: 'Reconcile pure diff, 100k OMS vs 100k venue orders (3% disagree)',
    value: Number(ms.toFixed(1)),
    unit: 'ms',
    reference: {
      name: 'Map index + lookup of the same 100k ids (floor)',
      value: Number(refMs.toFixed(1)),
      unit: 'ms',
    },
    goal: '<= 250 ms',
    pass: ms <= 250,
  });
}

/** A full job (enqueue → BullMQ worker → venue queries → diff → report in Redis → result) vs 10k open orders. */
async function jobBenchmark(): Promise<void> {
  const count = 10_000;
  const account = `bench-${randomUUID().slice(0, 8)}`;
  const sim = await spawnSimExchange(['--tick-ms', '0']);
  const venue = createSimVenue({ url: sim.url });
  const logger = pino({ level: 'silent' });
  let recon: ReturnType<typeof createReconciliation> | undefined;
  try {
    await sim.admin('bulk-orders', { symbol: 'BTC-USD', count });
    await venue.start({ account, logger, clock: { now: () => Date.now() } });
    // The OMS knows every order, as it would after placing them.
    const store = new OrderStore();
    for (const r of await venue.openOrders()) {
      store.apply({
        type: 'ORDER_SUBMITTED',
        clientOrderId: r.clientOrderId,
        ts: 1,
        order: {
          clientOrderId: r.clientOrderId,
          account,
          venue: 'sim',
          symbol: r.symbol,
          side: r.side,
          type: r.type,
          timeInForce: r.timeInForce,
          quantity: r.quantity,
          ...(r.price ? { price: r.price } : {}),
        },
      });
      store.apply({
        type: 'ORDER_ACCEPTED',
        clientOrderId: r.clientOrderId,
        venueOrderId: r.venueOrderId,
        ts: 1,
      });
    }
    if (store.openOrderCount !== count)
      throw new Error(`OMS holds ${store.openOrderCount} open orders, expected ${count}`);
    recon = createReconciliation(
      { connection: REDIS_URL, account, schedule: false, startupRun: false, graceMs: 0 },
      { venues: [venue], getOrders: () => [...store.all()], journal: async () => undefined },
    );
    await recon.start();
    await recon.runNow(); // warm-up
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      const r = await recon.runNow();
      times.push(performance.now() - t);
      if (r.findings.length !== 0 || r.venues[0]!.venueOpen !== count)
        throw new Error('unexpected findings in the job benchmark');
    }
    const refTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      const res = await fetch(`${sim.url}/api/orders/open`);
      await res.json();
      refTimes.push(performance.now() - t);
    }
    const ms = median(times);
    push({
      name: 'Reconciliation job (BullMQ, sim exchange), 10k open orders',
      value: Number(ms.toFixed(1)),
      unit: 'ms',
      reference: {
        name: 'one GET /api/orders/open of the 10k orders (floor)',
        value: Number(median(refTimes).toFixed(1)),
        unit: 'ms',
      },
      goal: '<= 2000 ms',
      pass: ms <= 2000,
    });
  } finally {
    await recon?.stop();
    await venue.stop();
    await sim.kill();
    const redis = new Redis(REDIS_URL);
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `veloz:{${account}}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
    redis.disconnect();
  }
}

diffBenchmark();
await jobBenchmark();

writeBenchPart('reconciliation.json', { package: '@veloz/reconciliation', rows });
