import { Repeater } from 'graphql-yoga';
import type { EngineHeartbeat } from '@veloz/engine';
import { accountKeys } from '@veloz/storage-redis';
import type { ApiContext } from '../context';
import type { EngineView } from '../services/heartbeat';
import { computeHealth, venuesOf, type HealthReport, type VenueHealth } from '../services/health';
import type { ProjectionStatus } from '../projection/projection';
import { builder } from './builder';

const ConnectionStateEnum = builder.enumType('ConnectionState', {
  values: ['DISCONNECTED', 'CONNECTING', 'CONNECTED', 'RECONNECTING'] as const,
});

export const VenueRef = builder.objectRef<VenueHealth>('Venue').implement({
  description: 'A venue connection as the engine last reported it (last known while the engine is down).',
  fields: (t) => ({
    name: t.exposeString('name'),
    state: t.expose('state', { type: ConnectionStateEnum }),
    reconnectCount: t.exposeInt('reconnectCount'),
    lastConnectedAt: t.exposeFloat('lastConnectedAt', { nullable: true, description: 'Epoch ms.' }),
    lastError: t.exposeString('lastError', { nullable: true }),
  }),
});

interface EngineInfo {
  view: EngineView;
  hb: EngineHeartbeat | undefined;
}
const engineInfo = (ctx: ApiContext): EngineInfo => {
  const view = ctx.services.heartbeat.view();
  return { view, hb: view.heartbeat };
};

export const EngineRef = builder.objectRef<EngineInfo>('Engine').implement({
  description:
    'The engine as its heartbeat shows it. `connected` is true exactly while the heartbeat is fresh; the other fields are the last heartbeat seen.',
  fields: (t) => ({
    connected: t.boolean({ resolve: (e) => e.view.connected }),
    state: t.string({ nullable: true, resolve: (e) => e.hb?.state ?? null }),
    epoch: t.int({ nullable: true, resolve: (e) => e.hb?.epoch ?? null }),
    startedAt: t.float({ nullable: true, resolve: (e) => e.hb?.startedAt ?? null }),
    lastHeartbeatAt: t.float({ nullable: true, resolve: (e) => e.hb?.publishedAt ?? null }),
    walSeq: t.int({ nullable: true, resolve: (e) => e.hb?.wal.lastSeq ?? null }),
    openOrders: t.int({ nullable: true, resolve: (e) => e.hb?.openOrders ?? null }),
    recovery: t.field({ type: 'JSON', nullable: true, resolve: (e) => e.hb?.recovery ?? null }),
    venues: t.field({
      type: [VenueRef],
      resolve: (e) =>
        Object.entries(e.hb?.venues ?? {})
          .map(([name, s]) => ({ name, ...s }))
          .sort((a, b) => a.name.localeCompare(b.name)),
    }),
  }),
});

const HealthRef = builder.objectRef<HealthReport>('Health').implement({
  description: 'The same document as GET /api/health.',
  fields: (t) => ({
    ok: t.exposeBoolean('ok'),
    checkedAt: t.exposeFloat('checkedAt'),
    engineConnected: t.boolean({ resolve: (h) => h.engine.connected }),
    engineState: t.string({ nullable: true, resolve: (h) => h.engine.state }),
    redisConnected: t.boolean({ resolve: (h) => h.redis.connected }),
    replayed: t.boolean({ resolve: (h) => h.projection.replayed }),
    appliedSeq: t.int({ resolve: (h) => h.projection.appliedSeq }),
    lag: t.int({ nullable: true, resolve: (h) => h.projection.lag }),
    venues: t.field({ type: [VenueRef], resolve: (h) => h.venues }),
  }),
});

const WalRef = builder
  .objectRef<ProjectionStatus & { headSeq: number | null; length: number | null }>('WalStatus')
  .implement({
    description: "The WAL and this replica's projection of it.",
    fields: (t) => ({
      headSeq: t.exposeInt('headSeq', {
        nullable: true,
        description: 'Last sequence written (null: Redis unreachable).',
      }),
      length: t.exposeInt('length', {
        nullable: true,
        description: 'Entries in the stream (after trimming).',
      }),
      appliedSeq: t.exposeInt('appliedSeq'),
      replayed: t.exposeBoolean('replayed'),
      snapshotSeq: t.exposeInt('snapshotSeq', {
        description: 'Snapshot the projection started from (0: none).',
      }),
      oldestCursor: t.exposeInt('oldestCursor', {
        description: 'Oldest `orderEvents` cursor that can be resumed.',
      }),
      applied: t.exposeInt('applied'),
      other: t.exposeInt('other', { description: 'Non-order entries consumed.' }),
      corrupt: t.exposeInt('corrupt'),
      refused: t.exposeInt('refused'),
      gaps: t.exposeInt('gaps'),
      replayMs: t.exposeFloat('replayMs', { nullable: true }),
      lastEntryAt: t.exposeFloat('lastEntryAt', { nullable: true }),
      orders: t.exposeInt('orders'),
      openOrders: t.exposeInt('openOrders'),
    }),
  });

builder.queryFields((t) => ({
  health: t.field({ type: HealthRef, resolve: (_r, _a, ctx) => computeHealth(ctx.services) }),
  engine: t.field({ type: EngineRef, resolve: (_r, _a, ctx) => engineInfo(ctx) }),
  venues: t.field({ type: [VenueRef], resolve: (_r, _a, ctx) => venuesOf(ctx.services) }),
  wal: t.field({
    type: WalRef,
    resolve: async (_r, _a, ctx) => {
      const { redis, config, projection } = ctx.services;
      const k = accountKeys(config.account);
      const [head, length] = await Promise.all([
        redis.get(k.seq).then(
          (v) => (v === null ? 0 : Number(v)),
          () => null,
        ),
        redis.xlen(k.wal).catch(() => null),
      ]);
      return { ...projection.status(), headSeq: head, length };
    },
  }),
}));

builder.subscriptionFields((t) => ({
  engineStatus: t.field({
    type: EngineRef,
    description: 'The engine now, then at every heartbeat or connectivity change.',
    subscribe: (_r, _a, ctx) =>
      new Repeater<EngineInfo>(async (push, stop) => {
        let stopped = false;
        void stop.then(() => (stopped = true));
        while (!stopped) {
          const next = ctx.services.heartbeat.changed();
          await push(engineInfo(ctx));
          await Promise.race([next, stop]);
        }
      }),
    resolve: (e) => e,
  }),
}));
