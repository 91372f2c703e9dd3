import type { EngineEvent } from '../bus/event-bus';
import type { EngineStats } from './types';

/** Mutable counters behind `Engine.stats()`. */
export interface StatsRecorder {
  snapshot(): EngineStats;
  reject(code: string): void;
  inc(key: Exclude<keyof EngineStats, 'rejected' | 'ackLatencyMs'>, n?: number): void;
  ackLatency(ms: number): void;
  /** Count accepted/filled/canceled from applied events. */
  observe(e: EngineEvent): void;
}

export function createStats(maxSamples: number): StatsRecorder {
  const s: EngineStats = {
    submitted: 0,
    accepted: 0,
    rejected: {},
    filled: 0,
    canceled: 0,
    unknownReports: 0,
    duplicateReports: 0,
    stateViolations: 0,
    journalFailures: 0,
    outcomeUnknown: 0,
    pendingResolved: 0,
    ackLatencyMs: [],
  };
  return {
    snapshot: () => ({ ...s, rejected: { ...s.rejected }, ackLatencyMs: [...s.ackLatencyMs] }),
    reject(code) {
      s.rejected[code] = (s.rejected[code] ?? 0) + 1;
    },
    inc(key, n = 1) {
      s[key] += n;
    },
    ackLatency(ms) {
      s.ackLatencyMs.push(ms);
      if (s.ackLatencyMs.length > maxSamples) s.ackLatencyMs.splice(0, s.ackLatencyMs.length - maxSamples);
    },
    observe({ event, order }) {
      if (event.type === 'ORDER_SUBMITTED') s.submitted++;
      else if (event.type === 'ORDER_ACCEPTED') s.accepted++;
      else if (event.type === 'ORDER_FILLED' && order.status === 'FILLED') s.filled++;
      else if (event.type === 'ORDER_CANCELED') s.canceled++;
      // Engine-side rejections are counted by code where they are decided; venue ones here, once each.
      else if (event.type === 'ORDER_REJECTED' && event.source === 'venue')
        s.rejected.VENUE_REJECTED = (s.rejected.VENUE_REJECTED ?? 0) + 1;
    },
  };
}
