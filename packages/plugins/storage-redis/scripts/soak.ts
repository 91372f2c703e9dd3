/**
 * Crash soak: SIGKILL the engine process at many random points during a stream of orders, restart it
 * each time, then check every acknowledged order survived with its acknowledged state (the CI crash
 * test, for longer). Needs Redis at REDIS_URL.
 *
 * Usage: npm run soak -- [--kills 500] [--seed N] [--verbose]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { killAll, runCrashCycles } from '../test/helpers/crash-harness';
import { deleteAccountKeys, uniqueAccount } from '../test/helpers/redis';

const { values } = parseArgs({
  options: {
    kills: { type: 'string', default: '500' },
    seed: { type: 'string' },
    verbose: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(
    'Usage: npm run soak -- [--kills 500] [--seed N] [--verbose]\nSIGKILLs the engine process --kills times during a stream of orders and checks every acknowledged order survived.',
  );
  process.exit(0);
}
const kills = Number(values.kills);
if (!Number.isInteger(kills) || kills < 1) {
  console.error(`--kills must be a positive integer, not "${values.kills}"`);
  process.exit(2);
}
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
const account = uniqueAccount('soak');
const dir = mkdtempSync(path.join(os.tmpdir(), 'veloz-soak-'));
console.log(`soak: ${kills} kills, seed ${seed}, account ${account}`);
const started = Date.now();
let failed = false;
try {
  const res = await runCrashCycles({
    kills,
    seed,
    account,
    bookFile: path.join(dir, 'venue-book.jsonl'),
    log: (s) => {
      if (values.verbose || /^kill \d+0\//.test(s) || s.startsWith('final')) console.log(s);
    },
  });
  const problems = {
    missing: res.missing,
    mismatches: res.mismatches,
    pendingAfterRestart: res.pendingAfterRestart,
    wrongResolution: res.wrongResolution,
    bookVsReplay:
      res.digests[0] === res.digests[1] && res.lastSeqs[0] === res.lastSeqs[1]
        ? []
        : [JSON.stringify({ digests: res.digests, lastSeqs: res.lastSeqs })],
  };
  failed = Object.values(problems).some((p) => p.length > 0);
  console.log(
    `soak ${failed ? 'FAILED' : 'passed'}: ${kills} kills in ${Math.round((Date.now() - started) / 1000)} s, ` +
      `${res.acks.size} acknowledged orders, ${res.recovered.size} recovered (seed ${seed})`,
  );
  if (failed) console.log(JSON.stringify(problems, null, 2).slice(0, 5000));
} finally {
  killAll();
  rmSync(dir, { recursive: true, force: true });
  await deleteAccountKeys(account);
}
process.exit(failed ? 1 : 0);
