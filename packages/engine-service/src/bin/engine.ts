/**
 * The engine process: `node --import tsx src/bin/engine.ts [--dry-run] [--wait-for-sim] [--help]`.
 * Configuration comes from the environment only (see `--help` and docs/engine-service.md). Logs are pino
 * JSON lines on stdout; the line `"msg":"engine ready"` carries the account, venues and recovery figures.
 * SIGTERM/SIGINT stop it gracefully (exit 0); a bad configuration exits 1 naming the variable.
 */
import pino from 'pino';
import { describeConfig, ENGINE_SERVICE_ENV, loadEngineServiceConfig } from '../config';
import { errorMessage } from '../errors';
import { createEngineService } from '../service';
import { waitForHttp } from '../wait-for-http';

const USAGE = `Usage: engine [--dry-run] [--wait-for-sim] [--help]

Runs the VeloZ engine of one account: the Redis WAL, venue plugins, the command consumer, heartbeat,
KPI samples and reconciliation.

  --dry-run        print the resolved configuration (secrets redacted) and exit 0 without connecting
  --wait-for-sim   first wait (up to 60 s) until the simulated exchange at VELOZ_SIM_URL answers
  --help           this text

Environment:
${Object.entries(ENGINE_SERVICE_ENV)
  .map(([k, v]) => `  ${k.padEnd(34)} ${v}`)
  .join('\n')}
`;

const SIM_WAIT_MS = 60_000;

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const known = new Set(['--dry-run', '--wait-for-sim', '--help', '-h']);
  const bad = args.filter((a) => !known.has(a));
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (bad.length > 0) {
    process.stderr.write(`engine: unknown argument ${bad.join(' ')}\n${USAGE}`);
    return 2;
  }

  let config;
  try {
    config = loadEngineServiceConfig(process.env);
  } catch (err) {
    process.stderr.write(`engine: configuration error: ${errorMessage(err)}\n`);
    return 1;
  }
  if (args.includes('--dry-run')) {
    process.stdout.write(`${JSON.stringify(describeConfig(config), null, 2)}\n`);
    return 0;
  }

  const logger = pino({ name: 'veloz-engine', level: config.logLevel });
  if (args.includes('--wait-for-sim') && !config.venuesFromEnv) {
    logger.info({ simUrl: config.simUrl, timeoutMs: SIM_WAIT_MS }, 'waiting for the simulated exchange');
    const up = await waitForHttp(config.simUrl, { timeoutMs: SIM_WAIT_MS });
    if (!up) {
      logger.fatal({ simUrl: config.simUrl }, 'simulated exchange did not answer in time');
      return 1;
    }
  }

  logger.info({ config: describeConfig(config) }, 'engine starting');
  const service = createEngineService(config, { logger });
  let exitCode = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const shutdown = (reason: string, code: number) => {
    logger.info({ reason }, 'engine stopping');
    exitCode = code;
    void service.stop().finally(resolveDone);
  };
  let signals = 0;
  for (const sig of ['SIGTERM', 'SIGINT'] as const)
    process.on(sig, () => {
      if (++signals > 1) process.exit(130);
      shutdown(sig, 0);
    });
  service.state$.subscribe((s) => {
    if (s === 'FENCED') shutdown('fenced: another engine took over the account', 1);
  });

  try {
    const ready = await service.start();
    logger.info(ready, 'engine ready');
  } catch (err) {
    await service.stop();
    if (signals > 0) return exitCode;
    logger.fatal({ err: errorMessage(err) }, 'engine failed to start');
    return 1;
  }
  await done;
  logger.info({ exitCode }, 'engine stopped');
  return exitCode;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`engine: ${errorMessage(err)}\n`);
    process.exit(1);
  },
);
