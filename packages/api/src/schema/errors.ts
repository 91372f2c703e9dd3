import type { ApiError } from '../errors';
import {
  EngineUnavailableError,
  ForbiddenError,
  NotAllowedError,
  NotFoundError,
  RejectedError,
  ValidationError,
} from '../errors';
import { builder } from './builder';

/** Every domain error a mutation can return: the members of its result union, besides success. */
export const ErrorInterface = builder.interfaceRef<ApiError>('Error').implement({
  description: 'A failure the client can act on. `code` is stable; `message` is for people.',
  fields: (t) => ({
    code: t.exposeString('code'),
    message: t.exposeString('message'),
  }),
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  description: 'Bad input (code VALIDATION): `field` names the first bad field.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ field: t.exposeString('field') }),
});

builder.objectType(RejectedError, {
  name: 'RejectedError',
  description:
    'The engine refused the order (code REJECTED): pre-trade risk (MAX_QUANTITY, PRICE_BAND, …), an unknown venue or symbol, the venue itself, or a halted venue. `reason` says why.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    rejectCode: t.exposeString('rejectCode', {
      description: 'The engine code, e.g. MAX_NOTIONAL, VENUE_REJECTED.',
    }),
    reason: t.exposeString('reason'),
    clientOrderId: t.exposeString('clientOrderId', { nullable: true }),
  }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  description: 'No such order (code NOT_FOUND).',
  interfaces: [ErrorInterface],
  fields: () => ({}),
});

builder.objectType(NotAllowedError, {
  name: 'NotAllowedError',
  description: 'Not allowed in the current state (code NOT_ALLOWED), e.g. canceling a filled order.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ reasonCode: t.exposeString('reasonCode') }),
});

builder.objectType(ForbiddenError, {
  name: 'ForbiddenError',
  description: "The token's role does not allow this operation (code FORBIDDEN): mutations need an operator.",
  interfaces: [ErrorInterface],
  fields: () => ({}),
});

builder.objectType(EngineUnavailableError, {
  name: 'EngineUnavailableError',
  description:
    'The engine did not answer in time (code ENGINE_UNAVAILABLE). The command stays queued and runs when the engine is back; retrying with the same clientOrderId is safe.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ commandId: t.exposeString('commandId', { nullable: true }) }),
});

/** The error members of every mutation's result union. */
export const MUTATION_ERRORS = [
  ValidationError,
  RejectedError,
  NotFoundError,
  NotAllowedError,
  ForbiddenError,
  EngineUnavailableError,
];
