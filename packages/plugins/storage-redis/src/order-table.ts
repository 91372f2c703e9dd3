/**
 * Snapshot body, format 2: an OrderStore snapshot (`{ version: 1, lastSeq, orders }`) as a table of
 * orders, read straight into the book's own order objects.
 *
 * Why not MessagePack (format 1): a book restored from a MessagePack snapshot held a new string for
 * every field of every order ("BTC-USD", "LIMIT", "NEW", "0", … once per order: ~580 bytes an order
 * against ~250 for a book built by replay, whose reducer interns them), and every one of those objects
 * was copied by the young-generation collector on its way to the old generation. Here every field that
 * repeats across orders is written once and referenced after, so decoding gives the book one string per
 * distinct value, as the reducer does. Measured in `docs/wal.md` ("Snapshot format 2").
 *
 * Layout after the snapshot header (codec.ts): `lastSeq` f64, order count varint, then each order:
 *
 *   flags u8        1 price, 2 venueOrderId, 4 averageFillPrice, 8 rejectReason (present)
 *   strings         clientOrderId account venue symbol side type timeInForce quantity status
 *                   filledQuantity, then the present optional ones in the flag order above
 *   3 × f64 LE      createdAt updatedAt seq
 *   varint          fill count; each fill: fillId quantity price (strings), timestamp f64 LE
 *
 * A string is a varint `v`: 0 = a string that follows (varint byte length, UTF-8); 1 = the same, and it
 * joins the table; `v` ≥ 2 = the table's entry `v - 2`. The table is built while reading, in the order
 * the strings were written (so a book packed a chunk per event-loop turn reads as one). Values unique to
 * an order (its ids, a reject reason) are written inline; the rest join the table while it has room.
 *
 * Only a snapshot whose every order has exactly these fields, of these types, is written this way
 * (`encodeOrderTable` answers undefined otherwise, and the caller packs it as MessagePack), so the
 * decoded book deep-equals the one that was saved. Pure functions, tested without Redis.
 */

/** Table entries at most: a book with more distinct values writes the rest inline. */
export const STRING_TABLE_CAP = 65_536;

const HAS_PRICE = 1;
const HAS_VENUE_ORDER_ID = 2;
const HAS_AVERAGE = 4;
const HAS_REJECT = 8;

const REQUIRED_STRINGS = [
  'clientOrderId',
  'account',
  'venue',
  'symbol',
  'side',
  'type',
  'timeInForce',
  'quantity',
  'status',
  'filledQuantity',
] as const;
const OPTIONAL_STRINGS = ['price', 'venueOrderId', 'averageFillPrice', 'rejectReason'] as const;
/** Required strings that are the same across many orders (the rest of the required: clientOrderId). */
const REQUIRED_FIELDS = REQUIRED_STRINGS.length + 4; // + fills, createdAt, updatedAt, seq

/** The fills of an order without any: one shared, frozen array (the reducer copies before adding). */
const NO_FILLS: readonly unknown[] = Object.freeze([]);

interface FillLike {
  fillId: string;
  quantity: string;
  price: string;
  timestamp: number;
}

