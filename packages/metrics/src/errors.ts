import { VelozError } from '@veloz/engine';

/** Codes of the metrics package's errors. */
export type MetricsErrorCode = 'EXPOSITION_INVALID' | 'KPI_INVALID' | 'PROMTOOL_MISSING' | 'CONFIG_INVALID';

/** The one error of @veloz/metrics. */
export class MetricsError extends VelozError {
  constructor(code: MetricsErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
