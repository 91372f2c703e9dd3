import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pollUntil, processAlive } from '@veloz/engine/testing';
import { describe, expect, it } from 'vitest';

const HELPER = fileURLToPath(new URL('./spawn-sim-exchange.ts', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));

describe('spawnSimExchange', () => {
  it('kills the exchange when its parent exits without stopping it', async () => {
    // A parent that starts a sim, prints its pid and exits at once, as an uncaught error would make it.
    const script = `import { spawnSimExchange } from ${JSON.stringify(HELPER)};
      const sim = await spawnSimExchange(['--tick-ms', '0']);
      console.log(JSON.stringify({ pid: sim.child.pid }));
      process.exit(3);`;
    const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: PACKAGE_DIR,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    parent.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => parent.once('exit', resolve));
    expect(code).toBe(3);
    const pid = (JSON.parse(out.trim().split('\n').pop()!) as { pid: number }).pid;
    expect(pid).toBeGreaterThan(0);
    await pollUntil(() => !processAlive(pid), `sim exchange ${pid} gone after its parent exited`, 5000);
    expect(processAlive(pid)).toBe(false);
  }, 30_000);
});
