import pino from 'pino';
import { API_ENV_VARS, describeConfig, loadConfig } from '../config';
import { ApiConfigError } from '../errors';

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
  const logger = pino({ level: config.logLevel, base: { component: 'api', pid: process.pid } });
  // Loaded only for a real start: --dry-run stays fast and touches nothing.
  const { createApiServer } = await import('../server');
  const api = createApiServer({ config, logger });
  const { url } = await api.start();
  if (api.devToken) {
    // Printed once, on purpose not through the logger (log pipelines keep lines; this is for the developer).
    console.log(`\nVeloZ API (development) at ${url}/graphql\n  operator token: ${api.devToken}\n`);
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    const force = setTimeout(() => process.exit(1), 5000);
    force.unref();
    void api.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error('veloz-api: failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
