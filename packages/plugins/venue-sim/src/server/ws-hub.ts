import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ExecutionReport, MarketTick } from '@veloz/engine';
import { WebSocket, WebSocketServer } from 'ws';

/** Messages the exchange pushes on `/ws`, one JSON object per WebSocket message. */
export type SimWsMessage =
  /** First message of every connection. `seq` is the last execution sequence the server has pushed. */
  | { type: 'hello'; serverTime: number; seq: number }
  /** An order update. `seq` grows by one per pushed report; resume with `/ws?since=<seq>`. */
  | { type: 'execution'; seq: number; report: ExecutionReport }
  /** Reports between `from` and `to` (inclusive) were dropped from the resume journal and cannot be resent. */
  | { type: 'gap'; from: number; to: number }
  | { type: 'tick'; tick: MarketTick };

interface Client {
  ws: WebSocket;
  alive: boolean;
  /** Delayed messages, due times non-decreasing: one timer drains them so they never overtake each other. */
  queue: { at: number; data: string }[];
  timer: NodeJS.Timeout | undefined;
}

export interface WsHubOptions {
  heartbeatMs: number;
  journalSize: number;
  /** Delay to apply to one pushed message, ms. */
  latency: () => number;
  /** Current prices, sent to every new client right after `hello`. */
  snapshot: () => MarketTick[];
}

/**
 * The exchange's WebSocket side: tracks clients, greets each with `hello` and the current prices, pushes execution reports (journaled with a sequence so a
 * reconnecting client can resume with `?since=`) and ticks, applies latency without reordering, and pings
 * clients, terminating those that stop answering.
 */
export function createWsHub(options: WsHubOptions) {
  const wss = new WebSocketServer({ noServer: true });
  const clients = new Set<Client>();
  const journal: { seq: number; report: ExecutionReport }[] = [];
  let seq = 0;

  const heartbeat = setInterval(() => {
    for (const c of clients) {
      if (!c.alive) {
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      c.ws.ping();
    }
  }, options.heartbeatMs);
  heartbeat.unref();

  function drain(c: Client): void {
    const head = c.queue[0];
    if (!head || c.timer) return;
    c.timer = setTimeout(
      () => {
        c.timer = undefined;
        const now = Date.now();
        while (c.queue[0] && c.queue[0].at <= now) {
          const { data } = c.queue.shift()!;
          if (c.ws.readyState === WebSocket.OPEN) c.ws.send(data);
        }
        drain(c);
      },
      Math.max(0, head.at - Date.now()),
    );
  }

  function send(c: Client, msg: SimWsMessage): void {
    const data = JSON.stringify(msg);
    const ms = options.latency();
    if (ms <= 0 && c.queue.length === 0) {
      if (c.ws.readyState === WebSocket.OPEN) c.ws.send(data);
      return;
    }
    c.queue.push({ at: Math.max(c.queue.at(-1)?.at ?? 0, Date.now() + ms), data });
    drain(c);
  }

  function onConnection(ws: WebSocket, req: IncomingMessage): void {
    const c: Client = { ws, alive: true, queue: [], timer: undefined };
    clients.add(c);
    ws.on('pong', () => (c.alive = true));
    ws.on('close', () => {
      clearTimeout(c.timer);
      clients.delete(c);
    });
    ws.on('error', () => ws.terminate());
    send(c, { type: 'hello', serverTime: Date.now(), seq });
    for (const tick of options.snapshot()) send(c, { type: 'tick', tick });
    const param = new URL(req.url ?? '/', 'http://x').searchParams.get('since');
    const since = param === null || param === '' ? NaN : Number(param);
    if (Number.isInteger(since) && since >= 0 && since < seq) {
      const oldest = journal[0]?.seq ?? seq + 1;
      if (since + 1 < oldest) send(c, { type: 'gap', from: since + 1, to: oldest - 1 });
      for (const entry of journal) if (entry.seq > since) send(c, { type: 'execution', ...entry });
    }
  }

  return {
    /** Take over an HTTP upgrade request for `/ws`. */
    handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
      wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, req));
    },
    /** Journal and push one execution report to every client. */
    pushExecution(report: ExecutionReport): void {
      seq++;
      if (options.journalSize > 0) {
        journal.push({ seq, report });
        if (journal.length > options.journalSize) journal.splice(0, journal.length - options.journalSize);
      }
      for (const c of clients) send(c, { type: 'execution', seq, report });
    },
    pushTick(tick: MarketTick): void {
      for (const c of clients) send(c, { type: 'tick', tick });
    },
    /** Terminate every WebSocket at once (no close handshake). Returns how many. */
    terminateAll(): number {
      const n = clients.size;
      for (const c of clients) {
        clearTimeout(c.timer);
        c.ws.terminate();
      }
      clients.clear();
      return n;
    },
    clientCount(): number {
      return clients.size;
    },
    lastSeq(): number {
      return seq;
    },
    close(): void {
      clearInterval(heartbeat);
      this.terminateAll();
      wss.close();
    },
  };
}
export type WsHub = ReturnType<typeof createWsHub>;
