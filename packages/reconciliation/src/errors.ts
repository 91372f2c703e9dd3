import { VelozError } from '@veloz/engine';

/** Codes of the failures reconciliation raises on purpose. */
export type ReconciliationErrorCode =
  'CONFIG_INVALID' | 'NOT_STARTED' | 'STOPPED' | 'LOCK_BUSY' | 'VENUE_FAILED' | 'RUN_FAILED';

/** Base error of @veloz/reconciliation: a stable `code` and, where it wraps another failure, a `cause`. */
export class ReconciliationError extends VelozError {
  constructor(code: ReconciliationErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
