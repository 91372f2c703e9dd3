import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/sim-exchange.ts', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));

/** Children still running; SIGKILLed when this process exits without stopping them (see below). */
const running = new Set<ChildProcess>();
let exitHook = false;

/**
 * A parent that exits without killing its sim (an uncaught error, an EPIPE on a closed stdout) must not
 * leave it running: an orphaned exchange keeps its port and its CPU, and skews whatever runs next.
 */
function killOnExit(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const c of running) c.kill('SIGKILL');
  });
}

/** A sim-exchange child process, ready to trade. */
export interface SpawnedSimExchange {
  readonly child: ChildProcess;
  readonly port: number;
  readonly adminPort?: number;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Base of the admin API. */
  readonly adminUrl: string;
  /** POST /admin/<action> with a JSON body; resolves with the JSON answer, rejects on a non-2xx status. */
  admin<T = Record<string, unknown>>(action: string, body?: unknown): Promise<T>;
  /** Kill the process (SIGKILL by default) and wait for it to exit. Safe to call twice. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Start `src/bin/sim-exchange.ts` as a child process (`node --import tsx`) on a free port and wait for its
 * `{"event":"listening"}` line. `args` are extra flags (e.g. `['--tick-ms', '0']`). Rejects when the process
 * exits or says nothing within `timeoutMs`. Its stderr (logs) is discarded unless `inheritStderr`.
 */
export async function spawnSimExchange(
  args: string[] = [],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; inheritStderr?: boolean } = {},
): Promise<SpawnedSimExchange> {
  const child = spawn(process.execPath, ['--import', 'tsx', BIN, '--port', '0', ...args], {
    cwd: PACKAGE_DIR,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', options.inheritStderr ? 'inherit' : 'pipe'],
  });
  killOnExit(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };

  const ready = await new Promise<{ port: number; adminPort?: number }>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(
      () => fail(new Error(`sim-exchange not ready within ${options.timeoutMs ?? 20_000} ms`)),
      options.timeoutMs ?? 20_000,
    );
    function fail(err: Error) {
      clearTimeout(timer);
      lines.close();
      void kill();
      reject(new Error(`${err.message}\n${stderr}`));
    }
    lines.on('line', (line) => {
      try {
        const msg = JSON.parse(line) as { event?: string; port?: number; adminPort?: number };
        if (msg.event === 'listening' && typeof msg.port === 'number') {
          clearTimeout(timer);
          lines.close();
          resolve(
            msg.adminPort !== undefined ? { port: msg.port, adminPort: msg.adminPort } : { port: msg.port },
          );
        }
      } catch {
        // Not the ready line.
      }
    });
    child.once('exit', (code, sig) => fail(new Error(`sim-exchange exited early (${code ?? sig})`)));
  });

  const url = `http://127.0.0.1:${ready.port}`;
  const adminUrl =
    ready.adminPort !== undefined ? `http://127.0.0.1:${ready.adminPort}/admin` : `${url}/admin`;
  return {
    child,
    ...ready,
    url,
    adminUrl,
    async admin<T>(action: string, body: unknown = {}) {
      const res = await fetch(`${adminUrl}/${action}`, {
        method: action === 'stats' ? 'GET' : 'POST',
        ...(action === 'stats'
          ? {}
          : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      });
      const json = (await res.json()) as T;
      if (!res.ok) throw new Error(`admin ${action} failed (${res.status}): ${JSON.stringify(json)}`);
      return json;
    },
    kill,
  };
}
