import { For, Show } from 'solid-js';
import { Card, Field } from '../../components/card';
import { Sparkline } from '../../components/sparkline';
import { formatCount, formatMs, formatTime } from '../../lib/format';
import type { EngineStatus, ReconciliationReport, VenueStatus } from '../../graphql/operations';
import type { FlowPoint } from '../../lib/kpis';

/** Props every card shares: how current its data is. */
interface Freshness {
  receivedAt: number | undefined;
  stale: boolean;
}

/** Venue and WAL figures come from the engine's heartbeat: while it is down they are only the last known. */
const LAST_KNOWN = 'Engine down · last known';

/** Engine Connected: Yes/No and since when. */
export function EngineCard(props: Freshness & { engine: EngineStatus | undefined }) {
  const connected = () => props.engine?.connected;
  // Connected: since the engine started. Disconnected: since its last heartbeat.
  const since = () => (connected() ? props.engine?.startedAt : props.engine?.lastHeartbeatAt);
  return (
    <Card
      title="Engine Connected"
      receivedAt={props.receivedAt}
      stale={props.stale}
      status={connected() === undefined ? undefined : connected() ? 'ok' : 'bad'}
      value={connected() === undefined ? 'Unknown' : connected() ? 'Yes' : 'No'}
      valueTestId="engine-connected"
    >
      <dl>
        <Show when={since()}>
          <Field label={connected() ? 'Since' : 'Last heartbeat'}>{formatTime(since())}</Field>
        </Show>
        <Show when={props.engine?.state}>
          <Field label={connected() ? 'State' : 'Last state'}>{props.engine?.state}</Field>
        </Show>
      </dl>
    </Card>
  );
}

const venueStatus = (v: VenueStatus) =>
  v.state === 'CONNECTED' ? 'ok' : v.state === 'CONNECTING' ? 'warn' : 'bad';

/** One card per venue: connection state, reconnect count, last error. */
export function VenueCard(props: Freshness & { venue: VenueStatus; engineDown: boolean }) {
  return (
    <Card
      title={`Venue ${props.venue.name}`}
      receivedAt={props.receivedAt}
      stale={props.stale}
      note={props.engineDown ? LAST_KNOWN : undefined}
      status={props.engineDown ? undefined : venueStatus(props.venue)}
      value={props.venue.state}
    >
      <dl>
        <Field label="Reconnects">{formatCount(props.venue.reconnectCount)}</Field>
        <Show when={props.venue.lastConnectedAt}>
          <Field label="Connected at">{formatTime(props.venue.lastConnectedAt)}</Field>
        </Show>
        <Field label="Last error">{props.venue.lastError ?? 'None'}</Field>
      </dl>
    </Card>
  );
}

/** WAL position and the engine's last replay (recovery). */
export function WalCard(props: Freshness & { engine: EngineStatus | undefined }) {
  const replay = () => props.engine?.recovery;
  return (
    <Card
      title="WAL"
      receivedAt={props.receivedAt}
      stale={props.stale}
      note={props.engine && !props.engine.connected ? LAST_KNOWN : undefined}
      status={props.engine?.connected ? ((replay()?.entriesSkipped ?? 0) > 0 ? 'warn' : 'ok') : undefined}
    >
      <dl>
        <Field label="Position">{formatCount(props.engine?.walSeq)}</Field>
        <Field label="Last replay">{formatMs(replay()?.durationMs)}</Field>
        <Field label="Replayed entries">{formatCount(replay()?.entriesApplied)}</Field>
        <Field label="Corrupt skipped">{formatCount(replay()?.entriesSkipped)}</Field>
      </dl>
    </Card>
  );
}

/** The last reconciliation run, its findings by kind, and the next run. */
export function ReconciliationCard(
  props: Freshness & { report: ReconciliationReport | undefined; nextRunAt: number | null | undefined },
) {
  const r = () => props.report;
  const total = () =>
    r() ? r()!.orphaned + r()!.missing + r()!.statusMismatches + r()!.fillMismatches : undefined;
  return (
    <Card
      title="Reconciliation"
      receivedAt={props.receivedAt}
      stale={props.stale}
      status={total() === undefined ? undefined : total() === 0 ? 'ok' : 'warn'}
    >
      <dl>
        <Field label="Last run">{props.report ? formatTime(props.report.finishedAt) : 'Never'}</Field>
        <Field label="Orphaned">{formatCount(r()?.orphaned)}</Field>
        <Field label="Missing">{formatCount(r()?.missing)}</Field>
        <Field label="Status mismatch">{formatCount(r()?.statusMismatches)}</Field>
        <Field label="Fill mismatch">{formatCount(r()?.fillMismatches)}</Field>
        <Field label="Next run">{props.nextRunAt ? `≈ ${formatTime(props.nextRunAt)}` : '—'}</Field>
      </dl>
    </Card>
  );
}

/** Orders per minute: submitted, filled, rejected, each with its trend. */
export function OrderFlowCard(props: Freshness & { samples: readonly FlowPoint[] }) {
  const last = () => props.samples[props.samples.length - 1];
  const rows = [
    { label: 'Submitted', key: 'submittedPerMin' },
    { label: 'Filled', key: 'filledPerMin' },
    { label: 'Rejected', key: 'rejectedPerMin' },
  ] as const;
  return (
    <Card title="Order flow (per minute)" receivedAt={props.receivedAt} stale={props.stale}>
      <dl>
        <For each={rows}>
          {(row) => (
            <Field label={row.label}>
              <span class="num">{formatCount(last()?.[row.key])}</span>
              <Sparkline
                values={props.samples.map((s) => s[row.key])}
                label={`${row.label} per minute trend, latest ${formatCount(last()?.[row.key])}`}
              />
            </Field>
          )}
        </For>
      </dl>
    </Card>
  );
}

/** Acknowledgement latency p50 and p99, each with its trend. */
export function LatencyCard(props: Freshness & { samples: readonly FlowPoint[] }) {
  const last = () => props.samples[props.samples.length - 1];
  const rows = [
    { label: 'p50', key: 'p50' },
    { label: 'p99', key: 'p99' },
  ] as const;
  return (
    <Card title="Ack latency" receivedAt={props.receivedAt} stale={props.stale}>
      <dl>
        <For each={rows}>
          {(row) => (
            <Field label={row.label}>
              <span class="num">{formatMs(last()?.[row.key])}</span>
              <Sparkline
                values={props.samples.map((s) => s[row.key] ?? Number.NaN)}
                label={`Latency ${row.label} trend, latest ${formatMs(last()?.[row.key])}`}
              />
            </Field>
          )}
        </For>
      </dl>
    </Card>
  );
}
