import type { Finding, FindingKind, OrderView } from './types';

/** Why a run happened. */
export type RunReason = 'scheduled' | 'on-demand' | 'startup' | 'reconnect';

/** What became of one finding. */
export interface Resolution {
  /** What the policy planned. */
  action: 'journal' | 'cancel-at-venue' | 'report';
  /** `applied`: journaled / canceled; `failed`: the attempt threw; `reported`: left as is on purpose. */
  status: 'applied' | 'failed' | 'reported';
  /** Why nothing was changed (report) or what failed (failed). */
  reason?: string;
  /** Number of order events journaled. */
  events?: number;
  /** The OMS's view after the correction (journal corrections). */
  result?: OrderView;
}

/** A finding with its resolution: `before` (OMS), `after` (venue), `resolution.result` (OMS afterwards). */
export interface ReportedFinding extends Finding {
  resolution: Resolution;
}

/** Figures of one venue in one run. */
export interface VenueRunSummary {
  venue: string;
  /** Open orders the venue listed. */
  venueOpen: number;
  /** Orders the OMS held open for this venue. */
  omsOpen: number;
  /** Order-status queries made for OMS-open orders the venue did not list. */
  lookups: number;
  /** Disagreements left to the next run by the grace period. */
  deferred: number;
  durationMs: number;
}

/** One reconciliation run, as stored in Redis (`veloz:{account}:recon:reports`) and returned by `runNow`. */
export interface ReconciliationReport {
  id: string;
  account: string;
  /** The worker that ran it (host-pid-random). */
  workerId: string;
  reason: RunReason;
  /** BullMQ job id and attempt (1-based). */
  jobId?: string;
  attempt: number;
  /** `failed`: the run gave up (venue errors after the last retry); `error` says why. */
  status: 'completed' | 'failed';
  error?: string;
  /** Epoch ms: when the run lock was taken, and when the run ended (before the lock was released). */
  startedAt: number;
  finishedAt: number;
  durationMs: number;
  venues: VenueRunSummary[];
  counts: Record<FindingKind, number>;
  /** Findings corrected (journaled or canceled at the venue). */
  corrected: number;
  /** Findings reported only or whose correction failed. */
  unresolved: number;
  findings: ReportedFinding[];
  /** Venues halted for new orders after this run. */
  halted: string[];
}

/** A halt of new orders on one venue, until an operator resumes it. */
export interface HaltRecord {
  venue: string;
  /** Epoch ms. */
  since: number;
  /** Consecutive runs with unresolved findings that raised the halt. */
  runs: number;
  reason: string;
}

export function emptyCounts(): Record<FindingKind, number> {
  return { ORPHANED: 0, MISSING: 0, STATUS_MISMATCH: 0, FILL_MISMATCH: 0 };
}
