import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** True when 127.0.0.1:port can be listened on (nothing holds it). */
export function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** The environment of this process without any VeloZ or Redis setting (tests set their own). */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (
      k.startsWith('VELOZ_') ||
      k.startsWith('TURBO_') ||
      k.startsWith('VITEST') ||
      k === 'REDIS_URL' ||
      k === 'NODE_ENV'
    )
      continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

/** Pids of every live (non-zombie) process in session `sid`, from /proc. */
export function sessionPids(sid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    // pid (comm) state ppid pgrp session ...
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] !== 'Z' && Number(fields[3]) === sid) out.push(Number(name));
  }
  return out;
}

/**
 * Sessions started by `startScript` and not yet killed. A script runs in a session of its own, so a test
 * process stopped before its clean-up ran (turbo cancelling the run when another task failed, say) would
 * leave the script and everything it started running: an engine retrying a Redis that is gone, found
 * half an hour later burning CPU under a benchmark. This process kills them on its way out.
 */
const liveSessions = new Set<number>();
let reaperInstalled = false;

function installReaper(): void {
  if (reaperInstalled) return;
  reaperInstalled = true;
  const reap = () => {
    for (const sid of [...liveSessions]) killSession(sid);
  };
  process.once('exit', reap);
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    const onSignal = () => {
      reap();
      process.removeListener(sig, onSignal);
      // Nobody else handles it: die of it, as without this handler.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

/** SIGKILL every process of session `sid` (test clean-up; a no-op when none is left). */
export function killSession(sid: number): void {
  liveSessions.delete(sid);
  for (const pid of sessionPids(sid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

/** Poll `check` every `everyMs` until it returns a value other than undefined, or fail after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A script started in its own session (so that it and all it starts can be found and signalled). */
export interface ScriptRun {
  child: ChildProcess;
  /** Session id = process group id = the script's pid. */
  sid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or 128 + signal number) when the script exits. */
  exited: Promise<number>;
}

const SIGNALS: Record<string, number> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/**
 * Start `script args` as `setsid env --default-signal=INT,QUIT bash script args` from the repository
 * root: its own session and process group, SIGINT not ignored (a background child of a non-interactive
 * shell would start with SIGINT ignored, and bash cannot trap a signal ignored at entry).
 */
export function startScript(script: string, args: string[], env: NodeJS.ProcessEnv): ScriptRun {
  const child = spawn('setsid', ['env', '--default-signal=INT,QUIT', 'bash', script, ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? 128 + (SIGNALS[signal ?? ''] ?? 0))),
  );
  installReaper();
  liveSessions.add(child.pid!);
  return { child, sid: child.pid!, stdout: () => out, stderr: () => err, exited };
}

/** Run a script to completion (for --dry-run and argument checks). */
export function runScript(script: string, args: string[], env: NodeJS.ProcessEnv) {
  const r = spawnSync('bash', [script, ...args], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/**
 * Wait (up to `timeoutMs`) for the start-up banner's `Operator token:` line of a dev.sh/start.sh run and
 * return the token; fails at once, with the script's output, when the script exits first.
 */
export async function waitForBanner(run: ScriptRun, name: string, timeoutMs = 200_000): Promise<string> {
  let exitCode: number | undefined;
  void run.exited.then((c) => (exitCode = c));
  return waitFor(
    'the start-up banner',
    () => {
      if (exitCode !== undefined) throw new Error(`${name} exited ${exitCode}: ${run.stderr().slice(-2000)}`);
      return /^Operator token: (\S+)$/m.exec(run.stdout())?.[1];
    },
    timeoutMs,
  ).catch((err: unknown) => {
    throw new Error(
      `${String(err)}\n--- stderr ---\n${run.stderr().slice(-3000)}\n--- stdout ---\n${run.stdout().slice(-2000)}`,
    );
  });
}
