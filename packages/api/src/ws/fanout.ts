import type { ExecutionArgs, ExecutionResult, GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import type { Subscription } from 'rxjs';
import type { WebSocket } from 'ws';
import type { ProjectedEvent } from '../projection/event-log';
import type { OrderEventStream } from '../projection/order-event-stream';
import type { Projection } from '../projection/projection';

type MaybePromise<T> = T | Promise<T>;

export interface OrderEventFanoutOptions {
  projection: Projection;
  /** Runs one subscription document against one event (`rootValue`): graphql-js `execute`. */
  execute: (args: ExecutionArgs) => MaybePromise<ExecutionResult>;
  /** Masks unexpected resolver errors the way yoga does over HTTP. */
  maskError: (error: GraphQLError) => GraphQLError;
  logger: Logger;
  /**
   * A socket with more than this many bytes not yet written to the network is closed with 1013 (the
   * client reconnects and resumes with `after`), so a slow reader cannot grow the server's memory
   * without bound. Default 16 MiB.
   */
  maxBufferedBytes?: number;
  /** A member joined (called once per join, before any delivery). */
  memberJoined?(): void;
  /** That member left (client `complete`, socket closed, server completion). Once per join. */
  memberLeft?(): void;
}

/** One graphql-ws subscription delivered by the fan-out. */
export interface FanoutMember {
  /** graphql-ws operation id, spliced into every `next` message. */
  readonly id: string;
  readonly socket: WebSocket;
  readonly stream: OrderEventStream;
}

/**
 * What graphql-ws iterates for a grouped subscription: it yields nothing (the fan-out writes `next`
 * messages to the socket itself) and ends when the member is completed by the server; `return()` (client
 * `complete`, socket closed) removes the member from its group.
 */
export interface FanoutHandle extends AsyncIterableIterator<never> {
  return(): Promise<IteratorResult<never>>;
}

interface Member extends FanoutMember {
  /** `{"id":"<id>","type":"next","payload":` — the message minus the shared payload. */
  readonly prefix: string;
  active: boolean;
  /** False while catching up from the log; true once it gets live events through the group queue. */
  live: boolean;
  /** Highest seq handled (sent or filtered out) while catching up. */
  cursor: number;
  /** The drain pass that last checked its send buffer. */
  checkedPass: number;
  /** Why the stream ended in error (CursorExpiredError while catching up). */
  failure?: Error;
  leave(): void;
}

interface Pending {
  event: ProjectedEvent;
  /** Members that get this event, fixed when it was queued (later joiners start after it). */
  targets: Member[];
}

interface Group {
  readonly key: string;
  /** The first member's arguments; the result does not depend on who asks (see `fanoutGroupKey`). */
  readonly args: ExecutionArgs;
  readonly members: Set<Member>;
  readonly queue: Pending[];
  /** seq → serialised `payload`, the newest few (a member's backlog and the live feed share them). */
  readonly rendered: Map<number, string>;
  draining: boolean;
}

const RENDERED_KEPT = 256;
const OPEN = 1;
/** Catch-up: events read from the log per step, and the send buffer it waits to fall under between steps. */
const CATCH_UP_BATCH = 64;
const CATCH_UP_LOW_WATER = 256 * 1024;

/**
 * Fan-out of `orderEvents` over graphql-ws. Subscribers with the same group key (document, operation and
 * the variables that shape the result; not `after` or the filters) form a group: each event is executed
 * once per group, serialised once, and written to every matching member's socket with the member's id
 * spliced in, instead of one graphql-js execution and one JSON.stringify per subscriber and event.
 *
 * Per member the semantics of the per-subscriber stream stay: events with seq > its cursor that match its
 * filters, in WAL order, each once. A member first catches up from the projection's log on its own (a
 * cursor below the head: the backlog), paced by its socket's send buffer like the per-subscriber stream
 * was; when the log holds nothing after its cursor it turns live in the same synchronous step, and from
 * then on gets every event `events$` publishes through the group queue. A live member whose socket has
 * more than `maxBufferedBytes` unsent (a stalled reader) is closed with 1013 and resumes with `after`.
 */
export class OrderEventFanout {
  private readonly groups = new Map<string, Group>();
  private readonly subscription: Subscription;
  private readonly completions = new Set<() => void>();
  private readonly bySocket = new WeakMap<WebSocket, Set<Member>>();

  private readonly maxBuffered: number;
  private passes = 0;

  constructor(private readonly opts: OrderEventFanoutOptions) {
    this.maxBuffered = opts.maxBufferedBytes ?? 16 * 1024 * 1024;
    this.subscription = opts.projection.events$.subscribe({
      next: (e) => this.publish(e),
      complete: () => this.close(),
    });
  }

  /** Groups and members, for tests and gauges. */
  stats(): { groups: number; members: number } {
    let members = 0;
    for (const g of this.groups.values()) members += g.members.size;
    return { groups: this.groups.size, members };
  }

  /**
   * Add a subscriber to the group `key` (created with `args` when new). Throws CursorExpiredError when its
   * cursor is no longer resumable.
   */
  join(key: string, args: ExecutionArgs, m: FanoutMember): FanoutHandle {
    this.opts.projection.eventsAfter(m.stream.cursor, 0);
    let group = this.groups.get(key);
    if (!group) {
      group = { key, args, members: new Set(), queue: [], rendered: new Map(), draining: false };
      this.groups.set(key, group);
    }
    const g = group;
    let finish!: () => void;
    const finished = new Promise<void>((r) => (finish = r));
    const member: Member = {
      ...m,
      prefix: `{"id":${JSON.stringify(m.id)},"type":"next","payload":`,
      active: true,
      live: false,
      cursor: m.stream.cursor,
      checkedPass: 0,
      leave: () => {
        if (!member.active) return;
        member.active = false;
        g.members.delete(member);
        if (g.members.size === 0 && this.groups.get(key) === g) this.groups.delete(key);
        this.completions.delete(finish);
        this.bySocket.get(m.socket)?.delete(member);
        finish();
        this.opts.memberLeft?.();
      },
    };
    this.completions.add(finish);
    g.members.add(member);
    this.opts.memberJoined?.();
    this.watch(member);
    void this.catchUp(g, member);

    const done: IteratorReturnResult<undefined> = { done: true, value: undefined };
    const handle: FanoutHandle = {
      next: () =>
        finished.then(() => {
          if (member.failure) throw member.failure;
          return done;
        }),
      return: () => {
        member.leave();
        return Promise.resolve(done);
      },
      throw: (err: unknown) => {
        member.leave();
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      },
      [Symbol.asyncIterator]() {
        return handle;
      },
    };
    return handle;
  }

  /**
   * Send a member the log's events after its cursor, a step at a time, waiting for its socket to flush
   * between steps; turn it live once nothing is left (synchronously with that check, so the next event
   * published reaches it through the group queue and none is missed or sent twice).
   */
  private async catchUp(g: Group, m: Member): Promise<void> {
    try {
      while (m.active) {
        const batch = this.opts.projection.eventsAfter(m.cursor, CATCH_UP_BATCH);
        if (batch.length === 0) {
          m.live = true;
          return;
        }
        for (const e of batch) {
          if (m.stream.matches(e)) {
            const rendered = this.render(g, e);
            const payload = typeof rendered === 'string' ? rendered : await rendered;
            if (!m.active) return;
            if (m.socket.readyState === OPEN) m.socket.send(`${m.prefix}${payload}}`);
          }
          m.cursor = e.seq;
        }
        await new Promise<void>((r) => setImmediate(r));
        while (m.active && m.socket.readyState === OPEN && m.socket.bufferedAmount > CATCH_UP_LOW_WATER)
          await new Promise<void>((r) => setTimeout(r, 5));
      }
    } catch (err) {
      // CursorExpiredError: the log moved past a reader that caught up too slowly.
      m.failure = err instanceof Error ? err : new Error(String(err));
      m.leave();
    }
  }

  /** Stop listening and end every member's handle (graphql-ws then sends `complete`). Idempotent. */
  close(): void {
    this.subscription.unsubscribe();
    for (const finish of [...this.completions]) finish();
    this.completions.clear();
  }

  /**
   * graphql-ws returns a handle when its socket closes; this also removes a member whose handle it lost
   * track of (a client reusing an operation id right after completing it). One listener per socket.
   */
  private watch(member: Member): void {
    let members = this.bySocket.get(member.socket);
    if (!members) {
      const set = (members = new Set());
      this.bySocket.set(member.socket, set);
      member.socket.once('close', () => {
        for (const m of [...set]) m.leave();
      });
    }
    members.add(member);
  }

  private publish(event: ProjectedEvent): void {
    for (const g of this.groups.values()) {
      let targets: Member[] | undefined;
      for (const m of g.members) if (m.live && m.stream.matches(event)) (targets ??= []).push(m);
      if (targets) {
        g.queue.push({ event, targets });
        this.drain(g);
      }
    }
  }

  /** Send the group's queue in order; synchronous while executions are (the usual case). */
  private drain(g: Group): void {
    if (g.draining) return;
    g.draining = true;
    // A socket's send buffer is judged once per pass, before this pass adds to it: one burst (a large
    // WAL batch) is not held against a reader that keeps up.
    const pass = ++this.passes;
    while (g.queue.length > 0) {
      const item = g.queue[0]!;
      let payload: string | Promise<string>;
      try {
        payload = this.render(g, item.event);
      } catch (err) {
        // Never leave the group stuck: drop the event that failed and go on with the rest.
        this.opts.logger.error({ err, seq: item.event.seq }, 'orderEvents execution failed');
        g.queue.shift();
        continue;
      }
      if (typeof payload !== 'string') {
        payload.then(
          () => this.resume(g),
          (err: unknown) => {
            this.opts.logger.error({ err, seq: item.event.seq }, 'orderEvents execution failed');
            g.queue.shift();
            this.resume(g);
          },
        );
        return;
      }
      g.queue.shift();
      for (const m of item.targets) {
        // ws queues the frame (no per-message await, unlike graphql-ws's own send); a closed socket is skipped.
        if (!m.active || m.socket.readyState !== OPEN) continue;
        if (m.checkedPass !== pass) {
          m.checkedPass = pass;
          if (m.socket.bufferedAmount > this.maxBuffered) {
            this.opts.logger.warn(
              { id: m.id, buffered: m.socket.bufferedAmount },
              'slow subscriber disconnected',
            );
            m.socket.close(1013, 'slow consumer: reconnect and resume with after');
            m.leave();
            continue;
          }
        }
        m.socket.send(`${m.prefix}${payload}}`);
      }
    }
    g.draining = false;
  }

  private resume(g: Group): void {
    g.draining = false;
    this.drain(g);
  }

  /** The `payload` JSON of one event for one group: cached, or executed once (a promise when async). */
  private render(g: Group, event: ProjectedEvent): string | Promise<string> {
    const cached = g.rendered.get(event.seq);
    if (cached !== undefined) return cached;
    const keep = (result: ExecutionResult): string => {
      const { errors, ...rest } = result;
      const json = JSON.stringify(
        errors ? { ...rest, errors: errors.map((e) => this.opts.maskError(e).toJSON()) } : rest,
      );
      g.rendered.set(event.seq, json);
      if (g.rendered.size > RENDERED_KEPT) g.rendered.delete(g.rendered.keys().next().value!);
      return json;
    };
    const result = this.opts.execute({ ...g.args, rootValue: event });
    return result instanceof Promise ? result.then(keep) : keep(result);
  }
}
