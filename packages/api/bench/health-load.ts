// Load generator of health.bench.ts, in its own process: autocannon against one URL, warm-up then a
// measured window. Prints one JSON line { rps, requests, non2xx, errors, latencyP50, latencyP99, body }.
// Usage: node --import tsx bench/health-load.ts <url> <connections> <warmMs> <measureMs> [bearer token]
import autocannon from 'autocannon';

const [url, connArg, warmArg, msArg, token] = process.argv.slice(2);
if (!url || !connArg || !warmArg || !msArg) {
  console.error('usage: health-load.ts <url> <connections> <warmMs> <measureMs> [token]');
  process.exit(2);
}
const connections = Number(connArg);
const body = JSON.stringify({ query: '{ health { ok } }' });
const headers: Record<string, string> = { 'content-type': 'application/json' };
if (token) headers.authorization = `Bearer ${token}`;

const run = (ms: number) =>
  autocannon({
    url,
    method: 'POST',
    headers,
    body,
    connections,
    pipelining: 1,
    duration: ms / 1000,
  });

// One answer checked by hand: the load must measure a correct GraphQL result, not an error page.
const check = await fetch(url, { method: 'POST', headers, body });
const sample = await check.text();
if (check.status !== 200 || !sample.includes('"health":{"ok":')) {
  console.error(`unexpected answer ${check.status}: ${sample}`);
  process.exit(1);
}
await run(Number(warmArg));
const r = await run(Number(msArg));
console.log(
  JSON.stringify({
    rps: r.requests.total / (Number(msArg) / 1000),
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    latencyP50: r.latency.p50,
    latencyP99: r.latency.p99,
    body: sample,
  }),
);
