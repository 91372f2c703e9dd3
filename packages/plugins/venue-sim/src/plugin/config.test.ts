import { VelozError } from '@veloz/engine';
import { describe, expect, it } from 'vitest';
import { parseSimVenueConfig } from './config';
import { createPlugin, createSimVenue } from './sim-venue';

describe('venue:sim config', () => {
  it('applies defaults and names the plugin after the venue id', () => {
    expect(parseSimVenueConfig({})).toMatchObject({
      venue: 'sim',
      url: 'http://127.0.0.1:7070',
      requestTimeoutMs: 5000,
    });
    expect(createSimVenue({ venue: 'sim2' })).toMatchObject({ name: 'venue:sim2', venue: 'sim2' });
    expect(createPlugin).toBe(createSimVenue);
  });

  it('fails fast naming the bad field', () => {
    expect(() => createSimVenue({ url: 'ftp://x' })).toThrow(VelozError);
    expect(() => createSimVenue({ url: 'ftp://x' })).toThrow(/config url/);
    expect(() => createSimVenue({ requestTimeoutMs: 0 })).toThrow(/requestTimeoutMs/);
    expect(() =>
      createSimVenue({ backoff: { initialMs: 1, maxMs: 2, multiplier: 0.5, jitter: 'none' } }),
    ).toThrow(/backoff.multiplier/);
  });
});
