/**
 * Base error of @veloz/engine. Every error the engine raises on purpose carries a stable `code`
 * (for programs and metrics) and, where it wraps another failure, a `cause`.
 */
export class VelozError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** An order failed validation before reaching risk or a venue (bad input). */
export class OrderValidationError extends VelozError {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super('ORDER_INVALID', message);
  }
}
