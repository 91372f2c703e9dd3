import { VelozError } from '@veloz/engine';

/** Why the engine process failed: bad configuration, or a start step that could not complete. */
export type EngineServiceErrorCode = 'CONFIG_INVALID' | 'START_FAILED' | 'SERVICE_STOPPED';

/** Base error of @veloz/engine-service. */
export class EngineServiceError extends VelozError {
  declare readonly code: EngineServiceErrorCode;
  constructor(code: EngineServiceErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
