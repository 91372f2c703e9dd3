import { MetricsError } from './errors';

/** One sample line of the Prometheus text format. */
export interface Sample {
  /** Sample name (for histograms `x_bucket`, `x_sum`, `x_count`). */
  name: string;
  labels: Record<string, string>;
  /** Parsed value (`NaN`, `+Inf`, `-Inf` included). */
  value: number;
  timestamp?: number;
}

/** A metric family: HELP, TYPE and its samples, in exposition order. */
export interface MetricFamily {
  name: string;
  help?: string;
  /** counter, gauge, histogram, summary, untyped. */
  type: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const SUFFIXES: Record<string, readonly string[]> = {
  histogram: ['_bucket', '_sum', '_count', '_created'],
  summary: ['_sum', '_count', '_created'],
  counter: ['_created'],
};

function parseValue(s: string, line: number): number {
  // Go's ParseFloat, which Prometheus uses, takes NaN and Inf in any case (prom-client writes "Nan").
  const l = s.toLowerCase();
  if (l === 'nan') return NaN;
  if (l === '+inf' || l === 'inf') return Infinity;
  if (l === '-inf') return -Infinity;
  const n = Number(s);
  if (s === '' || Number.isNaN(n))
    throw new MetricsError('EXPOSITION_INVALID', `line ${line}: bad value "${s}"`);
  return n;
}

function parseSampleLine(text: string, line: number): Sample {
  const m = NAME.exec(text);
  if (!m) throw new MetricsError('EXPOSITION_INVALID', `line ${line}: bad metric name in "${text}"`);
  const name = m[0];
  let i = name.length;
  const labels: Record<string, string> = {};
  if (text[i] === '{') {
    i++;
    for (;;) {
      while (text[i] === ' ') i++;
      if (text[i] === '}') {
        i++;
        break;
      }
      const ln = LABEL_NAME.exec(text.slice(i));
      if (!ln) throw new MetricsError('EXPOSITION_INVALID', `line ${line}: bad label name in "${text}"`);
      i += ln[0].length;
      if (text[i] !== '=' || text[i + 1] !== '"')
        throw new MetricsError('EXPOSITION_INVALID', `line ${line}: expected ="" after label ${ln[0]}`);
      i += 2;
      let value = '';
      for (;;) {
        const c = text[i];
        if (c === undefined)
          throw new MetricsError('EXPOSITION_INVALID', `line ${line}: unterminated label value`);
        i++;
        if (c === '"') break;
        if (c === '\\') {
          const e = text[i++];
          value += e === 'n' ? '\n' : e === '\\' ? '\\' : e === '"' ? '"' : `\\${e ?? ''}`;
        } else value += c;
      }
      if (ln[0] in labels)
        throw new MetricsError('EXPOSITION_INVALID', `line ${line}: label ${ln[0]} repeated`);
      labels[ln[0]] = value;
      while (text[i] === ' ') i++;
      if (text[i] === ',') i++;
      else if (text[i] !== '}')
        throw new MetricsError('EXPOSITION_INVALID', `line ${line}: expected , or } in "${text}"`);
    }
  }
  const rest = text.slice(i).trim().split(/\s+/);
  if (rest.length < 1 || rest.length > 2 || rest[0] === '')
    throw new MetricsError('EXPOSITION_INVALID', `line ${line}: expected "value [timestamp]" in "${text}"`);
  const sample: Sample = { name, labels, value: parseValue(rest[0]!, line) };
  if (rest[1] !== undefined) sample.timestamp = parseValue(rest[1], line);
  return sample;
}

function unescapeHelp(s: string): string {
  return s.replace(/\\(n|\\)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
}

/**
 * Parse the Prometheus text exposition format (0.0.4) into families. Samples are attached to the family
 * whose name they carry (with the type's suffixes: `_bucket`, `_sum`, `_count`); samples without HELP
 * or TYPE form an `untyped` family. Throws MetricsError EXPOSITION_INVALID on malformed lines or on a
 * family declared twice.
 */
export function parseExposition(text: string): MetricFamily[] {
  const families: MetricFamily[] = [];
  const byName = new Map<string, MetricFamily>();
  const family = (name: string, line: number, declaring: boolean): MetricFamily => {
    let f = byName.get(name);
    if (f && declaring && f.samples.length > 0)
      throw new MetricsError('EXPOSITION_INVALID', `line ${line}: metadata of ${name} after its samples`);
    if (!f) {
      f = { name, type: 'untyped', samples: [] };
      byName.set(name, f);
      families.push(f);
    }
    return f;
  };
  const seenHelp = new Set<string>();
  const seenType = new Set<string>();
  let current: MetricFamily | undefined;
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const raw = lines[n]!;
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(line);
      if (!m) continue; // a comment
      const [, kind, name, rest = ''] = m;
      if (!NAME.test(name!) || NAME.exec(name!)![0] !== name)
        throw new MetricsError('EXPOSITION_INVALID', `line ${n + 1}: bad metric name ${name}`);
      const seen = kind === 'HELP' ? seenHelp : seenType;
      if (seen.has(name!))
        throw new MetricsError('EXPOSITION_INVALID', `line ${n + 1}: second ${kind} for ${name}`);
      seen.add(name!);
      const f = family(name!, n + 1, true);
      if (kind === 'HELP') f.help = unescapeHelp(rest);
      else {
        const t = rest.trim();
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(t))
          throw new MetricsError('EXPOSITION_INVALID', `line ${n + 1}: unknown type "${t}" for ${name}`);
        f.type = t;
      }
      current = f;
      continue;
    }
    const s = parseSampleLine(line, n + 1);
    let target: MetricFamily | undefined;
    if (
      current &&
      (s.name === current.name || (SUFFIXES[current.type] ?? []).some((x) => s.name === current!.name + x))
    )
      target = current;
    else {
      target = byName.get(s.name) ?? family(s.name, n + 1, false);
      current = target;
    }
    target.samples.push(s);
  }
  return families;
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}
function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** Render families back to the text format (HELP, TYPE, then samples of each family). */
export function renderExposition(families: readonly MetricFamily[]): string {
  const out: string[] = [];
  for (const f of families) {
    if (f.help !== undefined)
      out.push(`# HELP ${f.name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
    out.push(`# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const labels = Object.entries(s.labels);
      const l = labels.length ? `{${labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}` : '';
      out.push(`${s.name}${l} ${formatValue(s.value)}${s.timestamp !== undefined ? ` ${s.timestamp}` : ''}`);
    }
  }
  return out.length ? out.join('\n') + '\n' : '';
}

