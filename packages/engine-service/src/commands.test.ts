import { createEngine, type CommandResult, type Engine } from '@veloz/engine';
import {
  createMemoryStorage,
  createTestVenue,
  testOrderRequest,
  type MemoryStorage,
  type TestVenue,
} from '@veloz/engine/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commandKey, handleCommand, type CommandHandlerDeps, type CommandOutcome } from './commands';

const ACCOUNT = 'acc-1';
const order = (id: string, patch: Record<string, unknown> = {}) => testOrderRequest(ACCOUNT, id, patch);
const place = (commandId: string, o: unknown) =>
  JSON.stringify({ commandId, issuedAt: 1, type: 'PLACE_ORDER', order: o });

let engine: Engine;
let storage: MemoryStorage;
let venue: TestVenue;
let deps: CommandHandlerDeps;

beforeEach(async () => {
  storage = createMemoryStorage();
  venue = createTestVenue();
  engine = createEngine({ account: ACCOUNT }, { storage, venues: [venue] });
  await engine.start();
  venue.tick('BTC-USD', '100');
  deps = { engine, now: () => 42 };
});
afterEach(() => engine.stop());

function result(o: CommandOutcome): CommandResult {
  if (o.kind !== 'result') throw new Error(`expected a result, got ${JSON.stringify(o)}`);
  return o.result;
}
const submitted = (id: string) =>
  storage
    .entries()
    .filter(
      (e) => e.type === 'ORDER_SUBMITTED' && (e.payload as { clientOrderId: string }).clientOrderId === id,
    );

