import type { Logger } from 'pino';
import pino from 'pino';
import { BehaviorSubject, filter, firstValueFrom, type Observable } from 'rxjs';
import { VelozError } from '../errors';
import { systemClock, type Clock } from '../plugins/context';
import type { ConnectionState, ConnectionStatus } from '../plugins/venue';
import { backoffConfigSchema, backoffDelay, type BackoffConfig } from './backoff';

/** Anything the supervisor keeps up: a socket, a WebSocket client, an exchange session. */
export interface Disconnectable {
  /** Close it. Errors are logged by the supervisor, never thrown. */
  disconnect(): Promise<void> | void;
}

export interface ConnectionSupervisorOptions<C extends Disconnectable> {
  /**
   * Open one connection. Rejects when it cannot (the supervisor retries with backoff). `signal` is
   * aborted when the attempt times out or the supervisor stops; a connection resolved after that is
   * disconnected at once.
   */
  connect: (signal: AbortSignal) => Promise<C>;
  backoff: BackoffConfig;
  /** Give up one attempt after this many ms (default 10 000). */
  connectTimeoutMs?: number;
  /** For `lastConnectedAt` (default: system clock). */
  clock?: Clock;
  /** Logger (default: silent). */
  logger?: Logger;
  /** Random source in [0, 1) for jitter (default Math.random). */
  random?: () => number;
}

/** Keeps one connection up: connects, notices losses (through `notifyLost`) and reconnects with backoff. */
export interface ConnectionSupervisor<C extends Disconnectable> {
  /** Current status on subscribe, then every change. Completes on `stop`. */
  readonly connection$: Observable<ConnectionStatus>;
  /** Current status (what connection$ last emitted). */
  status(): ConnectionStatus;
  /** The live connection, or undefined while not CONNECTED. */
  current(): C | undefined;
  /** Begin connecting (DISCONNECTED → CONNECTING). Idempotent; a no-op after `stop`. */
  start(): void;
  /**
   * Resolves with the connection once CONNECTED (at once if it already is). Rejects with
   * VelozError `NOT_CONNECTED` after `timeoutMs` (when given) or when the supervisor stops.
   */
  connected(timeoutMs?: number): Promise<C>;
  /**
   * Report that the connection dropped (socket closed, heartbeat missed). Ignored unless CONNECTED, and
   * ignored when `connection` is given and is not the current one (a late report from an old socket).
   */
  notifyLost(error?: unknown, connection?: C): void;
  /** Stop: abort a pending attempt or retry, disconnect, complete connection$. Idempotent. */
  stop(): Promise<void>;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return error === undefined ? 'connection lost' : String(error);
}

/**
 * Create a supervisor. Venue plugins use it for their transport: `connect` opens the socket, the
 * plugin calls `notifyLost` from the socket's close handler, and exposes `connection$` as its own.
 */
export function createConnectionSupervisor<C extends Disconnectable>(
  options: ConnectionSupervisorOptions<C>,
): ConnectionSupervisor<C> {
  const backoff = backoffConfigSchema.parse(options.backoff);
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? pino({ level: 'silent' });
  const random = options.random ?? Math.random;
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;

  const status$ = new BehaviorSubject<ConnectionStatus>({ state: 'DISCONNECTED', reconnectCount: 0 });
  let conn: C | undefined;
  let started = false;
  let stopped = false;
  let stopping: Promise<void> | undefined;
  let lostBefore = false; // a connection was established and then lost: the next success is a reconnect
  let attempt = 0;
  let previousDelay: number | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let attemptController: AbortController | undefined;

  const set = (patch: Partial<ConnectionStatus> & { state: ConnectionState }) => {
    if (stopped && patch.state !== 'DISCONNECTED') return;
    status$.next({ ...status$.getValue(), ...patch });
  };

  const disconnectQuietly = async (c: C | undefined) => {
    if (!c) return;
    try {
      await c.disconnect();
    } catch (error) {
      logger.warn({ err: error }, 'disconnect failed');
    }
  };

  const scheduleRetry = () => {
    if (stopped) return;
    const delay = backoffDelay(attempt, backoff, random, previousDelay);
    previousDelay = delay;
    attempt++;
    logger.debug({ attempt, delayMs: delay }, 'reconnect scheduled');
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void tryConnect();
    }, delay);
  };

  const tryConnect = async () => {
    if (stopped) return;
    const controller = new AbortController();
    attemptController = controller;
    const timeout = setTimeout(
      () =>
        controller.abort(new VelozError('CONNECT_TIMEOUT', `connect timed out after ${connectTimeoutMs} ms`)),
      connectTimeoutMs,
    );
    let result: C;
    try {
      result = await Promise.race([
        options.connect(controller.signal),
        new Promise<never>((_, reject) => {
          controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
        }),
      ]);
    } catch (error) {
      clearTimeout(timeout);
      attemptController = undefined;
      if (stopped) return;
      const lastError = messageOf(error);
      logger.warn({ err: lastError, attempt }, 'connect failed');
      set({ state: lostBefore ? 'RECONNECTING' : 'CONNECTING', lastError });
      scheduleRetry();
      return;
    }
    clearTimeout(timeout);
    attemptController = undefined;
    if (stopped || controller.signal.aborted) {
      await disconnectQuietly(result);
      if (!stopped) scheduleRetry();
      return;
    }
    conn = result;
    attempt = 0;
    previousDelay = undefined;
    const { reconnectCount } = status$.getValue();
    const next = lostBefore ? reconnectCount + 1 : reconnectCount;
    lostBefore = false;
    logger.info({ reconnectCount: next }, 'connected');
    set({ state: 'CONNECTED', reconnectCount: next, lastConnectedAt: clock.now() });
  };

  return {
    connection$: status$.asObservable(),
    status: () => status$.getValue(),
    current: () => (status$.getValue().state === 'CONNECTED' ? conn : undefined),

    start() {
      if (started || stopped) return;
      started = true;
      set({ state: 'CONNECTING' });
      void tryConnect();
    },

    connected(timeoutMs?: number) {
      if (stopped) return Promise.reject(new VelozError('NOT_CONNECTED', 'connection supervisor stopped'));
      const wait = firstValueFrom(status$.pipe(filter((s) => s.state === 'CONNECTED'))).then(
        () => conn as C,
        () => {
          throw new VelozError('NOT_CONNECTED', 'connection supervisor stopped');
        },
      );
      if (timeoutMs === undefined) return wait;
      let timer: NodeJS.Timeout | undefined;
      return Promise.race([
        wait,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new VelozError('NOT_CONNECTED', `not connected within ${timeoutMs} ms`)),
            timeoutMs,
          );
        }),
      ]).finally(() => clearTimeout(timer));
    },

    notifyLost(error?: unknown, connection?: C) {
      if (stopped || status$.getValue().state !== 'CONNECTED') return;
      if (connection !== undefined && connection !== conn) return;
      const old = conn;
      conn = undefined;
      lostBefore = true;
      const lastError = messageOf(error);
      logger.warn({ err: lastError }, 'connection lost');
      set({ state: 'RECONNECTING', lastError });
      void disconnectQuietly(old);
      scheduleRetry();
    },

    stop() {
      if (stopping) return stopping;
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = undefined;
      attemptController?.abort(new VelozError('STOPPED', 'connection supervisor stopped'));
      const old = conn;
      conn = undefined;
      stopping = (async () => {
        await disconnectQuietly(old);
        set({ state: 'DISCONNECTED' });
        status$.complete();
      })();
      return stopping;
    },
  };
}
