import type { JobsOptions } from 'bullmq';
import type { ReconciliationConfig } from './config';
import type { RunReason } from './report';

/** Data of a reconciliation job. */
export interface ReconciliationJobData {
  reason: RunReason;
  /** Venue ids to reconcile; all of the worker's venues when absent. */
  venues?: string[];
  /** Epoch ms when the run was asked for. */
  requestedAt: number;
}

/** Job names in the `reconciliation` queue. */
export const JOB_NAME: Record<RunReason, string> = {
  scheduled: 'scheduled',
  'on-demand': 'on-demand',
  startup: 'startup',
  reconnect: 'reconnect',
};

/** Id of the account's job scheduler (one per account; upserting it again replaces it). */
export function schedulerId(account: string): string {
  return `reconcile-${account}`;
}

/**
 * Options of every reconciliation job: retries with exponential backoff (the processor turns anything
 * but a venue error or a busy lock into an unrecoverable failure), bounded job history.
 */
export function jobOptions(config: ReconciliationConfig): JobsOptions {
  return {
    attempts: config.attempts,
    backoff: { type: 'exponential', delay: config.backoffMs },
    removeOnComplete: { count: config.keepCompleted },
    removeOnFail: { count: config.keepFailed },
  };
}
