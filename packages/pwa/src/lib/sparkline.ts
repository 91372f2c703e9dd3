/**
 * The SVG path of a sparkline (pure): `values` scaled into a `width` x `height` box, oldest on the left.
 * A flat series is drawn in the middle; fewer than two points give an empty path.
 */
export function sparklinePath(values: readonly number[], width: number, height: number, pad = 2): string {
  const pts = values.filter((v) => Number.isFinite(v));
  if (pts.length < 2) return '';
  const min = Math.min(...pts);
  const max = Math.max(...pts);
  const span = max - min;
  const step = (width - 2 * pad) / (pts.length - 1);
  return pts
    .map((v, i) => {
      const x = pad + i * step;
      const y = span === 0 ? height / 2 : pad + (1 - (v - min) / span) * (height - 2 * pad);
      return `${i === 0 ? 'M' : 'L'}${x.toFixed(1)} ${y.toFixed(1)}`;
    })
    .join('');
}

/** Append `value` to a bounded history, dropping the oldest beyond `max`. */
export function pushBounded<T>(history: readonly T[], value: T, max: number): T[] {
  const next = [...history, value];
  return next.length > max ? next.slice(next.length - max) : next;
}
