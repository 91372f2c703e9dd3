// The fan-out benchmark's reference: a bare `ws` server that tails the account's WAL the way the API's
// projection does (XREAD BLOCK from the last id, the storage-redis codec) and broadcasts the same `next`
// message to every subscribed client: one JSON.stringify per event, one send per client. It answers
// `connection_init` with `connection_ack` and honours `subscribe`/`complete`, so the load code is the same
// as for the API.
// Usage: fanout-bare.ts <account>   (prints {"event":"listening","url":…}; REDIS_URL)
import { isOrderEventEntry, keys } from '@veloz/engine';
import { decodeStreamEntry } from '@veloz/storage-redis';
import { Redis } from 'ioredis';
import { WebSocketServer, type WebSocket } from 'ws';
import { nextMessage } from './fanout-lib';

const account = process.argv[2];
if (!account || process.argv.includes('--help')) {
  console.log('Usage: node --import tsx bench/fanout-bare.ts <account>  (run by fanout.bench.ts)');
  process.exit(account ? 0 : 1);
}
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const walKey = keys.wal(account);
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
/** Clients with an active subscription (`subscribe` received, no `complete` since). */
const subscribed = new Set<WebSocket>();
wss.on('connection', (ws) => {
  ws.on('message', (data) => {
    const type = (JSON.parse(data.toString()) as { type?: string }).type;
    if (type === 'connection_init') ws.send('{"type":"connection_ack"}');
    else if (type === 'subscribe') subscribed.add(ws);
    else if (type === 'complete') subscribed.delete(ws);
  });
  ws.on('close', () => subscribed.delete(ws));
});
await new Promise<void>((r) => wss.once('listening', r));
const { port } = wss.address() as { port: number };
console.log(JSON.stringify({ event: 'listening', url: `ws://127.0.0.1:${port}/graphql` }));

type RawEntry = [Buffer, Buffer[]];
const last = (await redis.xrevrange(walKey, '+', '-', 'COUNT', 1))[0]?.[0];
let from = last ?? '0-0';
for (;;) {
  const reply = (await redis.xreadBuffer('COUNT', 1000, 'BLOCK', 1000, 'STREAMS', walKey, from)) as
    [Buffer, RawEntry[]][] | null;
  for (const [id, fields] of reply?.[0]?.[1] ?? []) {
    from = id.toString();
    const item = decodeStreamEntry(id, fields);
    if (!item.ok || !isOrderEventEntry(item.entry)) continue;
    const msg = nextMessage(item.entry.seq, item.entry.ts, item.entry.payload);
    for (const c of subscribed) if (c.readyState === 1) c.send(msg);
  }
}
