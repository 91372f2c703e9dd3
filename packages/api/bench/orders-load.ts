// The load process of bench/orders.bench.ts: a separate Node process on loopback, so the API's event loop
// shares nothing with the load generator. One mode per run, given as JSON in argv[2]; prints one JSON
// line with its figures on stdout and exits.
//   echo       the far end of the Redis reference: answers every entry of `req` on `res` (XREAD BLOCK)
//   redis      Redis command round trip (XADD + blocking XREAD of the answer, like the command bus)
//   sim        the sim exchange's own order round trip over HTTP keep-alive (node:http, like venue:sim)
//   open       placeOrder open loop at `rate`/s for `ms` over graphql-ws or HTTP: latency per order
//   sustained  placeOrder closed loop with `inflight` orders outstanding for `ms`: orders/s
// open and sustained send placeOrder with `ack` (JOURNALED or VENUE; default VENUE, the schema's).
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { Redis } from 'ioredis';
import { WebSocket } from 'ws';

type Ack = 'JOURNALED' | 'VENUE';
type Mode =
  | { mode: 'echo'; redisUrl: string; req: string; res: string }
  | { mode: 'redis'; redisUrl: string; req: string; res: string; n: number; inflight: number; ms: number }
  | { mode: 'sim'; url: string; n: number; inflight: number; ms: number }
  | {
      mode: 'open';
      transport: 'ws' | 'http';
      ack?: Ack;
      url: string;
      token: string;
      rate: number;
      ms: number;
      warmMs: number;
    }
  | {
      mode: 'sustained';
      transport: 'ws' | 'http';
      ack?: Ack;
      url: string;
      token: string;
      inflight: number;
      ms: number;
      warmMs: number;
    };

type StreamReply = [string, [string, string[]][]][] | null;

const args = JSON.parse(process.argv[2] ?? '{}') as Mode;
const run = randomUUID().slice(0, 8);
const now = () => performance.now();
const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const summary = (xs: number[]) => ({
  n: xs.length,
  p50: pct(xs, 50),
  p90: pct(xs, 90),
  p99: pct(xs, 99),
  max: pct(xs, 100),
});

const placeQuery = (ack: Ack) =>
  `mutation($i: PlaceOrderInput!) { placeOrder(input: $i, ack: ${ack}) { __typename ... on PlaceOrderSuccess { order { status seq } } } }`;
let counter = 0;
const orderInput = () => ({
  clientOrderId: `ld-${run}-${counter++}`,
  venue: 'sim',
  symbol: 'BTC-USD',
  side: 'BUY',
  type: 'LIMIT',
  quantity: '0.01',
  price: '20000',
});

/** Run `one` with `inflight` callers for `ms` (after `warmMs` unmeasured): completions/s and latencies. */
async function closedLoop(one: () => Promise<void>, inflight: number, ms: number, warmMs = 0) {
  const lat: number[] = [];
  let done = 0;
  let completed = 0;
  let measuring = false;
  const stopAt = now() + warmMs + ms;
  let t0 = now();
  setTimeout(() => {
    measuring = true;
    t0 = now();
  }, warmMs);
  await Promise.all(
    Array.from({ length: inflight }, async () => {
      while (now() < stopAt) {
        const s = now();
        await one();
        completed++;
        if (measuring) {
          done++;
          lat.push(now() - s);
        }
      }
    }),
  );
  return { rate: (done / (now() - t0)) * 1000, latency: summary(lat), orders: completed };
}