interface OrderLike {
  clientOrderId: string;
  account: string;
  venue: string;
  symbol: string;
  side: string;
  type: string;
  timeInForce: string;
  quantity: string;
  status: string;
  filledQuantity: string;
  fills: FillLike[];
  createdAt: number;
  updatedAt: number;
  seq: number;
  price?: string;
  venueOrderId?: string;
  averageFillPrice?: string;
  rejectReason?: string;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;

/** Whether `state` has the OrderStore snapshot's top level: exactly `version` 1, `lastSeq` and `orders`. */
export function isOrderTableState(
  state: unknown,
): state is { version: 1; lastSeq: number; orders: unknown[] } {
  if (!isPlainObject(state)) return false;
  const keys = Object.keys(state);
  return (
    keys.length === 3 &&
    state.version === 1 &&
    typeof state.lastSeq === 'number' &&
    Array.isArray(state.orders)
  );
}

function isFill(f: unknown): f is FillLike {
  if (!isPlainObject(f)) return false;
  let keys = 0;
  for (const k in f) {
    if (!Object.prototype.hasOwnProperty.call(f, k)) return false;
    keys++;
  }
  return (
    keys === 4 &&
    typeof f.fillId === 'string' &&
    typeof f.quantity === 'string' &&
    typeof f.price === 'string' &&
    typeof f.timestamp === 'number'
  );
}

/** The order's flags, or -1 when it has a field (or a type) this format does not carry. */
function flagsOf(o: unknown): number {
  if (!isPlainObject(o)) return -1;
  let keys = 0;
  for (const k in o) {
    if (!Object.prototype.hasOwnProperty.call(o, k)) return -1;
    keys++;
  }
  for (const k of REQUIRED_STRINGS) if (typeof o[k] !== 'string') return -1;
  if (typeof o.createdAt !== 'number' || typeof o.updatedAt !== 'number' || typeof o.seq !== 'number')
    return -1;
  const fills = o.fills;
  if (!Array.isArray(fills) || Object.getPrototypeOf(fills) !== Array.prototype) return -1;
  for (let i = 0; i < fills.length; i++) if (!isFill(fills[i])) return -1;
  let flags = 0;
  let present = REQUIRED_FIELDS;
  for (let i = 0; i < OPTIONAL_STRINGS.length; i++) {
    const k = OPTIONAL_STRINGS[i]!;
    if (!(k in o)) continue;
    if (typeof o[k] !== 'string') return -1;
    flags |= 1 << i;
    present++;
  }
  return keys === present ? flags : -1;
}

/** Growable output: varints, doubles and strings (the string table's side kept here). */
class TableWriter {
  private buf = Buffer.allocUnsafe(64 * 1024);
  private view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
  private pos = 0;
  private readonly table = new Map<string, number>();

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.length);
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.pos++] = v;
  }

  varint(v: number): void {
    this.room(8);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }

  f64(v: number): void {
    this.room(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  /** A string written inline (`shared` false) or through the table. */
  str(s: string, shared: boolean): void {
    if (shared) {
      const at = this.table.get(s);
      if (at !== undefined) return this.varint(at + 2);
      if (this.table.size < STRING_TABLE_CAP) {
        this.table.set(s, this.table.size);
        this.u8(1);
      } else this.u8(0);
    } else this.u8(0);
    const bytes = Buffer.byteLength(s, 'utf8');
    this.varint(bytes);
    this.room(bytes);
    this.buf.write(s, this.pos, bytes, 'utf8');
    this.pos += bytes;
  }

  /** A copy of what was written since the last take (the buffer is reused). */
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.pos));
    this.pos = 0;
    return out;
  }
}

function writeOrder(w: TableWriter, o: OrderLike, flags: number): void {
  w.u8(flags);
  w.str(o.clientOrderId, false);
  w.str(o.account, true);
  w.str(o.venue, true);
  w.str(o.symbol, true);
  w.str(o.side, true);
  w.str(o.type, true);
  w.str(o.timeInForce, true);
  w.str(o.quantity, true);
  w.str(o.status, true);
  w.str(o.filledQuantity, true);
  if (flags & HAS_PRICE) w.str(o.price!, true);
  if (flags & HAS_VENUE_ORDER_ID) w.str(o.venueOrderId!, false);
  if (flags & HAS_AVERAGE) w.str(o.averageFillPrice!, true);
  if (flags & HAS_REJECT) w.str(o.rejectReason!, false);
  w.f64(o.createdAt);
  w.f64(o.updatedAt);
  w.f64(o.seq);
  const fills = o.fills;
  w.varint(fills.length);
  for (let i = 0; i < fills.length; i++) {
    const f = fills[i]!;
    w.str(f.fillId, false);
    w.str(f.quantity, true);
    w.str(f.price, true);
    w.f64(f.timestamp);
  }
}

function writeOrders(w: TableWriter, orders: unknown[], from: number, to: number): boolean {
  for (let j = from; j < to; j++) {
    const o = orders[j];
    const flags = flagsOf(o);
    if (flags < 0) return false;
    writeOrder(w, o as OrderLike, flags);
  }
  return true;
}

function tableWriter(state: { lastSeq: number; orders: unknown[] }): TableWriter {
  const w = new TableWriter();
  w.f64(state.lastSeq);
  w.varint(state.orders.length);
  return w;
}

/**
 * The table body of an OrderStore snapshot, or undefined when the state or any order does not fit the
 * format (the caller then packs the state as MessagePack).
 */
export function encodeOrderTable(state: unknown): Buffer | undefined {
  if (!isOrderTableState(state)) return undefined;
  const w = tableWriter(state);
  return writeOrders(w, state.orders, 0, state.orders.length) ? w.take() : undefined;
}

