import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../../../scripts/run_gateway.sh', import.meta.url));

function run(args: string[], env: Record<string, string> = {}) {
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('VELOZ_')) clean[k] = v;
  const r = spawnSync('bash', [SCRIPT, ...args], {
    env: { ...clean, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('scripts/run_gateway.sh', () => {
  it('--dry-run prints the API base and starts nothing', () => {
    const r = run(['dev', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('API Base: http://127.0.0.1:8080');
    expect(r.out).not.toContain('operator token: veloz_dev_');
  });

  it('--dry-run with VELOZ_API_PORT=9090 prints that port (and returns: nothing was started)', () => {
    const r = run(['dev', '--dry-run'], { VELOZ_API_PORT: '9090' });
    expect(r.code).toBe(0);
    expect(r.out).toContain('API Base: http://127.0.0.1:9090');
    expect(r.out).not.toContain('API Base: http://127.0.0.1:8080');
  });

  it('--dry-run follows VELOZ_API_HOST and VELOZ_API_PORT', () => {
    const r = run(['prod', '--dry-run'], { VELOZ_API_PORT: '9191', VELOZ_API_HOST: '0.0.0.0' });
    expect(r.code).toBe(0);
    expect(r.out).toContain('API Base: http://0.0.0.0:9191');
  });

  it('an invalid VELOZ_API_PORT exits non-zero naming the variable', () => {
    const r = run(['dev', '--dry-run'], { VELOZ_API_PORT: 'eighty' });
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('VELOZ_API_PORT');
  });

  it('--help, and a missing or unknown mode', () => {
    const help = run(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('Usage: scripts/run_gateway.sh <dev|prod>');
    expect(run([]).code).toBe(2);
    expect(run(['staging']).code).toBe(2);
  });
});
