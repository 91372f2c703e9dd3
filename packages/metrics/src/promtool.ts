import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { MetricsError } from './errors';

/**
 * Path of `promtool` (Debian package `prometheus`): `$PROMTOOL`, else the first on `PATH`, else
 * undefined. Tests fail with an install hint when it is missing rather than skipping.
 */
export function findPromtool(): string | undefined {
  const env = process.env.PROMTOOL;
  if (env && existsSync(env)) return env;
  const found = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' });
  const path = found.stdout.trim();
  return found.status === 0 && path ? path : undefined;
}

function requirePromtool(): string {
  const p = findPromtool();
  if (!p)
    throw new MetricsError(
      'PROMTOOL_MISSING',
      'promtool not found: install it with `apt-get install -y prometheus` (or set PROMTOOL=/path/to/promtool)',
    );
  return p;
}

/** Result of a promtool run: exit code 0 and its combined output. */
export interface PromtoolResult {
  ok: boolean;
  code: number | null;
  output: string;
}

function run(args: string[], stdin?: string): Promise<PromtoolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(requirePromtool(), args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ ok: code === 0, code, output }));
    child.stdin.end(stdin ?? '');
  });
}

/** `promtool check metrics` on an exposition (lint: naming, units, counters, HELP). For tests and CI. */
export function promtoolCheckMetrics(text: string): Promise<PromtoolResult> {
  return run(['check', 'metrics'], text);
}

/** `promtool check rules <files>`. */
export function promtoolCheckRules(...files: string[]): Promise<PromtoolResult> {
  return run(['check', 'rules', ...files]);
}

/** `promtool check config <file>` (the scrape config example; also checks its rule files). */
export function promtoolCheckConfig(file: string): Promise<PromtoolResult> {
  return run(['check', 'config', file]);
}
