import cluster from 'node:cluster';
import pino, { type Logger } from 'pino';
import { createDevToken } from '../auth';
import { API_ENV_VARS, describeConfig, loadConfig, type ApiConfig } from '../config';
import { ApiConfigError } from '../errors';
import { receiveWorkerInit, startClusterPrimary, type WorkerListening } from './cluster';

const USAGE = `Usage: api [--dry-run] [--help]

Runs a VeloZ API replica: GraphQL (HTTP and graphql-ws) at /graphql, GET /api/health, /healthz, /readyz.

  --dry-run   print the resolved configuration (no secrets) and exit 0 without connecting
  --help      this text

Environment: REDIS_URL, VELOZ_ACCOUNT, VELOZ_ENV (development|production), ${API_ENV_VARS.join(', ')}.
See docs/api.md.
`;

/**
 * The API process: `node --import tsx src/bin/api.ts [--dry-run] [--help]`. Config from the environment
 * (see docs/api.md); a bad value exits 2 naming the variable.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return;
  }
  const unknownArg = args.find((a) => a !== '--dry-run');
  if (unknownArg) {
    console.error(`veloz-api: unknown argument ${unknownArg}\n${USAGE}`);
    process.exit(2);
  }
  let config;
  try {
    config = loadConfig(process.env, { requireTokens: !args.includes('--dry-run') });
  } catch (err) {
    if (err instanceof ApiConfigError) {
      console.error(`veloz-api: invalid configuration: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  if (args.includes('--dry-run')) {
    const d = describeConfig(config);
    console.log(`API Base: ${String(d.apiBase)}`);
    console.log(`GraphQL: ${String(d.apiBase)}/graphql (HTTP and graphql-ws)`);
    for (const [k, v] of Object.entries(d)) if (k !== 'apiBase') console.log(`${k}: ${JSON.stringify(v)}`);
    if (config.env === 'development') console.log('dev token: a new operator token is printed at start');
    else if (config.tokens.length === 0)
      console.log('warning: VELOZ_API_TOKENS is empty; a production start will refuse to run without tokens');
    return;
  }
  // graphql-js checks every failed `instanceof` against a second class of the same name unless NODE_ENV
  // is production (a few % of the API's CPU per request); read when graphql loads, below.
  if (config.env === 'production') process.env.NODE_ENV ??= 'production';
  if (cluster.isWorker) return runWorker(config);
  const logger = pino({ level: config.logLevel, base: { component: 'api', pid: process.pid } });
  if (config.workers > 1) return runPrimary(config, logger);
  // Loaded only for a real start: --dry-run stays fast and touches nothing.
  const { createApiServer } = await import('../server');
  const api = createApiServer({ config, logger });
  const { url } = await api.start();
  if (api.devToken) printDevToken(url, api.devToken);
  onSignals(logger, () => api.stop());
}

/** Printed once, on purpose not through the logger (log pipelines keep lines; this is for the developer). */
function printDevToken(url: string, token: string): void {
  console.log(`\nVeloZ API (development) at ${url}/graphql\n  operator token: ${token}\n`);
}

/** SIGINT/SIGTERM: `stop()` then exit 0 (exit 1 if it takes more than 5 s). */
function onSignals(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    const force = setTimeout(() => process.exit(1), 5000);
    force.unref();
    void stop().then(() => process.exit(0));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

/**
 * `VELOZ_API_WORKERS` > 1: this process only supervises (see ./cluster.ts). The development token is
 * created here once, handed to every worker, and printed once.
 */
async function runPrimary(config: ApiConfig, logger: Logger): Promise<void> {
  const devToken = config.env === 'development' ? createDevToken().token : undefined;
  const primary = startClusterPrimary({ workers: config.workers, logger, ...(devToken ? { devToken } : {}) });
  onSignals(logger, () => primary.stop());
  const url = await primary.ready;
  logger.info({ event: 'cluster-listening', workers: config.workers, url }, 'all workers listening');
  if (devToken) printDevToken(url, devToken);
}

/** A cluster worker: a full replica on the shared port, configured by the primary's init message. */
async function runWorker(config: ApiConfig): Promise<void> {
  const init = await receiveWorkerInit();
  const logger = pino({
    level: config.logLevel,
    base: { component: 'api', pid: process.pid, worker: init.slot },
  });
  const { createApiServer } = await import('../server');
  const api = createApiServer({
    config,
    logger,
    workerId: init.slot,
    ...(init.devToken ? { devToken: init.devToken } : {}),
  });
  const { url } = await api.start();
  const listening: WorkerListening = { type: 'veloz:listening', url };
  process.send?.(listening);
  onSignals(logger, () => api.stop());
  // The primary is gone (even SIGKILLed): stop rather than serve unsupervised.
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}

main().catch((err: unknown) => {
  console.error('veloz-api: failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
