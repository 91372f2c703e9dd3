// The WAL's own Redis connections for long reads (read-worker.mjs, wal-read.ts) and snapshot loads:
// a socket, commands written as RESP, replies matched to commands in order; setup replies (and `call`) read
// by redis-parser (the reply parser ioredis itself uses), XRANGE windows (`connectFrames`) read straight
// off the bytes into framed windows by xrange-scan.mjs, a snapshot (`getValue`) straight into one buffer.
// Nothing else: no reconnects, no offline queue, no retries; any failure rejects every command in flight
// and closes the connection, and the read fails with it (STORAGE_UNAVAILABLE).
//
// Why not ioredis here: in a fresh isolate, which the reader thread always is, ioredis's reply path kept
// almost every reply of a long XRANGE read alive across scavenges (new-space survival ~98%, each reply
// copied then promoted) until V8 had optimized it, after about a million entries: reading 1M entries
// cost 3.1-3.4 s of CPU cold against 0.3-0.6 s warm. redis-parser on a plain socket reads the same
// replies for 0.6 s of CPU cold (measured 2026-11-27, docs/wal.md "The reader thread"), and the scanner
// reads them without an object per entry.
import net from 'node:net';
import RedisParser from 'redis-parser';
import { replyError, XrangeScanner } from './xrange-scan.mjs';

/** A command as RESP (every argument a string). */
function encode(args) {
  let out = `*${args.length}\r\n`;
  for (const a of args) out += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
  return out;
}

/**
 * Connection options of a redis:// URL: host, port, username, password, db (the path). Throws on anything
 * else, rediss:// included: TLS reads stay with ioredis on the main thread (wal-read.ts).
 */
export function parseRedisUrl(url) {
  const u = new URL(url);
  if (u.protocol !== 'redis:') throw new Error(`not a redis:// URL: ${u.protocol}`);
  const db = u.pathname && u.pathname !== '/' ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new Error(`bad database in Redis URL: ${u.pathname}`);
  return {
    host: u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: Number(u.port || 6379),
    username: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    db,
  };
}

/** Whether these clients can connect to `url`: plain `redis://` only (TLS, `rediss://`, stays with ioredis). */
export const ownsConnection = (url) => url.startsWith('redis://');

/**
 * Connect to `url` and get ready (AUTH when the URL has a password, SELECT its database, CLIENT SETNAME
 * `name`). Resolves a client with `call(...args)` (a promise of the reply: Buffers for strings) and
 * `close()`. Rejects when the server does not accept and answer all that within `timeoutMs` (10 s, as
 * ioredis's connectTimeout), instead of waiting for the system's TCP timeout.
 */
export async function connectResp(url, name, timeoutMs = 10_000) {
  const { call, close } = await open(url, name, timeoutMs);
  return { call, close };
}

/**
 * A connection as `connectResp` makes it, for XRANGE reads of WAL windows only: `xrange(key, from, to)`
 * resolves the window already framed and checked (`FramesMessage`, read off the reply's bytes by
 * xrange-scan.mjs, the same message as `framesOf` of the parsed reply), or rejects with the error reply.
 */
export async function connectFrames(url, name, timeoutMs = 10_000) {
  const conn = await open(url, name, timeoutMs);
  const scanner = new XrangeScanner(
    (msg) => conn.pending.shift()?.resolve(msg),
    (err) => conn.pending.shift()?.reject(err),
  );
  // Every setup reply was read (open awaited them): from here on the bytes are XRANGE replies.
  conn.onData((chunk) => {
    try {
      scanner.push(chunk);
    } catch (err) {
      conn.fail(err);
    }
  });
  return {
    xrange: (key, from, to) => conn.send(['XRANGE', key, String(from), String(to)]),
    close: conn.close,
  };
}

/**
 * GET `key` over a connection of its own, closed after: the value (null when the key does not exist), read
 * straight into one buffer of its size. A general parser keeps every chunk of a long reply and copies them
 * into the value at its end: for a snapshot of 10+ MB, twice the memory to fault in (docs/wal.md,
 * "Snapshots and trimming"). An error reply rejects.
 */
export async function getValue(url, name, key, timeoutMs = 10_000) {
  const conn = await open(url, name, timeoutMs);
  try {
    let head;
    let value;
    let at = 0;
    const answer = (fn) => {
      const p = conn.pending.shift();
      if (p) fn(p);
    };
    // Every setup reply was read (open awaited them): the next bytes are this GET's reply.
    conn.onData((chunk) => {
      try {
        if (value === undefined) {
          head = head ? Buffer.concat([head, chunk]) : chunk;
          const cr = head.indexOf(0x0d);
          if (cr < 0 || cr + 1 >= head.length) return;
          const line = head.toString('latin1', 1, cr);
          if (head[0] === 0x2d) {
            answer((p) => p.reject(replyError(line)));
            return;
          }
          if (head[0] !== 0x24 || !/^-?\d{1,15}$/.test(line)) {
            throw new Error(
              `Redis protocol error: expected a bulk string, got ${JSON.stringify(line.slice(0, 20))}`,
            );
          }
          const size = Number(line);
          if (size < 0) {
            answer((p) => p.resolve(null));
            return;
          }
          value = Buffer.allocUnsafeSlow(size + 2); // the value and its CRLF
          chunk = head.subarray(cr + 2);
          head = undefined;
        }
        const take = Math.min(chunk.length, value.length - at);
        chunk.copy(value, at, 0, take);
        at += take;
        if (at === value.length) answer((p) => p.resolve(value.subarray(0, value.length - 2)));
      } catch (err) {
        conn.fail(err);
      }
    });
    return await conn.send(['GET', key]);
  } finally {
    conn.close();
  }
}

/** The connection under both clients: `send` writes a command and queues its callbacks in `pending`. */
async function open(url, name, timeoutMs) {
  const o = parseRedisUrl(url);
  const socket = net.connect({ host: o.host, port: o.port });
  socket.setNoDelay(true);
  /** Callbacks of the commands written, in order. */
  const pending = [];
  let failure;
  const fail = (err) => {
    failure ??= err;
    for (const p of pending.splice(0)) p.reject(failure);
    socket.destroy();
  };
  const parser = new RedisParser({
    returnBuffers: true,
    returnReply: (reply) => pending.shift()?.resolve(reply),
    returnError: (err) => pending.shift()?.reject(err),
    returnFatalError: (err) => fail(err),
  });
  let data = (chunk) => parser.execute(chunk);
  socket.on('data', (chunk) => data(chunk));
  socket.on('error', (err) => fail(err));
  socket.on('close', () => fail(new Error('connection to Redis closed')));

  const send = (args) => {
    if (failure) return Promise.reject(failure);
    return new Promise((resolve, reject) => {
      pending.push({ resolve, reject });
      socket.write(encode(args));
    });
  };
  const call = (...args) => send(args);
  const timer = setTimeout(
    () => fail(new Error(`Redis at ${o.host}:${o.port} did not answer within ${timeoutMs} ms`)),
    timeoutMs,
  );
  try {
    await new Promise((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('close', () => reject(failure));
    });
    const setup = [];
    if (o.password) setup.push(o.username ? call('AUTH', o.username, o.password) : call('AUTH', o.password));
    if (o.db !== 0) setup.push(call('SELECT', String(o.db)));
    if (name) setup.push(call('CLIENT', 'SETNAME', name));
    await Promise.all(setup);
  } catch (err) {
    fail(err);
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return {
    pending,
    send,
    call,
    fail,
    onData(fn) {
      data = fn;
    },
    close() {
      failure ??= new Error('connection closed');
      socket.end();
      socket.destroy();
    },
  };
}
