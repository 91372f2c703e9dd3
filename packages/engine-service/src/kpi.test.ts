import { describe, expect, it } from 'vitest';
import { commandQueueFromGroups } from './kpi';

describe('commandQueueFromGroups', () => {
  it("reads the engine group's lag and pending from an XINFO GROUPS reply", () => {
    const reply = [
      [
        'name',
        'other',
        'consumers',
        0,
        'pending',
        9,
        'last-delivered-id',
        '0-0',
        'entries-read',
        0,
        'lag',
        9,
      ],
      [
        'name',
        'engine',
        'consumers',
        1,
        'pending',
        2,
        'last-delivered-id',
        '5-0',
        'entries-read',
        5,
        'lag',
        3,
      ],
    ];
    expect(commandQueueFromGroups(reply)).toEqual({ pending: 2, lag: 3, lastDeliveredId: '5-0' });
  });

  it('says the lag is unknown when Redis answers nil, and nothing is queued without the group', () => {
    const reply = [['name', 'engine', 'pending', 1, 'last-delivered-id', '7-1', 'lag', null]];
    expect(commandQueueFromGroups(reply)).toEqual({ pending: 1, lag: undefined, lastDeliveredId: '7-1' });
    expect(commandQueueFromGroups([])).toEqual({ pending: 0, lag: 0, lastDeliveredId: '0-0' });
    expect(commandQueueFromGroups('garbage')).toEqual({ pending: 0, lag: 0, lastDeliveredId: '0-0' });
  });
});
