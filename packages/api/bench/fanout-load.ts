// Load process of the fan-out benchmark: N WebSocket clients speaking graphql-transport-ws (the same code
// for the API and for the bare `ws` reference), each subscribed to FANOUT_QUERY. Records, per WAL sequence,
// the delivery latency of every client (receive time − walTs carried in the message, same clock as the
// writer). Driven over IPC by fanout.bench.ts. Usage: fanout-load.ts <ws-url> <clients> <token>
import WebSocket from 'ws';
import { clockMs, FANOUT_QUERY, type LoadReply, type LoadRequest } from './fanout-lib';

const [url, clientsArg, token] = process.argv.slice(2);
if (!url || !clientsArg || process.argv.includes('--help')) {
  console.log(
    'Usage: node --import tsx bench/fanout-load.ts <ws-url> <clients> <token>  (run by fanout.bench.ts)',
  );
  process.exit(url ? 0 : 1);
}
const clients = Number(clientsArg);
const send = (m: LoadReply) => process.send!(m);
/** seq → latencies (ms) of the clients that got it. */
const bySeq = new Map<number, number[]>();
const sockets: WebSocket[] = [];

function onMessage(data: WebSocket.RawData, acked: () => void): void {
  const now = clockMs();
  const msg = JSON.parse(data.toString()) as {
    type: string;
    payload?: { data?: { orderEvents?: { seq: number; walTs: number } }; errors?: unknown };
  };
  if (msg.type === 'next') {
    const e = msg.payload?.data?.orderEvents;
    if (!e) throw new Error(`unexpected payload ${data.toString().slice(0, 200)}`);
    let l = bySeq.get(e.seq);
    if (!l) bySeq.set(e.seq, (l = []));
    l.push(now - e.walTs);
  } else if (msg.type === 'connection_ack') acked();
  else if (msg.type === 'ping' || msg.type === 'complete') return;
  else if (msg.type !== 'pong') throw new Error(`unexpected message ${data.toString().slice(0, 200)}`);
}

function connect(): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url!, 'graphql-transport-ws');
    sockets.push(ws);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authToken: token } })));
    ws.on('message', (data) => {
      try {
        onMessage(data, resolve);
      } catch (err) {
        send({ type: 'failed', error: (err as Error).message });
      }
    });
    ws.on('error', reject);
    ws.on('close', (code, reason) => reject(new Error(`closed ${code} ${reason.toString()}`)));
  });
}

async function report(r: Extract<LoadRequest, { type: 'report' }>): Promise<void> {
  const expected = (r.to - r.from + 1) * clients;
  const count = () => {
    let n = 0;
    for (let s = r.from; s <= r.to; s++) n += bySeq.get(s)?.length ?? 0;
    return n;
  };
  const deadline = Date.now() + r.waitMs;
  while (count() < expected && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
  const all: number[] = [];
  for (let s = r.from; s <= r.to; s++) for (const v of bySeq.get(s) ?? []) all.push(v);
  for (const s of [...bySeq.keys()]) if (s <= r.to) bySeq.delete(s);
  all.sort((a, b) => a - b);
  // A delivery still missing after the wait counts as slower than every one received.
  const at = (p: number) => {
    const i = Math.min(expected - 1, Math.floor(p * expected));
    return i < all.length ? all[i]! : Number.POSITIVE_INFINITY;
  };
  send({
    type: 'report',
    p50: at(0.5),
    p99: at(0.99),
    max: all.length < expected ? Number.POSITIVE_INFINITY : (all.at(-1) ?? 0),
    delivered: all.length,
    expected,
  });
}

// A fresh operation id per round, as graphql-ws clients do: reusing an id right after its `complete` races
// with the server's clean-up of the old operation.
let round = 0;

process.on('message', (m: LoadRequest) => {
  if (m.type === 'report') void report(m);
  else if (m.type === 'subscribe' || m.type === 'unsubscribe') {
    // Subscribed only while measured, so the other server's run is not disturbed by this one's traffic.
    if (m.type === 'subscribe') round++;
    const msg =
      m.type === 'subscribe'
        ? { id: String(round), type: 'subscribe', payload: { query: FANOUT_QUERY } }
        : { id: String(round), type: 'complete' };
    const text = JSON.stringify(msg);
    for (const ws of sockets) ws.send(text);
    send({ type: 'done' });
  } else {
    for (const ws of sockets) ws.terminate();
    process.exit(0);
  }
});

const t0 = performance.now();
// Connect in waves of 100 so the server's accept queue is not flooded.
for (let i = 0; i < clients; i += 100) {
  await Promise.all(Array.from({ length: Math.min(100, clients - i) }, connect));
}
send({ type: 'ready', clients, connectMs: performance.now() - t0 });