describe('handleCommand', () => {
  it('places an order and answers with its WAL seq', async () => {
    const r = result(await handleCommand(place('c1', order('o1')), '1-0', deps));
    expect(r).toEqual({
      commandId: 'c1',
      ok: true,
      clientOrderId: 'o1',
      seq: engine.getOrder('o1')!.seq,
      at: 42,
    });
    expect(r.seq).toBeGreaterThan(0);
    expect(engine.getOrder('o1')!.status).toBe('NEW');
  });

  it('answers a repeated client order id with the existing order, never a second one', async () => {
    const first = result(await handleCommand(place('c1', order('o1')), '1-0', deps));
    const again = result(await handleCommand(place('c2', order('o1', { quantity: '2' })), '2-0', deps));
    expect(again).toMatchObject({ commandId: 'c2', ok: true, clientOrderId: 'o1', seq: first.seq });
    expect(submitted('o1')).toHaveLength(1);
    expect(venue.submitted).toHaveLength(1);
  });

  it('expires a place-order command older than maxCommandAgeMs without placing it', async () => {
    const aged = { ...deps, now: () => 1 + 60_001, maxCommandAgeMs: 60_000 };
    const r = result(await handleCommand(place('c1', order('o1')), '1-0', aged));
    expect(r).toMatchObject({ commandId: 'c1', ok: false, code: 'COMMAND_EXPIRED', clientOrderId: 'o1' });
    expect(r.reason).toContain('VELOZ_ENGINE_COMMAND_MAX_AGE_MS');
    expect(engine.getOrder('o1')).toBeUndefined();
    expect(submitted('o1')).toHaveLength(0);
    expect(venue.submitted).toHaveLength(0);

    // At the limit it is placed; a fresh retry with the same client order id places it.
    const atLimit = { ...deps, now: () => 1 + 60_000, maxCommandAgeMs: 60_000 };
    expect(result(await handleCommand(place('c2', order('o1')), '2-0', atLimit))).toMatchObject({ ok: true });
    expect(submitted('o1')).toHaveLength(1);
    // An old duplicate of an order that exists still answers with that order (idempotent, nothing placed).
    const dup = result(await handleCommand(place('c3', order('o1')), '3-0', aged));
    expect(dup).toMatchObject({ commandId: 'c3', ok: true, clientOrderId: 'o1' });
    expect(venue.submitted).toHaveLength(1);
  });

  it('ack JOURNALED answers with the ORDER_SUBMITTED seq; a VENUE retry waits for the venue answer', async () => {
    venue.setSubmitBehavior({ kind: 'hang' });
    const journaled = (commandId: string, o: unknown) =>
      JSON.stringify({ commandId, issuedAt: 1, type: 'PLACE_ORDER', order: o, ack: 'JOURNALED' });
    const outcome = await handleCommand(journaled('c1', order('o1')), '1-0', deps);
    // The ORDER_SUBMITTED entry is the answer: acknowledged without a published result.
    expect(outcome).toMatchObject({ kind: 'result', quiet: true });
    const r = result(outcome);
    expect(r).toMatchObject({ commandId: 'c1', ok: true, clientOrderId: 'o1', seq: submitted('o1')[0]!.seq });
    expect(engine.getOrder('o1')!.status).toBe('PENDING_NEW');
    // A JOURNALED retry answers at once; a VENUE one once the venue's answer is journaled.
    const retried = await handleCommand(journaled('c2', order('o1')), '2-0', deps);
    // A retry journals nothing: its answer is published.
    expect(retried).not.toHaveProperty('quiet');
    expect(result(retried)).toMatchObject({ ok: true, seq: r.seq });
    const retry = handleCommand(place('c3', order('o1')), '3-0', deps);
    await new Promise((resolve) => setImmediate(resolve));
    venue.releaseHung();
    const venueAnswered = result(await retry);
    expect(engine.getOrder('o1')!.status).toBe('NEW');
    expect(venueAnswered).toMatchObject({ ok: true, seq: engine.getOrder('o1')!.seq });
    expect(venueAnswered.seq).toBeGreaterThan(r.seq!);
    expect(venue.submitted).toHaveLength(1);
    // Refused before anything runs: the command's ack must be one of the two.
    const bad = JSON.stringify({
      commandId: 'c4',
      issuedAt: 1,
      type: 'PLACE_ORDER',
      order: order('o2'),
      ack: 'X',
    });
    expect(result(await handleCommand(bad, '4-0', deps))).toMatchObject({
      code: 'COMMAND_INVALID',
      field: 'ack',
    });
  });

  it('answers invalid commands with COMMAND_INVALID', async () => {
    expect(result(await handleCommand('nope', '5-0', deps))).toMatchObject({
      commandId: '5-0',
      ok: false,
      code: 'COMMAND_INVALID',
      reason: 'command is not JSON',
    });
    expect(result(await handleCommand(undefined, '6-0', deps))).toMatchObject({
      commandId: '6-0',
      code: 'COMMAND_INVALID',
    });
    const r = result(
      await handleCommand(JSON.stringify({ commandId: 'c9', issuedAt: 1, type: 'FLY' }), '7-0', deps),
    );
    expect(r).toMatchObject({ commandId: 'c9', ok: false, code: 'COMMAND_INVALID', field: 'type' });
    expect(storage.entries()).toHaveLength(0);
  });

  it('passes engine rejections through with their code and field', async () => {
    const r = result(await handleCommand(place('c1', order('o1', { quantity: 'lots' })), '1-0', deps));
    expect(r).toMatchObject({ ok: false, code: 'ORDER_INVALID', field: 'quantity', clientOrderId: 'o1' });
  });

  it('cancels, and answers a repeated cancel ok', async () => {
    await handleCommand(place('c1', order('o1')), '1-0', deps);
    const cancel = (id: string) =>
      JSON.stringify({ commandId: id, issuedAt: 1, type: 'CANCEL_ORDER', clientOrderId: 'o1' });
    const r1 = result(await handleCommand(cancel('k1'), '2-0', deps));
    expect(r1).toMatchObject({ ok: true, clientOrderId: 'o1' });
    expect(engine.getOrder('o1')!.status).toBe('CANCELED');
    const r2 = result(await handleCommand(cancel('k2'), '3-0', deps));
    expect(r2).toMatchObject({
      commandId: 'k2',
      ok: true,
      clientOrderId: 'o1',
      seq: engine.getOrder('o1')!.seq,
    });
    const missing = result(
      await handleCommand(
        JSON.stringify({ commandId: 'k3', issuedAt: 1, type: 'CANCEL_ORDER', clientOrderId: 'zz' }),
        '4-0',
        deps,
      ),
    );
    expect(missing).toMatchObject({ ok: false, code: 'ORDER_NOT_FOUND' });
  });

  it('answers RUN_RECONCILIATION with NOT_AVAILABLE when reconciliation is not wired, else runs it', async () => {
    const cmd = JSON.stringify({ commandId: 'r1', issuedAt: 1, type: 'RUN_RECONCILIATION' });
    expect(result(await handleCommand(cmd, '1-0', deps))).toMatchObject({ ok: false, code: 'NOT_AVAILABLE' });
    const runs: (string | undefined)[] = [];
    const withRecon: CommandHandlerDeps = {
      ...deps,
      runReconciliation: async (v) => {
        runs.push(v);
        return { id: 'rep-1', status: 'completed', findings: 0 };
      },
    };
    expect(result(await handleCommand(cmd, '1-0', withRecon))).toMatchObject({
      ok: true,
      reason: expect.stringContaining('rep-1'),
    });
    expect(runs).toEqual([undefined]);
  });

  it('refuses new orders on a venue halted by reconciliation, without journaling', async () => {
    const r = result(
      await handleCommand(place('c1', order('o1')), '1-0', { ...deps, halted: (v) => v === 'test' }),
    );
    expect(r).toMatchObject({ ok: false, code: 'VENUE_HALTED', clientOrderId: 'o1' });
    expect(storage.entries()).toHaveLength(0);
  });

  it('leaves commands unanswered while the engine is stopping', async () => {
    await engine.stop();
    expect(await handleCommand(place('c1', order('o1')), '1-0', deps)).toMatchObject({ kind: 'retry' });
  });
});

describe('commandKey', () => {
  it('serializes the commands of one order', () => {
    expect(commandKey(place('c', order('o1')))).toBe('order:o1');
    expect(commandKey(JSON.stringify({ type: 'CANCEL_ORDER', clientOrderId: 'o1' }))).toBe('order:o1');
    expect(commandKey('x')).toBe('');
    expect(commandKey(undefined)).toBe('');
  });
});