const sampleKey = (s: Sample) =>
  `${s.name}{${Object.keys(s.labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(s.labels[k])}`)
    .join(',')}}`;

/**
 * Merge expositions into one: families with the same name are declared once (the first HELP and TYPE
 * win) and a sample repeated with the same name and labels is kept from the first text only.
 * A family whose TYPE disagrees with an earlier one is dropped from the later text (it would make the
 * whole scrape invalid).
 */
export function mergeExpositions(texts: readonly string[]): string {
  const merged: MetricFamily[] = [];
  const byName = new Map<string, { family: MetricFamily; keys: Set<string> }>();
  for (const text of texts) {
    for (const f of parseExposition(text)) {
      let entry = byName.get(f.name);
      if (!entry) {
        entry = { family: { ...f, samples: [] }, keys: new Set<string>() };
        byName.set(f.name, entry);
        merged.push(entry.family);
      } else if (entry.family.type !== f.type) continue;
      for (const s of f.samples) {
        const k = sampleKey(s);
        if (entry.keys.has(k)) continue;
        entry.keys.add(k);
        entry.family.samples.push(s);
      }
    }
  }
  return renderExposition(merged);
}

/** Find a sample's value: `sampleValue(families, 'x_total', { venue: 'sim' })`; undefined when absent. */
export function sampleValue(
  families: readonly MetricFamily[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const f of families)
    for (const s of f.samples)
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) return s.value;
  return undefined;
}