/**
 * `encodeOrderTable` in chunks of `chunk` orders, awaiting `between` before each chunk after the first
 * (the caller yields the event loop there). The chunks together are the bytes `encodeOrderTable` gives.
 */
export async function encodeOrderTableChunks(
  state: unknown,
  chunk: number,
  between: () => Promise<void>,
): Promise<Buffer[] | undefined> {
  if (!isOrderTableState(state)) return undefined;
  const orders = state.orders;
  const w = tableWriter(state);
  const out: Buffer[] = [];
  for (let i = 0; i < orders.length; i += chunk) {
    if (i > 0) {
      out.push(w.take());
      await between();
    }
    if (!writeOrders(w, orders, i, Math.min(orders.length, i + chunk))) return undefined;
  }
  out.push(w.take());
  return out;
}

/** Reads the table body; throws (RangeError, Error) on bytes that are not one. */
class TableReader {
  private readonly view: DataView;
  private readonly table: string[] = [];
  pos: number;

  constructor(
    private readonly buf: Buffer,
    start: number,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.length);
    this.pos = start;
  }

  get end(): number {
    return this.buf.length;
  }

  u8(): number {
    if (this.pos >= this.buf.length) throw new RangeError('order table cut short');
    return this.buf[this.pos++]!;
  }

  varint(): number {
    let v = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.u8();
      v += (b & 0x7f) * scale;
      if (b < 0x80) return v;
      scale *= 128;
    }
    throw new Error(`order table: varint too long at ${this.pos}`);
  }

  f64(): number {
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  str(): string {
    const v = this.varint();
    if (v >= 2) {
      const s = this.table[v - 2];
      if (s === undefined) throw new Error(`order table: string ${v - 2} of ${this.table.length}`);
      return s;
    }
    const len = this.varint();
    const start = this.pos;
    const end = start + len;
    if (end > this.buf.length) throw new RangeError('order table cut short');
    const s = this.buf.toString('utf8', start, end);
    this.pos = end;
    if (v === 1) this.table.push(s);
    return s;
  }
}

/** Reads one order. */
function readOrder(r: TableReader): OrderLike {
  const flags = r.u8();
  if (flags > 15) throw new Error(`order table: flags ${flags} at ${r.pos - 1}`);
  const clientOrderId = r.str();
  const account = r.str();
  const venue = r.str();
  const symbol = r.str();
  const side = r.str();
  const type = r.str();
  const timeInForce = r.str();
  const quantity = r.str();
  const status = r.str();
  const filledQuantity = r.str();
  const price = flags & HAS_PRICE ? r.str() : undefined;
  const venueOrderId = flags & HAS_VENUE_ORDER_ID ? r.str() : undefined;
  const averageFillPrice = flags & HAS_AVERAGE ? r.str() : undefined;
  const rejectReason = flags & HAS_REJECT ? r.str() : undefined;
  const createdAt = r.f64();
  const updatedAt = r.f64();
  const seq = r.f64();
  const n = r.varint();
  let fills = NO_FILLS as FillLike[];
  if (n > 0) {
    if (n > r.end - r.pos) throw new RangeError('order table cut short');
    fills = new Array<FillLike>(n);
    for (let i = 0; i < n; i++) {
      const fillId = r.str();
      const q = r.str();
      const p = r.str();
      fills[i] = { fillId, quantity: q, price: p, timestamp: r.f64() };
    }
  }
  return orderOf(
    clientOrderId,
    account,
    venue,
    symbol,
    side,
    type,
    timeInForce,
    quantity,
    status,
    filledQuantity,
    fills,
    createdAt,
    updatedAt,
    seq,
    price,
    venueOrderId,
    averageFillPrice,
    rejectReason,
  );
}

/**
 * An order with the OrderStore reducer's key order, built as one literal for the usual combinations of
 * the optional fields (order-store.ts `nextOrder`: a property added after the literal goes to a
 * separate out-of-object array). Same property names, order and count as the reducer's literals, hence
 * the same V8 shapes as the orders the reducer makes (order-table.test.ts checks the key order,
 * order-shapes.test.ts the shapes). A copy on purpose: with one builder exported by the engine and called
 * by both the reducer and this decoder, the reducer's hot path took one more call of 18 arguments, and
 * fresh-process recovery read 1.07-1.57 s against 0.84-1.20 s (alternating A/B, three rounds of three,
 * 2026-11-28).
 */
