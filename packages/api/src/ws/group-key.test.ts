import { getOperationAST, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { fanoutGroupKey } from './group-key';

const key = (query: string, variables?: Record<string, unknown>) => {
  const doc = parse(query);
  return fanoutGroupKey(query, doc, getOperationAST(doc)!, variables);
};

describe('fanoutGroupKey', () => {
  const q =
    'subscription($after: Int, $id: String) { orderEvents(after: $after, clientOrderId: $id) { seq } }';

  it('ignores the variables that only choose events (cursor, filters)', () => {
    expect(key(q, { after: 1, id: 'a' })).toBe(key(q, { after: 99 }));
    expect(key(q, { after: 1 })).not.toBeUndefined();
  });

  it('keeps variables that shape the result, and the document and operation name', () => {
    const shaped =
      'subscription($after: Int, $o: Boolean!) { orderEvents(after: $after) { seq order @include(if: $o) { status } } }';
    expect(key(shaped, { after: 1, o: true })).not.toBe(key(shaped, { after: 1, o: false }));
    expect(key(shaped, { after: 1, o: true })).toBe(key(shaped, { after: 2, o: true }));
    expect(key(q)).not.toBe(key(q.replace('{ seq }', '{ seq walTs }')));
    const named = q.replace('subscription(', 'subscription A(');
    expect(key(named)).not.toBe(key(q));
  });

  it('keeps a root-argument variable that is also used elsewhere', () => {
    // Parsed, not validated: only the variable's uses matter here.
    const reused = 'subscription($x: Boolean!) { orderEvents(symbol: $x) { seq @include(if: $x) } }';
    expect(key(reused, { x: true })).not.toBe(key(reused, { x: false }));
  });

  it('does not fan out other subscriptions', () => {
    expect(key('subscription { engineStatus { connected } }')).toBeUndefined();
    expect(key('subscription { ...F } fragment F on Subscription { orderEvents { seq } }')).toBeUndefined();
  });
});
