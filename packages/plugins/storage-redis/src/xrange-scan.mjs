// XRANGE replies read straight off a connection's bytes into the reader thread's windows (`FramesMessage`,
// frame.mjs), with no object per entry: the reply's bytes are kept in one buffer, reused from reply to
// reply, each entry's id and `d` field found in place and checked there (`FrameWindow`), and only the
// sound payloads copied out. A general RESP parser (redis-parser) makes an array per entry, another for
// its fields, and a Buffer for each id, name and value: garbage for the scavenger, and pages of young
// generation to touch, for every entry of a long read (docs/wal.md, "Reading replies in place").
//
// Speaks the RESP2 shape of an XRANGE reply only: an array of [id, [name, value, …]] entries, or an error
// reply. Anything else is a protocol error, thrown from `push` (the connection then fails).
import { FRAME_META, FrameWindow, missingFieldDetail } from './frame.mjs';

const STAR = 0x2a;
const DOLLAR = 0x24;
const MINUS = 0x2d;
const CR = 0x0d;
const LF = 0x0a;

/** Pending bytes start at this capacity, doubled as a reply needs. */
const INITIAL_CAPACITY = 1 << 16;

export class XrangeScanner {
  /**
   * @param {(msg: import('./frame.mjs').FramesMessage) => void} onReply a reply, framed
   * @param {(err: Error) => void} onError an error reply (the command failed; the connection is fine)
   */
  constructor(onReply, onError) {
    this.onReply = onReply;
    this.onError = onError;
    /** Received bytes not yet consumed: `buf[pos..len)`; a reply in progress is kept whole from its start. */
    this.buf = Buffer.allocUnsafeSlow(INITIAL_CAPACITY);
    this.len = 0;
    this.pos = 0;
    /** The reply being read, and how many of its entries were read. */
    this.window = undefined;
    this.read = 0;
    /** Where the reply being read began in `buf` (its payloads are gathered there). */
    this.start = 0;
    /** End of the last integer `int` read. */
    this.at = 0;
  }

  /** Bytes from the connection, in order. Throws on a reply that is not an XRANGE reply. */
  push(chunk) {
    const need = this.len + chunk.length;
    if (need > this.buf.length) {
      let capacity = this.buf.length * 2;
      while (capacity < need) capacity *= 2;
      // Offsets stay as they are: the reply in progress is copied whole, from its first byte.
      const grown = Buffer.allocUnsafeSlow(capacity);
      this.buf.copy(grown, 0, 0, this.len);
      this.buf = grown;
    }
    chunk.copy(this.buf, this.len);
    this.len = need;
    this.scan();
  }

  scan() {
    for (;;) {
      if (this.window === undefined) {
        if (!this.header()) break;
        // An error reply: read whole.
        if (this.window === undefined) {
          this.compact();
          continue;
        }
      }
      const w = this.window;
      while (this.read < w.count) {
        const end = this.entry(this.pos, this.read);
        if (end < 0) break;
        this.pos = end;
        this.read++;
      }
      if (this.read < w.count) break;
      this.window = undefined;
      const data = new Uint8Array(w.total);
      data.set(this.buf.subarray(this.start, this.start + w.total));
      this.onReply(w.finish(data.buffer));
      this.compact();
    }
  }

  /**
   * Between replies, the bytes not yet read (the next replies' first bytes) move to the front: the buffer
   * is reused, and holds about one reply plus what arrived with it at most.
   */
  compact() {
    if (this.pos < this.len) this.buf.copy(this.buf, 0, this.pos, this.len);
    this.len -= this.pos;
    this.pos = 0;
  }

  /** Read a reply's header at `pos`: false when more bytes are needed. */
  header() {
    const { buf, pos, len } = this;
    if (pos >= len) return false;
    if (buf[pos] === MINUS) {
      const cr = buf.indexOf(CR, pos);
      if (cr < 0 || cr + 1 >= len) return false;
      this.pos = cr + 2;
      this.onError(replyError(buf.toString('utf8', pos + 1, cr)));
      return true;
    }
    if (buf[pos] !== STAR) throw protocolError(buf, pos, 'an array or an error reply');
    const n = this.int(pos + 1);
    if (n === undefined) return false;
    if (n < 0) throw protocolError(buf, pos, 'an array of entries');
    this.start = pos;
    this.pos = this.at;
    this.window = new FrameWindow(n);
    this.read = 0;
    return true;
  }

