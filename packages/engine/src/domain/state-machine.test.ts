import { describe, expect, it } from 'vitest';
import { ORDER_STATUSES } from './order';
import {
  canTransition,
  IllegalTransitionError,
  INITIAL,
  transition,
  TRANSITIONS,
  type OrderTrigger,
  type StateOrInitial,
} from './state-machine';

const TRIGGERS: OrderTrigger[] = [
  'SUBMIT',
  'ACCEPT',
  'REJECT',
  'PARTIAL_FILL',
  'FILL',
  'CANCEL_REQUEST',
  'CANCEL_REJECT',
  'CANCEL',
  'EXPIRE',
];
const STATES: StateOrInitial[] = [INITIAL, ...ORDER_STATUSES];

/**
 * Every legal move, written out by hand: `from trigger -> to` (CANCEL_REJECT listed for both fill
 * states as `to|toWithFills`). If the table changes, this list must change with it, on purpose.
 */
const EXPECTED_LEGAL = [
  'INITIAL SUBMIT -> PENDING_NEW',
  'INITIAL REJECT -> REJECTED',
  'PENDING_NEW ACCEPT -> NEW',
  'PENDING_NEW REJECT -> REJECTED',
  'PENDING_NEW PARTIAL_FILL -> PARTIALLY_FILLED',
  'PENDING_NEW FILL -> FILLED',
  'PENDING_NEW CANCEL_REQUEST -> PENDING_CANCEL',
  'PENDING_NEW CANCEL -> CANCELED',
  'PENDING_NEW EXPIRE -> EXPIRED',
  'NEW PARTIAL_FILL -> PARTIALLY_FILLED',
  'NEW FILL -> FILLED',
  'NEW CANCEL_REQUEST -> PENDING_CANCEL',
  'NEW CANCEL -> CANCELED',
  'NEW EXPIRE -> EXPIRED',
  'PARTIALLY_FILLED PARTIAL_FILL -> PARTIALLY_FILLED',
  'PARTIALLY_FILLED FILL -> FILLED',
  'PARTIALLY_FILLED CANCEL_REQUEST -> PENDING_CANCEL',
  'PARTIALLY_FILLED CANCEL -> CANCELED',
  'PARTIALLY_FILLED EXPIRE -> EXPIRED',
  'PENDING_CANCEL ACCEPT -> PENDING_CANCEL',
  'PENDING_CANCEL REJECT -> REJECTED',
  'PENDING_CANCEL PARTIAL_FILL -> PENDING_CANCEL',
  'PENDING_CANCEL FILL -> FILLED',
  'PENDING_CANCEL CANCEL_REJECT -> NEW|PARTIALLY_FILLED',
  'PENDING_CANCEL CANCEL -> CANCELED',
  'PENDING_CANCEL EXPIRE -> EXPIRED',
  'CANCELED PARTIAL_FILL -> CANCELED',
  'CANCELED FILL -> FILLED',
  'EXPIRED PARTIAL_FILL -> EXPIRED',
  'EXPIRED FILL -> FILLED',
].sort();

function describeTable(): string[] {
  const out: string[] = [];
  for (const from of STATES) {
    for (const trigger of TRIGGERS) {
      const to = TRANSITIONS[from][trigger];
      if (to === undefined) continue;
      out.push(
        `${from} ${trigger} -> ${typeof to === 'string' ? to : `${to.unfilled}|${to.partiallyFilled}`}`,
      );
    }
  }
  return out.sort();
}

describe('order state machine', () => {
  it('the table holds exactly the expected legal transitions', () => {
    expect(describeTable()).toEqual(EXPECTED_LEGAL);
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...STATES].sort());
  });

  it('FILLED and REJECTED are terminal', () => {
    for (const t of TRIGGERS) {
      expect(canTransition('FILLED', t)).toBe(false);
      expect(canTransition('REJECTED', t)).toBe(false);
    }
  });

  const legal = EXPECTED_LEGAL.map((l) => {
    const [from, trigger, , to] = l.split(' ') as [StateOrInitial, OrderTrigger, string, string];
    return { from, trigger, to };
  });
  it.each(legal)('legal: $from --$trigger--> $to', ({ from, trigger, to }) => {
    const [unfilled, withFills = unfilled] = to.split('|');
    expect(canTransition(from, trigger)).toBe(true);
    expect(transition(from, trigger, false)).toBe(unfilled);
    expect(transition(from, trigger, true)).toBe(withFills);
  });

  const legalKeys = new Set(legal.map((l) => `${l.from} ${l.trigger}`));
  const illegal = STATES.flatMap((from) =>
    TRIGGERS.filter((trigger) => !legalKeys.has(`${from} ${trigger}`)).map((trigger) => ({ from, trigger })),
  );
  it('enumerates every illegal pair', () => {
    expect(illegal.length + legal.length).toBe(STATES.length * TRIGGERS.length);
    expect(illegal.length).toBe(9 * 9 - 30);
  });
  it.each(illegal)('illegal: $trigger from $from throws IllegalTransitionError', ({ from, trigger }) => {
    expect(canTransition(from, trigger)).toBe(false);
    let caught: unknown;
    try {
      transition(from, trigger, false, 'ord-1');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(IllegalTransitionError);
    expect(caught).toMatchObject({ code: 'ILLEGAL_TRANSITION', from, trigger, clientOrderId: 'ord-1' });
    expect((caught as Error).message).toBe(`illegal order transition: ${trigger} from ${from} (order ord-1)`);
  });
});