/** Fire `one` on a fixed schedule (open loop); latency counts from the scheduled instant. */
async function openLoop(one: () => Promise<void>, rate: number, ms: number, warmMs: number) {
  const lat: number[] = [];
  const pending = new Set<Promise<void>>();
  const start = now();
  const total = Math.floor(((warmMs + ms) / 1000) * rate);
  const warm = Math.floor((warmMs / 1000) * rate);
  let sent = 0;
  let failures = 0;
  let firstFailure: unknown;
  while (sent < total) {
    const t = now();
    while (sent < total && start + (sent * 1000) / rate <= t) {
      const due = start + (sent * 1000) / rate;
      const measured = sent >= warm;
      const p = one().then(
        () => {
          if (measured) lat.push(now() - due);
        },
        (err: unknown) => {
          failures++;
          firstFailure ??= err;
        },
      );
      pending.add(p);
      void p.finally(() => pending.delete(p));
      sent++;
    }
    // Sleep until the next order is due (a timer, not a setImmediate spin: the load process must not
    // burn a core the processes under test need). Orders that came due meanwhile go out together.
    const wait = start + (sent * 1000) / rate - now();
    await new Promise<void>((r) => setTimeout(r, Math.max(0, Math.floor(wait))));
  }
  await Promise.all(pending);
  const elapsed = now() - start;
  return {
    rate: (total / elapsed) * 1000,
    offered: rate,
    latency: summary(lat),
    orders: total,
    failures,
    ...(failures > 0 ? { firstFailure: String(firstFailure) } : {}),
  };
}

