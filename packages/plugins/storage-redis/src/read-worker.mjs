// The WAL reader thread (see read-thread.ts): reads a range of the WAL stream with XRANGE windows over its
// own connection (resp-reader.mjs, not ioredis: see there), checks every record's frame (checksum, format,
// sequence against its id) and posts each window to the main thread as one transferable buffer of the
// sound records plus their offsets, so that the main thread only decodes payloads and applies them. Reply
// parsing (one Buffer per field of every entry) and the checksums happen here, in parallel with the main
// thread's work.
//
// workerData: { redisUrl, connectionName, key, from, to, window, readAhead, queued }
// Posts, in order: { type: 'frames', count, data, meta, faults } per window (meta: 4 numbers per entry:
// seq, start, end, id sub-sequence; start -1 marks a fault, described in order in `faults`), then
// { type: 'end' }; or { type: 'error', message } when Redis fails. Receives 'next' for each window the main
// thread took: at most `queued` windows wait for it.
import { parentPort, workerData } from 'node:worker_threads';
import { checkFrame, recordField, seqOfIdBytes } from './frame.mjs';
import { connectResp } from './resp-reader.mjs';

const { redisUrl, connectionName, key, from, to, window, readAhead, queued } = workerData;

/** Sub-sequence of an id `<seq>-<n>` (0 for ours), from the bytes. */
function subOfIdBytes(id) {
  let n = 0;
  let i = id.indexOf(0x2d) + 1;
  if (i === 0) return NaN;
  for (; i < id.length; i++) n = n * 10 + (id[i] - 0x30);
  return n;
}

function framesOf(raw) {
  const count = raw.length;
  const meta = new Float64Array(count * 4);
  const faults = [];
  let total = 0;
  const sound = new Array(count);
  for (let i = 0; i < count; i++) {
    const entry = raw[i];
    const id = entry[0];
    const fields = entry[1];
    const idSeq = seqOfIdBytes(id);
    const m = i * 4;
    meta[m] = idSeq;
    meta[m + 3] = subOfIdBytes(id);
    const rec = recordField(fields);
    if (rec === undefined) {
      const names = [];
      for (let f = 0; f < fields.length; f += 2) names.push(fields[f].toString().slice(0, 20));
      faults.push({
        reason: 'MISSING_FIELD',
        seq: idSeq,
        position: id.toString('latin1'),
        detail: `no "d" field (fields: ${names.join(',')})`,
      });
      meta[m + 1] = -1;
      continue;
    }
    const fault = checkFrame(rec, idSeq, id);
    if (fault) {
      faults.push({ ...fault, position: id.toString('latin1') });
      meta[m + 1] = -1;
      continue;
    }
    sound[i] = rec;
    meta[m + 1] = total;
    total += rec.length;
    meta[m + 2] = total;
  }
  const data = new Uint8Array(new ArrayBuffer(total));
  for (let i = 0; i < count; i++) {
    const rec = sound[i];
    if (rec !== undefined) data.set(rec, meta[i * 4 + 1]);
  }
  return { type: 'frames', count, data: data.buffer, meta, faults };
}

let waiting = 0;
let resume;
parentPort.on('message', (msg) => {
  if (msg === 'next') {
    waiting--;
    if (resume) {
      const r = resume;
      resume = undefined;
      r();
    }
  }
});

/** @param {{ call(...args: string[]): Promise<any>, close(): void }} redis */
async function run(redis) {
  let next = from;
  const ahead = [];
  const fill = () => {
    while (next <= to && ahead.length < readAhead) {
      const end = Math.min(next + window - 1, to);
      const reply = redis.call('XRANGE', key, String(next), String(end));
      // Thrown where awaited; a window still queued behind a failed one must not kill the thread as an
      // unhandled rejection (its error would then reach the main thread unwrapped).
      reply.catch(() => undefined);
      ahead.push(reply);
      next = end + 1;
    }
  };
  fill();
  while (ahead.length > 0) {
    const raw = await ahead.shift();
    fill();
    while (waiting >= queued) await new Promise((r) => (resume = r));
    const msg = framesOf(raw);
    waiting++;
    parentPort.postMessage(msg, [msg.data, msg.meta.buffer]);
  }
  parentPort.postMessage({ type: 'end' });
}

let redis;
connectResp(redisUrl, connectionName)
  .then((r) => {
    redis = r;
    return run(r);
  })
  .then(
    () => redis.close(),
    (err) => {
      parentPort.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) });
      redis?.close();
    },
  );
