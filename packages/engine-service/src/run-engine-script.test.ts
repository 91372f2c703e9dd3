import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../../../scripts/run_engine.sh', import.meta.url));

/** The environment without VELOZ_* variables of the machine running the tests. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('VELOZ_') && k !== 'REDIS_URL') env[k] = v;
  return { ...env, ...extra };
}
const run = (args: string[], extra: Record<string, string> = {}) =>
  spawnSync('bash', [SCRIPT, ...args], { env: cleanEnv(extra), encoding: 'utf8', timeout: 30_000 });

describe('scripts/run_engine.sh', () => {
  it('--dry-run prints the resolved configuration, redacted, and starts nothing', () => {
    const r = run(['prod', '--dry-run'], {
      VELOZ_ACCOUNT: 'script-acct',
      REDIS_URL: 'redis://ops:pa55word@127.0.0.1:1',
      VELOZ_RISK_MAX_OPEN_ORDERS: '7',
    });
    expect(r.status, r.stderr).toBe(0);
    const config = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(config).toMatchObject({
      account: 'script-acct',
      redisUrl: 'redis://ops:***@127.0.0.1:1',
      risk: { maxOpenOrders: 7 },
      simUrl: 'http://127.0.0.1:7070',
    });
    expect(r.stdout).not.toContain('pa55word');
    expect(r.stderr).toContain('dry run: nothing started');
  });

  it('fails naming a bad variable', () => {
    const r = run(['dev', '--dry-run'], { VELOZ_RISK_PRICE_BAND_BPS: 'wide' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('invalid VELOZ_RISK_PRICE_BAND_BPS');
    expect(r.stdout).toBe('');
  });

  it('fails naming an unknown VELOZ_ variable (a typo)', () => {
    const r = run(['prod'], { VELOZ_ACOUNT: 'x' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('unknown variable VELOZ_ACOUNT');
    expect(r.stderr).toContain('nothing started');
  });

  it('--help explains the usage; a missing mode exits 2', () => {
    const help = run(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: scripts/run_engine.sh <dev|prod>');
    const bad = run([]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('missing mode');
  });
});
