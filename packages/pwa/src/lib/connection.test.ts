// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { connectionStatus, initialConnection, reduceConnection, type ConnectionEvent } from './connection';

const run = (events: ConnectionEvent[], online = true) =>
  connectionStatus(events.reduce(reduceConnection, initialConnection(online)));

describe('connection banner state', () => {
  it('connecting, then connected', () => {
    expect(run([])).toBe('connecting');
    expect(run([{ type: 'connecting' }, { type: 'connected' }])).toBe('connected');
  });
  it('reconnecting after a drop, connected again after', () => {
    const dropped: ConnectionEvent[] = [{ type: 'connected' }, { type: 'closed', code: 1006 }];
    expect(run(dropped)).toBe('reconnecting');
    expect(run([...dropped, { type: 'connecting' }])).toBe('reconnecting');
    expect(run([...dropped, { type: 'connecting' }, { type: 'connected' }])).toBe('connected');
  });
  it('offline wins over the socket state until the browser is back online', () => {
    expect(run([{ type: 'connected' }, { type: 'offline' }])).toBe('offline');
    expect(run([], false)).toBe('offline');
    expect(run([{ type: 'connected' }, { type: 'offline' }, { type: 'closed' }, { type: 'online' }])).toBe(
      'reconnecting',
    );
  });
  it('offline when the first connection fails, without flickering on each retry', () => {
    const failing: ConnectionEvent[] = [{ type: 'connecting' }, { type: 'closed', code: 1006 }];
    expect(run(failing)).toBe('offline');
    expect(run([...failing, { type: 'connecting' }])).toBe('offline');
    expect(run([...failing, { type: 'connecting' }, { type: 'connected' }])).toBe('connected');
  });
  it('a rejected token says so', () => {
    expect(run([{ type: 'closed', code: 4403 }])).toBe('unauthorized');
    expect(run([{ type: 'closed', code: 4403 }, { type: 'connected' }])).toBe('connected');
  });
});