/** placeOrder over graphql-ws (`conns` connections, round robin) or HTTP keep-alive. */
function placer(transport: 'ws' | 'http', url: string, token: string, conns: number, ack: Ack) {
  const PLACE = placeQuery(ack);
  if (transport === 'ws') {
    // The graphql-transport-ws protocol spoken directly over `ws` (connection_init / subscribe / next /
    // complete): the same frames the graphql-ws client sends, at a fraction of its CPU per operation, so
    // the load generator takes less of the cores the processes under test share.
    const sockets = Array.from({ length: conns }, () => {
      const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
      const ops = new Map<string, { ok: boolean; resolve: () => void; reject: (e: Error) => void }>();
      const acked = new Promise<void>((resolve, reject) => {
        ws.once('open', () =>
          ws.send(JSON.stringify({ type: 'connection_init', payload: { authToken: token } })),
        );
        ws.once('error', reject);
        ws.on('message', (data) => {
          const text = String(data);
          const m = JSON.parse(text) as { id?: string; type: string; payload?: unknown };
          if (m.type === 'connection_ack') return resolve();
          if (m.type === 'ping') return ws.send(JSON.stringify({ type: 'pong' }));
          const op = m.id === undefined ? undefined : ops.get(m.id);
          if (!op) return;
          if (m.type === 'next') {
            op.ok = text.includes('"__typename":"PlaceOrderSuccess"');
            if (!op.ok) op.reject(new Error(text));
          } else if (m.type === 'complete' || m.type === 'error') {
            ops.delete(m.id!);
            if (op.ok) op.resolve();
            else op.reject(new Error(JSON.stringify(m)));
          }
        });
      });
      return { ws, ops, acked };
    });
    let i = 0;
    let opId = 0;
    const place = async () => {
      const s = sockets[i++ % sockets.length]!;
      await s.acked;
      const id = String(opId++);
      return new Promise<void>((resolve, reject) => {
        s.ops.set(id, { ok: false, resolve, reject });
        s.ws.send(
          JSON.stringify({
            id,
            type: 'subscribe',
            payload: { query: PLACE, variables: { i: orderInput() } },
          }),
        );
      });
    };
    return { place, close: async () => sockets.forEach((s) => s.ws.close(1000)) };
  }
  const agent = new Agent({ keepAlive: true, maxSockets: conns });
  const u = new URL('/graphql', url);
  const place = () =>
    new Promise<void>((resolve, reject) => {
      const body = JSON.stringify({ query: PLACE, variables: { i: orderInput() } });
      const req = request(
        u,
        {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            authorization: `Bearer ${token}`,
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () =>
            text.includes('"PlaceOrderSuccess"') ? resolve() : reject(new Error(`${res.statusCode} ${text}`)),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return { place, close: async () => agent.destroy() };
}

async function main(): Promise<unknown> {
  switch (args.mode) {
    case 'echo': {
      const r = new Redis(args.redisUrl);
      const w = new Redis(args.redisUrl);
      let last = '$';
      console.log(JSON.stringify({ ready: true }));
      for (;;) {
        const reply = (await r.xread('COUNT', 1000, 'BLOCK', 0, 'STREAMS', args.req, last)) as StreamReply;
        const p = w.pipeline();
        for (const [, entries] of reply ?? [])
          for (const [id, fields] of entries) {
            last = id;
            p.xadd(args.res, 'MAXLEN', '~', 10000, '*', 'result', fields[1]!);
          }
        await p.exec();
      }
    }
    case 'redis': {
      // Same shape as the command bus: XADD the request, one blocking XREAD loop dispatches answers.
      const w = new Redis(args.redisUrl);
      const r = new Redis(args.redisUrl);
      const waiters = new Map<string, () => void>();
      let last = '$';
      let running = true;
      const loop = (async () => {
        const tail = (await w.xrevrange(args.res, '+', '-', 'COUNT', 1)) as [string, string[]][];
        last = tail[0]?.[0] ?? '0-0';
        while (running) {
          const reply = (await r.xread(
            'COUNT',
            1000,
            'BLOCK',
            200,
            'STREAMS',
            args.res,
            last,
          )) as StreamReply;
          for (const [, entries] of reply ?? [])
            for (const [id, fields] of entries) {
              last = id;
              waiters.get(fields[1]!)?.();
            }
        }
      })();
      await new Promise((resolve) => setTimeout(resolve, 50));
      const one = async () => {
        const id = randomUUID();
        const answered = new Promise<void>((resolve) => waiters.set(id, resolve));
        await w.xadd(args.req, 'MAXLEN', '~', 10000, '*', 'command', id);
        await answered;
        waiters.delete(id);
      };
      const seq: number[] = [];
      for (let i = 0; i < args.n; i++) {
        const s = now();
        await one();
        seq.push(now() - s);
      }
      const load = await closedLoop(one, args.inflight, args.ms, 200);
      running = false;
      await loop;
      w.disconnect();
      r.disconnect();
      return { sequential: summary(seq.slice(Math.floor(args.n / 10))), ...load };
    }
    case 'sim': {
      const agent = new Agent({ keepAlive: true, maxSockets: args.inflight });
      const u = new URL('/api/orders', args.url);
      const one = () =>
        new Promise<void>((resolve, reject) => {
          const o = orderInput();
          const body = JSON.stringify({ ...o, clientOrderId: `sim-${o.clientOrderId}`, timeInForce: 'GTC' });
          const req = request(
            u,
            {
              method: 'POST',
              agent,
              headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
            },
            (res) => {
              let text = '';
              res.setEncoding('utf8');
              res.on('data', (c: string) => (text += c));
              res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(text))));
            },
          );
          req.on('error', reject);
          req.end(body);
        });
      const seq: number[] = [];
      for (let i = 0; i < args.n; i++) {
        const s = now();
        await one();
        seq.push(now() - s);
      }
      const load = await closedLoop(one, args.inflight, args.ms, 200);
      agent.destroy();
      return { sequential: summary(seq.slice(Math.floor(args.n / 10))), ...load };
    }
    case 'open': {
      const p = placer(args.transport, args.url, args.token, 8, args.ack ?? 'VENUE');
      await closedLoop(p.place, 4, 300); // connect and warm the JIT
      const res = await openLoop(p.place, args.rate, args.ms, args.warmMs);
      await p.close();
      return res;
    }
    case 'sustained': {
      const conns = args.transport === 'ws' ? 8 : args.inflight;
      const p = placer(args.transport, args.url, args.token, conns, args.ack ?? 'VENUE');
      const res = await closedLoop(p.place, args.inflight, args.ms, args.warmMs);
      await p.close();
      return res;
    }
  }
}

main().then(
  (out) => {
    const cpu = process.cpuUsage();
    console.log(JSON.stringify({ ...(out as object), cpuMs: (cpu.user + cpu.system) / 1000 }));
    process.exit(0);
  },
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
