import { VelozError } from '@veloz/engine';

/** Configuration the plugin cannot work with (named in the message). */
export class StorageConfigError extends VelozError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORAGE_CONFIG', message, options);
  }
}

/** The entry was written but the requested durability was not confirmed (replicas, fsync). */
export class DurabilityError extends VelozError {
  constructor(message: string) {
    super('WAL_DURABILITY', message);
  }
}

/** A Redis failure while `what` (e.g. "reading the WAL"), as the storage reports it. */
export function storageUnavailable(what: string, err: unknown): VelozError {
  return new VelozError(
    'STORAGE_UNAVAILABLE',
    `${what} failed: ${err instanceof Error ? err.message : String(err)}`,
    {
      cause: err,
    },
  );
}
