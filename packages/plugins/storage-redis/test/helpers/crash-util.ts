export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The seed of a crash run: CRASH_SEED when given (to replay a failure), else random. */
export const rngSeed = (): number =>
  process.env.CRASH_SEED ? Number(process.env.CRASH_SEED) : Math.floor(Math.random() * 2 ** 31);
