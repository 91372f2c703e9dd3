import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, screen, within } from '@solidjs/testing-library';
import type { ConnectionStatus } from '../../lib/connection';
import { renderWithApp } from '../../testing/render-app';
import type { EngineStatus } from '../../graphql/operations';
import { Dashboard } from './dashboard';

const engine = (connected: boolean, extra: Partial<EngineStatus> = {}): EngineStatus => ({
  connected,
  state: 'RUNNING',
  epoch: 3,
  startedAt: 1_700_000_000_000,
  lastHeartbeatAt: 1_700_000_100_000,
  walSeq: 42,
  openOrders: 0,
  recovery: { durationMs: 12.5, entriesApplied: 40, entriesSkipped: 1, snapshotSeq: null, lastSeq: 41 },
  venues: [
    {
      name: 'sim',
      state: 'CONNECTED',
      reconnectCount: 2,
      lastError: null,
      lastConnectedAt: 1_700_000_000_000,
    },
  ],
  ...extra,
});

/** A typed KPI snapshot as the API serves it (totals since the engine started). */
const kpi = (at: number, submitted: number, filled: number, rejected: number, p50: number, p99: number) => ({
  at,
  engineUp: true,
  orders: { submitted, filled, rejected },
  ackLatency: { p50Ms: p50, p99Ms: p99 },
});

const renderDashboard = (
  results: Parameters<typeof renderWithApp>[1],
  connection: ConnectionStatus = 'connected',
) => renderWithApp(() => <Dashboard />, results, connection);

const engineCard = () => screen.getByRole('region', { name: 'Engine Connected' });

describe('Dashboard', () => {
  beforeEach(() => localStorage.clear());
  afterEach(() => cleanup());

  it('shows Engine Connected from the API and switches when the engineStatus subscription says otherwise', async () => {
    const t = renderDashboard({ Engine: { engine: engine(true) } });
    expect(await within(engineCard()).findByText('Yes')).toBeTruthy();
    expect(t.executed).toContain('EngineStatusStream');

    t.push('EngineStatusStream', { engineStatus: engine(false) });
    expect(await within(engineCard()).findByText('No')).toBeTruthy();
    expect(within(engineCard()).queryByText('Yes')).toBeNull();
    // The venue figures came from the engine's heartbeat: now only the last known.
    expect(
      within(screen.getByRole('region', { name: 'Venue sim' })).getByText('Engine down · last known'),
    ).toBeTruthy();

    t.push('EngineStatusStream', { engineStatus: engine(true) });
    expect(await within(engineCard()).findByText('Yes')).toBeTruthy();
  });

  it('starts from No when the API says the engine is down', async () => {
    renderDashboard({ Engine: { engine: engine(false) } });
    expect(await within(engineCard()).findByText('No')).toBeTruthy();
  });

  it('renders venue, WAL and KPI cards from the data', async () => {
    const t = renderDashboard({
      Engine: { engine: engine(true) },
      // kpiHistory, oldest first: 2 orders a second over the last 30 s.
      KpiHistory: { kpiHistory: [kpi(0, 0, 0, 0, 1.2, 8), kpi(30_000, 60, 59, 1, 1.5, 9.25)] },
    });
    expect(t.variables.get('KpiHistory')).toEqual({ window: '5m', points: 150 });
    expect(t.variables.get('KpisStream')).toEqual({ intervalMs: 1000 });
    const venue = await screen.findByRole('region', { name: 'Venue sim' });
    expect(within(venue).getByText('CONNECTED')).toBeTruthy();
    expect(within(venue).getByText('2')).toBeTruthy();
    const wal = screen.getByRole('region', { name: 'WAL' });
    expect(within(wal).getByText('42')).toBeTruthy();
    expect(within(wal).getByText('12.5 ms')).toBeTruthy();
    const flow = await screen.findByRole('region', { name: 'Order flow (per minute)' });
    expect(within(flow).getByText('120')).toBeTruthy();
    expect(within(flow).getByText('118')).toBeTruthy();
    t.push('KpisStream', { kpis: kpi(60_000, 180, 170, 4, 1.7, 12) });
    expect(await within(flow).findByText('180')).toBeTruthy(); // (180 - 0) over the last minute
    expect(within(flow).getByRole('img', { name: /Submitted per minute trend, latest 180/ })).toBeTruthy();
    const latency = screen.getByRole('region', { name: 'Ack latency' });
    expect(within(latency).getByText('12.0 ms')).toBeTruthy();
    // The same sample delivered again at the next tick adds no point.
    t.push('KpisStream', { kpis: kpi(60_000, 180, 170, 4, 1.7, 12) });
    expect(within(flow).getByText('180')).toBeTruthy();
    // Engine down: last known counters, no latency; no flow over the following minute.
    t.push('KpisStream', { kpis: { ...kpi(125_000, 180, 170, 4, 1.7, 12), engineUp: false } });
    expect(await within(flow).findAllByText('0')).toHaveLength(3);
    expect(await within(latency).findByRole('img', { name: /Latency p99 trend, latest —/ })).toBeTruthy();
  });

  it('marks data as stale with its age when the connection drops, and serves it from the device when offline', async () => {
    const t = renderDashboard({ Engine: { engine: engine(true) } });
    expect(await within(engineCard()).findByText('Yes')).toBeTruthy();
    expect(within(engineCard()).queryByText(/Stale/)).toBeNull();
    t.setConn('offline');
    expect(await within(engineCard()).findByText(/Stale · just now/)).toBeTruthy();
    cleanup();

    // A reload while offline: no answer from the API, the saved data is shown and marked stale.
    renderDashboard({}, 'offline');
    expect(await within(engineCard()).findByText('Yes')).toBeTruthy();
    expect(within(engineCard()).getByText(/Stale/)).toBeTruthy();
  });
});
