import { COMMAND_GROUP, COMMAND_RESULTS_MAXLEN, keys, type CommandResult } from '@veloz/engine';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { commandKey, parseCommand, type CommandOutcome, type ParsedCommand } from './commands';
import { errorMessage } from './errors';

type StreamEntry = [id: string, fields: string[]];

/** Counters of the consumer since start, for KPI samples. */
export interface CommandCounters {
  /** Commands answered (a result was published and the entry acknowledged). */
  processed: number;
  /** Answered with ok false. */
  failed: number;
  /** Left pending for the next engine (engine stopping or fenced). */
  deferred: number;
  /** Pending entries of a previous engine claimed at start. */
  claimed: number;
  /** Redis errors of the loop (it keeps going). */
  errors: number;
}

export interface CommandConsumerOptions {
  account: string;
  /** Connection for results and acknowledgements. */
  redis: Redis;
  /** Dedicated connection for the blocking XREADGROUP (disconnected by `stop`). */
  blocking: Redis;
  /** Consumer name in the group (the engine's lease owner). */
  consumer: string;
  /** `parsed` is `raw` parsed once by the consumer (it needs the order id to serialize on). */
  handle: (raw: string | undefined, entryId: string, parsed: ParsedCommand) => Promise<CommandOutcome>;
  /** Commands processed at once (default 256); commands of one order always run one after another. */
  concurrency?: number;
  /** XREADGROUP BLOCK, ms (default 1000). */
  blockMs?: number;
  logger: Logger;
}

/** Reads the command stream, runs each command, publishes its result, acknowledges it. */
export interface CommandConsumer {
  /** Create the group (MKSTREAM, from the stream's start), claim a previous engine's pending entries, start the loop. Idempotent. */
  start(): Promise<void>;
  /** Stop reading, wait for the commands in flight to be answered. Idempotent; never rejects. */
  stop(): Promise<void>;
  counters(): CommandCounters;
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Durable command consumption: unacknowledged commands survive an engine crash and are claimed at the next start. */
export function createCommandConsumer(opts: CommandConsumerOptions): CommandConsumer {
  const stream = keys.commands(opts.account);
  const results = keys.commandResults(opts.account);
  const concurrency = opts.concurrency ?? 256;
  const blockMs = opts.blockMs ?? 1000;
  const log = opts.logger.child({ component: 'commands' });
  const counters: CommandCounters = { processed: 0, failed: 0, deferred: 0, claimed: 0, errors: 0 };
  const active = new Set<Promise<void>>();
  /** Tail of the chain of each order's commands. */
  const chains = new Map<string, Promise<void>>();
  let running = false;
  let loop: Promise<void> | undefined;
  let starting: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;

  /** Results waiting for the next MULTI (group commit of answers, like the WAL's appends). */
  let answers: { entryId: string; result: CommandResult; quiet: boolean; done: () => void }[] = [];
  let flushing: Promise<void> | undefined;

  /**
   * Every answer queued while the previous MULTI was in flight goes out in one MULTI: XADD + XACK each
   * (XACK alone for a quiet one, whose answer is in the WAL).
   */
  const flush = async () => {
    while (answers.length > 0) {
      const batch = answers;
      answers = [];
      for (let attempt = 1; ; attempt++) {
        try {
          if (batch.every((a) => a.quiet)) {
            // Nothing to publish: one XACK of every entry (a single command needs no MULTI).
            await opts.redis.xack(stream, COMMAND_GROUP, ...batch.map((a) => a.entryId));
          } else {
            const m = opts.redis.multi();
            for (const a of batch) {
              if (!a.quiet)
                m.xadd(
                  results,
                  'MAXLEN',
                  '~',
                  COMMAND_RESULTS_MAXLEN,
                  '*',
                  'result',
                  JSON.stringify(a.result),
                );
              m.xack(stream, COMMAND_GROUP, a.entryId);
            }
            const replies = await m.exec();
            const failed = replies?.find(([err]) => err);
            if (!replies || failed) throw failed?.[0] ?? new Error('MULTI aborted');
          }
          for (const a of batch) answered(a.entryId, a.result);
          break;
        } catch (err) {
          counters.errors++;
          // Unanswered, the entries stay pending and are claimed again at the next start.
          if (attempt >= 5 || !running) {
            log.error(
              { entryIds: batch.map((a) => a.entryId), err: errorMessage(err) },
              'command results not published; left pending',
            );
            break;
          }
          await delay(100 * attempt);
        }
      }
      for (const a of batch) a.done();
    }
    flushing = undefined;
  };

  const answered = (entryId: string, result: CommandResult) => {
    counters.processed++;
    if (!result.ok) counters.failed++;
    // Successes at debug: the WAL is the audit trail of every order, and a log line per order costs a
    // write(2) on the hot path (about 5% of the engine's CPU at 2,000 orders/s). Refusals stay at info.
    const line = {
      entryId,
      commandId: result.commandId,
      ok: result.ok,
      code: result.code,
      clientOrderId: result.clientOrderId,
      seq: result.seq,
    };
    if (result.ok) log.debug(line, 'command answered');
    else log.info(line, 'command answered');
  };

  /** Resolves once the result is on the results stream and the entry acknowledged (or given up on). */
  const publish = (entryId: string, outcome: CommandOutcome): Promise<void> => {
    if (outcome.kind === 'retry') {
      counters.deferred++;
      log.warn({ entryId, reason: outcome.reason }, 'command left pending for the next engine');
      return Promise.resolve();
    }
    return new Promise<void>((done) => {
      answers.push({ entryId, result: outcome.result, quiet: outcome.quiet === true, done });
      // Next macrotask: answers finished in this turn of the event loop share the MULTI.
      flushing ??= new Promise<void>((r) => setImmediate(r)).then(flush);
    });
  };

  const dispatch = (entry: StreamEntry) => {
    const [entryId, fields] = entry;
    let raw: string | undefined;
    for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === 'command') raw = fields[i + 1];
    const parsed = parseCommand(raw);
    const key = commandKey(raw, parsed);
    const previous = key ? chains.get(key) : undefined;
    const run = (async () => {
      await previous;
      let outcome: CommandOutcome;
      try {
        outcome = await opts.handle(raw, entryId, parsed);
      } catch (err) {
        outcome = { kind: 'retry', reason: `handler failed: ${errorMessage(err)}` };
      }
      await publish(entryId, outcome);
    })();
    const tracked = run.finally(() => {
      active.delete(tracked);
      if (key && chains.get(key) === tracked) chains.delete(key);
    });
    active.add(tracked);
    if (key) chains.set(key, tracked);
  };

