/**
 * The simulated exchange as a process: `node --import tsx src/bin/sim-exchange.ts [--port 0] [...]`.
 * Prints one JSON line `{"event":"listening","port":N,"adminPort"?:M}` on stdout when ready; logs (pino)
 * go to stderr. SIGINT/SIGTERM stop it cleanly. `--help` lists the flags and environment variables.
 */
import { pino } from 'pino';
import { SimConfigError, simExchangeConfigFromEnv, simExchangeUsage } from '../server/config';
import { createSimExchange } from '../server/sim-exchange';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(simExchangeUsage());
    return;
  }
  const logger = pino({ name: 'sim-exchange', level: process.env.LOG_LEVEL ?? 'info' }, pino.destination(2));
  const config = simExchangeConfigFromEnv(process.env, argv);
  const exchange = createSimExchange(config, { logger });
  const ports = await exchange.start();
  process.stdout.write(`${JSON.stringify({ event: 'listening', ...ports })}\n`);
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    void exchange.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(err instanceof SimConfigError ? err.message : err);
  process.exit(1);
});
