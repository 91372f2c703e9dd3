import { Repeater } from 'graphql-yoga';
import { GraphQLError } from 'graphql';
import type { ReconciliationReport, ReportedFinding, VenueRunSummary } from '@veloz/reconciliation';
import { canOperate } from '../auth';
import { ForbiddenError } from '../errors';
import { builder } from './builder';
import { MUTATION_ERRORS } from './errors';

const FindingRef = builder.objectRef<ReportedFinding>('ReconciliationFinding').implement({
  description: 'One disagreement between the OMS and a venue, and what was done about it.',
  fields: (t) => ({
    kind: t.exposeString('kind', { description: 'ORPHANED, MISSING, STATUS_MISMATCH or FILL_MISMATCH.' }),
    severity: t.exposeString('severity'),
    venue: t.exposeString('venue'),
    clientOrderId: t.exposeString('clientOrderId'),
    venueOrderId: t.exposeString('venueOrderId', { nullable: true }),
    detail: t.exposeString('detail'),
    action: t.string({ resolve: (f) => f.resolution.action }),
    resolution: t.string({
      description: 'applied, failed or reported.',
      resolve: (f) => f.resolution.status,
    }),
    resolutionReason: t.string({ nullable: true, resolve: (f) => f.resolution.reason ?? null }),
    before: t.field({ type: 'JSON', nullable: true, resolve: (f) => f.before }),
    after: t.field({ type: 'JSON', nullable: true, resolve: (f) => f.after }),
  }),
});

const VenueRunRef = builder.objectRef<VenueRunSummary>('ReconciliationVenueRun').implement({
  fields: (t) => ({
    venue: t.exposeString('venue'),
    venueOpen: t.exposeInt('venueOpen'),
    omsOpen: t.exposeInt('omsOpen'),
    lookups: t.exposeInt('lookups'),
    deferred: t.exposeInt('deferred'),
    durationMs: t.exposeFloat('durationMs'),
  }),
});

export const ReportRef = builder.objectRef<ReconciliationReport>('ReconciliationReport').implement({
  description: 'One reconciliation run.',
  fields: (t) => ({
    id: t.exposeString('id'),
    reason: t.exposeString('reason', { description: 'scheduled, on-demand, startup or reconnect.' }),
    status: t.exposeString('status', { description: 'completed or failed.' }),
    error: t.exposeString('error', { nullable: true }),
    startedAt: t.exposeFloat('startedAt'),
    finishedAt: t.exposeFloat('finishedAt'),
    durationMs: t.exposeFloat('durationMs'),
    orphaned: t.int({ resolve: (r) => r.counts.ORPHANED ?? 0 }),
    missing: t.int({ resolve: (r) => r.counts.MISSING ?? 0 }),
    statusMismatches: t.int({ resolve: (r) => r.counts.STATUS_MISMATCH ?? 0 }),
    fillMismatches: t.int({ resolve: (r) => r.counts.FILL_MISMATCH ?? 0 }),
    corrected: t.exposeInt('corrected'),
    unresolved: t.exposeInt('unresolved'),
    halted: t.exposeStringList('halted'),
    venues: t.field({ type: [VenueRunRef], resolve: (r) => r.venues ?? [] }),
    findings: t.field({ type: [FindingRef], resolve: (r) => r.findings ?? [] }),
  }),
});

builder.queryFields((t) => ({
  reconciliationReports: t.field({
    type: [ReportRef],
    description: 'The newest reconciliation reports, newest first (`limit` at most 100).',
    args: { limit: t.arg.int({ required: false, defaultValue: 20 }) },
    resolve: (_r, args, ctx) => {
      const limit = args.limit ?? 20;
      if (limit < 1 || limit > 100)
        throw new GraphQLError('limit must be between 1 and 100', { extensions: { code: 'BAD_USER_INPUT' } });
      return ctx.services.reports.latest(limit);
    },
  }),
}));

const RunReconciliationPayload = builder
  .objectRef<{ message: string; report: ReconciliationReport | null }>('RunReconciliationSuccess')
  .implement({
    fields: (t) => ({
      message: t.exposeString('message'),
      report: t.field({ type: ReportRef, nullable: true, resolve: (p) => p.report }),
    }),
  });

builder.mutationFields((t) => ({
  runReconciliation: t.field({
    type: RunReconciliationPayload,
    description: 'Run a reconciliation now (all venues, or one) and answer with its report.',
    errors: { types: MUTATION_ERRORS, directResult: true, union: { name: 'RunReconciliationResult' } },
    args: { venue: t.arg.string({ required: false }) },
    resolve: async (_r, args, ctx) => {
      if (!canOperate(ctx.principal)) throw new ForbiddenError('this operation needs an operator token');
      const res = await ctx.services.orders.runReconciliation(args.venue ?? undefined, ctx.principal!.name);
      const reports = res.reportId ? await ctx.services.reports.latest(20).catch(() => []) : [];
      return { message: res.message, report: reports.find((r) => r.id === res.reportId) ?? null };
    },
  }),
}));

builder.subscriptionFields((t) => ({
  reconciliationEvents: t.field({
    type: ReportRef,
    description:
      'Each reconciliation report finished after `after` (epoch ms; default: when the subscription starts), oldest first, as it is stored (checked every second). Pass the `finishedAt` of the last report you processed to resume.',
    args: { after: t.arg.float({ required: false }) },
    subscribe: (_r, args, ctx) =>
      new Repeater<ReconciliationReport>(async (push, stop) => {
        let cursor = args.after ?? Date.now();
        const seen = new Set<string>();
        const tick = async () => {
          try {
            const fresh = (await ctx.services.reports.latest(50))
              .filter((r) => r.finishedAt >= cursor && !seen.has(r.id))
              .sort((a, b) => a.finishedAt - b.finishedAt);
            for (const r of fresh) {
              seen.add(r.id);
              cursor = Math.max(cursor, r.finishedAt);
              await push(r);
            }
            // Reports finishing in the same millisecond as the cursor are told apart by id.
            if (seen.size > 500) seen.clear();
          } catch {
            // Redis unreachable: try again at the next tick.
          }
        };
        await tick();
        const timer = setInterval(() => void tick(), 1000);
        await stop;
        clearInterval(timer);
      }),
    resolve: (r) => r,
  }),
}));
