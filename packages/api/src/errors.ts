/**
 * Base error of @veloz/api: a stable `code` for programs, a message for people, and the `cause` it wraps.
 * Domain failures a client can act on are subclasses that the schema returns as typed union members.
 */
export class ApiError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Configuration invalid at start; the message names the environment variable. */
export class ApiConfigError extends ApiError {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super('CONFIG_INVALID', `${variable}: ${message}`);
  }
}

/** Bad input: `field` names what is wrong (dotted path, "(root)" for the whole input). */
export class ValidationError extends ApiError {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super('VALIDATION', message);
  }
}

/** The engine (risk, venue) refused the order; `reason` says why, `rejectCode` is the engine's code. */
export class RejectedError extends ApiError {
  constructor(
    readonly rejectCode: string,
    readonly reason: string,
    readonly clientOrderId?: string,
  ) {
    super('REJECTED', reason);
  }
}

/** No such order (or other object). */
export class NotFoundError extends ApiError {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

/** The request is well-formed but not allowed in the current state (e.g. canceling a filled order). */
export class NotAllowedError extends ApiError {
  constructor(
    message: string,
    readonly reasonCode: string,
  ) {
    super('NOT_ALLOWED', message);
  }
}

/** The caller's role does not allow this operation (a viewer calling a mutation). */
export class ForbiddenError extends ApiError {
  constructor(message: string) {
    super('FORBIDDEN', message);
  }
}

/**
 * The engine did not answer in time (down, restarting, overloaded). The command stays durable on the
 * command stream and is executed when the engine is back; retrying with the same client order id is safe.
 */
export class EngineUnavailableError extends ApiError {
  constructor(
    message: string,
    readonly commandId?: string,
  ) {
    super('ENGINE_UNAVAILABLE', message);
  }
}
