// Preload (`NODE_OPTIONS=--import …/cpu-prof.mjs`, used by orders.bench.ts with BENCH_CPU_PROF=<dir>):
// profiles the whole process with the inspector and writes <dir>/<BENCH_PROF_NAME>-<pid>.cpuprofile on
// exit. (`--cpu-prof` itself is refused in NODE_OPTIONS.)
import { Session } from 'node:inspector';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const dir = process.env.BENCH_CPU_PROF;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 200 });
  session.post('Profiler.start');
  // Made now: the write below runs in an exit handler, where a missing directory would fail unseen.
  mkdirSync(dir, { recursive: true });
  process.on('exit', () => {
    session.post('Profiler.stop', (err, res) => {
      if (!err)
        writeFileSync(
          path.join(dir, `${process.env.BENCH_PROF_NAME ?? 'node'}-${process.pid}.cpuprofile`),
          JSON.stringify(res.profile),
        );
    });
  });
}
