/** What the estimate needs of a reconciliation report. */
export interface RunTimes {
  reason: string;
  startedAt: number;
}

/**
 * When the periodic reconciliation runs next, estimated from the last two scheduled runs (the API does
 * not expose the scheduler): the newest start plus their spacing. Undefined with fewer than two.
 */
export function estimateNextRun(reports: readonly RunTimes[]): number | undefined {
  const scheduled = reports
    .filter((r) => r.reason === 'scheduled')
    .map((r) => r.startedAt)
    .sort((a, b) => b - a);
  if (scheduled.length < 2) return undefined;
  const every = scheduled[0]! - scheduled[1]!;
  return every > 0 ? scheduled[0]! + every : undefined;
}