  const waitForSlot = async () => {
    while (active.size >= concurrency) await Promise.race(active);
  };

  /** Pending entries of any consumer: only one engine per account runs (lease), so they are orphans. */
  const claimPending = async () => {
    let cursor = '0-0';
    do {
      const reply = (await opts.redis.xautoclaim(
        stream,
        COMMAND_GROUP,
        opts.consumer,
        0,
        cursor,
        'COUNT',
        100,
      )) as [string, (StreamEntry | null)[], string[]?];
      cursor = reply[0];
      for (const entry of reply[1]) {
        if (!entry) continue;
        counters.claimed++;
        await waitForSlot();
        dispatch(entry);
      }
    } while (cursor !== '0-0' && running);
    if (counters.claimed > 0)
      log.info({ claimed: counters.claimed }, 'claimed pending commands of a previous engine');
  };

  const readLoop = async () => {
    while (running) {
      try {
        await waitForSlot();
        const reply = (await opts.blocking.xreadgroup(
          'GROUP',
          COMMAND_GROUP,
          opts.consumer,
          'COUNT',
          concurrency - active.size,
          'BLOCK',
          blockMs,
          'STREAMS',
          stream,
          '>',
        )) as [string, StreamEntry[]][] | null;
        for (const [, entries] of reply ?? []) for (const entry of entries) dispatch(entry);
      } catch (err) {
        if (!running) break;
        counters.errors++;
        log.error({ err: errorMessage(err) }, 'command read failed; retrying');
        await delay(500);
      }
    }
  };

  return {
    start() {
      starting ??= (async () => {
        try {
          await opts.redis.xgroup('CREATE', stream, COMMAND_GROUP, '0', 'MKSTREAM');
        } catch (err) {
          if (!/BUSYGROUP/.test(errorMessage(err))) throw err;
        }
        running = true;
        await claimPending();
        loop = readLoop();
        log.info({ stream, group: COMMAND_GROUP, consumer: opts.consumer }, 'consuming commands');
      })();
      return starting;
    },
    stop() {
      stopping ??= (async () => {
        running = false;
        // Interrupts a blocked XREADGROUP; entries it had not returned stay in the stream.
        opts.blocking.disconnect();
        await loop;
        await Promise.allSettled([...active]);
      })();
      return stopping;
    },
    counters: () => ({ ...counters }),
  };
}