function orderOf(
  clientOrderId: string,
  account: string,
  venue: string,
  symbol: string,
  side: string,
  type: string,
  timeInForce: string,
  quantity: string,
  status: string,
  filledQuantity: string,
  fills: FillLike[],
  createdAt: number,
  updatedAt: number,
  seq: number,
  price: string | undefined,
  venueOrderId: string | undefined,
  averageFillPrice: string | undefined,
  rejectReason: string | undefined,
): OrderLike {
  const shape =
    (price !== undefined ? HAS_PRICE : 0) |
    (venueOrderId !== undefined ? HAS_VENUE_ORDER_ID : 0) |
    (averageFillPrice !== undefined ? HAS_AVERAGE : 0);
  let o: OrderLike;
  switch (shape) {
    case HAS_PRICE:
      o = {
        clientOrderId,
        account,
        venue,
        symbol,
        side,
        type,
        timeInForce,
        quantity,
        status,
        filledQuantity,
        fills,
        createdAt,
        updatedAt,
        seq,
        price,
      };
      break;
    case HAS_PRICE | HAS_VENUE_ORDER_ID:
      o = {
        clientOrderId,
        account,
        venue,
        symbol,
        side,
        type,
        timeInForce,
        quantity,
        status,
        filledQuantity,
        fills,
        createdAt,
        updatedAt,
        seq,
        price,
        venueOrderId,
      };
      break;
    case HAS_PRICE | HAS_VENUE_ORDER_ID | HAS_AVERAGE:
      o = {
        clientOrderId,
        account,
        venue,
        symbol,
        side,
        type,
        timeInForce,
        quantity,
        status,
        filledQuantity,
        fills,
        createdAt,
        updatedAt,
        seq,
        price,
        venueOrderId,
        averageFillPrice,
      };
      break;
    default:
      o = {
        clientOrderId,
        account,
        venue,
        symbol,
        side,
        type,
        timeInForce,
        quantity,
        status,
        filledQuantity,
        fills,
        createdAt,
        updatedAt,
        seq,
      };
      if (price !== undefined) o.price = price;
      if (venueOrderId !== undefined) o.venueOrderId = venueOrderId;
      if (averageFillPrice !== undefined) o.averageFillPrice = averageFillPrice;
  }
  if (rejectReason !== undefined) o.rejectReason = rejectReason;
  return o;
}

/**
 * The numeric fields of every shape settled to V8's Double representation before the first snapshot is
 * read, as the engine's order-store.ts `primeOrderShapes` does for the reducer (see there why: without
 * it, sequences read here as small integers and the WAL tail's boxed ones made V8 migrate every restored
 * order to a new shape on its first event). Done here too so that this module does not depend on the
 * engine having been loaded first.
 */
function primeOrderShapes(): void {
  const fills = [{ fillId: '', quantity: '0', price: '0', timestamp: 0.5 }];
  for (let shape = 0; shape < 32; shape++) {
    orderOf(
      '',
      '',
      '',
      '',
      'BUY',
      'LIMIT',
      'GTC',
      '0',
      'NEW',
      '0',
      shape & 16 ? fills : (NO_FILLS as FillLike[]),
      0.5,
      0.5,
      0.5,
      shape & 1 ? '0' : undefined,
      shape & 2 ? '' : undefined,
      shape & 4 ? '0' : undefined,
      shape & 8 ? '' : undefined,
    );
  }
}
primeOrderShapes();

/** The snapshot state a table body (from `start` to the end of `buf`) holds. Throws when it is not one. */
export function decodeOrderTable(
  buf: Buffer,
  start: number,
): { version: 1; lastSeq: number; orders: OrderLike[] } {
  const r = new TableReader(buf, start);
  const lastSeq = r.f64();
  const count = r.varint();
  // Every order takes at least 36 bytes: a count beyond what is left is not a table.
  if (count > (r.end - r.pos) / 36) throw new RangeError(`order table of ${count} orders cut short`);
  const orders = new Array<OrderLike>(count);
  for (let i = 0; i < count; i++) orders[i] = readOrder(r);
  if (r.pos !== r.end) throw new Error(`order table: ${r.end - r.pos} bytes after the last order`);
  return { version: 1, lastSeq, orders };
}
