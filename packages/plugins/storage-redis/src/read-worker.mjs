// The WAL reader thread (see read-thread.ts): reads a range of the WAL stream with XRANGE windows over its
// own connection (resp-reader.mjs, not ioredis: see there), checks every record's frame (checksum, format,
// sequence against its id) in the reply's bytes as they arrive (xrange-scan.mjs), and posts each window
// to the main thread as one transferable buffer of the sound records' payloads, back to back, plus their
// header fields (`FramesMessage`, frame.mjs), so that the main thread only decodes the payloads (as one
// MessagePack sequence) and applies them. Reply parsing and the checksums happen here, in parallel with
// the main thread's work.
//
// workerData: { redisUrl, connectionName, key, from, to, window, readAhead, queued }
// Posts, in order: one `FramesMessage` per window, then
// { type: 'end' }; or { type: 'error', message } when Redis fails. Receives 'next' for each window the main
// thread took: at most `queued` windows wait for it.
import { parentPort, workerData } from 'node:worker_threads';
import { connectFrames } from './resp-reader.mjs';

const { redisUrl, connectionName, key, from, to, window, readAhead, queued } = workerData;

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

/** @param {import('./resp-reader.mjs').FramesClient} redis */
async function run(redis) {
  let next = from;
  const ahead = [];
  const fill = () => {
    while (next <= to && ahead.length < readAhead) {
      const end = Math.min(next + window - 1, to);
      const reply = redis.xrange(key, next, end);
      // Thrown where awaited; a window still queued behind a failed one must not kill the thread as an
      // unhandled rejection (its error would then reach the main thread unwrapped).
      reply.catch(() => undefined);
      ahead.push(reply);
      next = end + 1;
    }
  };
  fill();
  while (ahead.length > 0) {
    const msg = await ahead.shift();
    fill();
    while (waiting >= queued) await new Promise((r) => (resume = r));
    waiting++;
    parentPort.postMessage(msg, [msg.data, msg.meta.buffer]);
  }
  parentPort.postMessage({ type: 'end' });
}

let redis;
connectFrames(redisUrl, connectionName)
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