  /** Read entry `i` at `p` into the window; its end, or -1 when more bytes are needed. */
  entry(p, i) {
    const { buf, len } = this;
    const parts = this.head(p, STAR, 'an entry array');
    if (parts === undefined) return -1;
    if (parts !== 2) throw protocolError(buf, p, 'an entry of 2 parts');
    // The id.
    const idLen = this.head(this.at, DOLLAR, 'an entry id');
    if (idLen === undefined) return -1;
    const idStart = this.at;
    const idEnd = idStart + idLen;
    // The fields: the first `d` field's value is the record (as `recordField` picks it).
    const n = this.head(idEnd + 2, STAR, 'a field list');
    if (n === undefined) return -1;
    p = this.at;
    const fieldsAt = p;
    let recStart = -1;
    let recEnd = -1;
    /** Whether the field before this one is a name `d` (with a value after it). */
    let named = false;
    for (let k = 0; k < n; k++) {
      const size = this.head(p, DOLLAR, 'a field');
      if (size === undefined) return -1;
      const start = this.at;
      p = start + size + 2;
      if (p > len) return -1;
      if (named && recStart < 0) {
        recStart = start;
        recEnd = start + size;
      }
      // A name (even k) of the one byte `d`, with a value after it: that value is the record.
      named = k % 2 === 0 && k + 1 < n && size === 1 && buf[start] === 0x64;
    }
    if (recStart >= 0) {
      const payload = this.window.record(i, buf, idStart, idEnd, buf, recStart, recEnd);
      // The sound payloads are gathered back to back where the reply began (bytes already read), and
      // copied out once, whole, at its end.
      if (payload >= 0) {
        const to = this.start + this.window.meta[i * FRAME_META + 1];
        buf.copyWithin(to, payload, recEnd);
      }
    } else this.window.missing(i, buf, idStart, idEnd, missingFieldDetail(this.names(fieldsAt, n)));
    return p;
  }

  /** The names of the `n`-element field list at `p` (complete in the buffer). */
  names(p, n) {
    const out = [];
    for (let k = 0; k < n; k++) {
      const size = this.int(p + 1);
      if (k % 2 === 0) out.push(this.buf.toString('utf8', this.at, this.at + size));
      p = this.at + size + 2;
    }
    return out;
  }

  /**
   * The length after the `type` byte (`*` or `$`) at `p`, what follows it at `this.at`; undefined when
   * that is not all here yet. Throws when `p` holds something else (`what`) or a negative length.
   */
  head(p, type, what) {
    if (p >= this.len) return undefined;
    if (this.buf[p] !== type) throw protocolError(this.buf, p, what);
    const n = this.int(p + 1);
    if (n !== undefined && n < 0) throw protocolError(this.buf, p, what);
    return n;
  }

  /**
   * The integer at `p` up to its CRLF (`-` allowed), its end in `this.at`; undefined when the line is not
   * all here yet.
   */
  int(p) {
    const { buf, len } = this;
    let negative = false;
    if (p < len && buf[p] === MINUS) {
      negative = true;
      p++;
    }
    let n = 0;
    let digits = 0;
    for (; p < len; p++) {
      const c = buf[p];
      if (c === CR) {
        if (p + 1 >= len) return undefined;
        if (digits === 0 || buf[p + 1] !== LF) throw protocolError(buf, p, 'an integer');
        this.at = p + 2;
        return negative ? -n : n;
      }
      if (c < 0x30 || c > 0x39 || digits === 15) throw protocolError(buf, p, 'an integer');
      n = n * 10 + (c - 0x30);
      digits++;
    }
    return undefined;
  }
}

/** An error reply's text as an Error named as ioredis names them (`ReplyError`): the command failed. */
export function replyError(text) {
  const err = new Error(text);
  err.name = 'ReplyError';
  return err;
}

function protocolError(buf, p, expected) {
  const near = JSON.stringify(buf.toString('latin1', p, Math.min(p + 16, buf.length)));
  return new Error(`Redis protocol error: expected ${expected} at ${near}`);
}
