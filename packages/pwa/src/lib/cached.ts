import { createComputed, createSignal, on, type Accessor } from 'solid-js';
import { readCache, writeCache } from './storage';

/** Live data backed by the device cache: what a card shows, and how old it is. */
export interface CachedData<T> {
  /** The live value, else the last value saved on this device. */
  data: Accessor<T | undefined>;
  /** Epoch ms when `data` was last known to be current. */
  receivedAt: Accessor<number | undefined>;
  /** True when `data` may be out of date: it came from the device cache or the connection is not live. */
  stale: Accessor<boolean>;
}

/** A deep, plain copy of a value read from a Solid store (tracks every field it reads). */
export function snapshot<T>(value: T | undefined): T | undefined {
  return value === undefined || value === null ? undefined : (JSON.parse(JSON.stringify(value)) as T);
}

/**
 * Follow `live` and save every new value under `key`; until `live` has a value, serve the saved one.
 * While `isLive` is false the data is stale; when the connection drops, the data is re-saved with the
 * time it was last known to be current, so an offline reload shows the right age.
 * `clock` gives the time (injectable for tests).
 */
export function createCachedData<T>(
  key: string,
  live: Accessor<T | undefined>,
  isLive: Accessor<boolean>,
  clock: () => number = Date.now,
): CachedData<T> {
  const saved = readCache<T>(key);
  const [data, setData] = createSignal<T | undefined>(saved?.data);
  const [receivedAt, setReceivedAt] = createSignal<number | undefined>(saved?.savedAt);
  const [fromCache, setFromCache] = createSignal(saved !== undefined);
  createComputed(() => {
    const value = live();
    if (value === undefined) return;
    const at = clock();
    setData(() => value);
    setReceivedAt(at);
    setFromCache(false);
    writeCache(key, value, at);
  });
  createComputed(
    on(
      isLive,
      (nowLive, wasLive) => {
        const value = data();
        if (wasLive && !nowLive && value !== undefined && !fromCache()) {
          const at = clock();
          setReceivedAt(at);
          writeCache(key, value, at);
        }
      },
      { defer: true },
    ),
  );
  return { data, receivedAt, stale: () => fromCache() || !isLive() };
}
