import { sparklinePath } from '../lib/sparkline';

/** A small trend line; its accessible name says what it shows and the latest value. */
export function Sparkline(props: {
  values: readonly number[];
  label: string;
  width?: number;
  height?: number;
}) {
  const w = () => props.width ?? 120;
  const h = () => props.height ?? 32;
  return (
    <svg
      class="sparkline"
      viewBox={`0 0 ${w()} ${h()}`}
      width={w()}
      height={h()}
      role="img"
      aria-label={props.label}
    >
      <path d={sparklinePath(props.values, w(), h())} fill="none" stroke="currentColor" stroke-width="2" />
    </svg>
  );
}
