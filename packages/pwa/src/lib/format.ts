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
 * Times and counts are written by hand, not with Intl: the first `new Intl.DateTimeFormat` with time
 * fields costs 46-72 ms in Chromium on this machine (the locale's pattern generator; later ones 0.3 ms),
 * and the first `Intl.NumberFormat` 2-16 ms, all inside the dashboard's first render: about a third of the
 * start-up's main-thread blocking under Lighthouse's 4x CPU slowdown (2026-11-27). 24-hour times and ISO
 * dates are the trading desk's convention and read the same on every phone.
 */
const pad = (n: number): string => (n < 10 ? `0${n}` : String(n));

/**
 * Local time of an epoch-ms timestamp as `HH:MM:SS` (24-hour), with the date (`YYYY-MM-DD`) in front when
 * it is not the same local day as `now`; an em dash when there is none.
 */
export function formatTime(epochMs: number | null | undefined, now: number = Date.now()): string {
  if (epochMs === null || epochMs === undefined || !Number.isFinite(epochMs)) return '—';
  const d = new Date(epochMs);
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  const today = new Date(now);
  if (
    d.getDate() === today.getDate() &&
    d.getMonth() === today.getMonth() &&
    d.getFullYear() === today.getFullYear()
  ) {
    return time;
  }
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`;
}

/** Milliseconds with a sensible precision: "0.42 ms", "12.3 ms", "1.20 s". */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

/** A count rounded to a whole number, with comma thousands separators ("1,234,567"), or an em dash. */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  const r = Math.round(n);
  // Beyond 2^53 String() may switch to exponent notation: written as it comes, not grouped.
  if (!Number.isSafeInteger(r)) return String(r);
  const digits = String(Math.abs(r)).replace(/\B(?=(\d{3})+$)/g, ',');
  return r < 0 ? `-${digits}` : digits;
}
