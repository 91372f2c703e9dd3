/**
 * The `scripts/dev.sh --demo` order trickle: places a small order through the VeloZ GraphQL API every
 * `VELOZ_DEMO_INTERVAL_MS` (default 1500) so that the dashboard shows life, and cancels resting LIMIT
 * orders after `VELOZ_DEMO_CANCEL_AFTER_MS` (default 20000).
 *
 * Environment: VELOZ_DEMO_API_URL (default http://127.0.0.1:$VELOZ_API_PORT), VELOZ_DEMO_TOKEN (an
 * operator token, required), VELOZ_DEMO_VENUE (default sim), VELOZ_DEMO_SIM_URL (default
 * http://127.0.0.1:$VELOZ_SIM_PORT: where the current prices come from), VELOZ_DEMO_INTERVAL_MS,
 * VELOZ_DEMO_CANCEL_AFTER_MS. Stops on SIGINT / SIGTERM.
 */
import { pathToFileURL } from 'node:url';

/** An instrument as the simulated exchange lists it (`GET /api/instruments`). */
export interface DemoInstrument {
  symbol: string;
  tickSize: string;
  quantityStep: string;
  minQuantity: string;
  price: string;
}

/** The `PlaceOrderInput` of one demo order. */
export interface DemoOrderInput {
  clientOrderId: string;
  venue: string;
  symbol: string;
  side: 'BUY' | 'SELL';
  type: 'MARKET' | 'LIMIT';
  quantity: string;
  price?: string;
}

const decimalsOf = (step: string): number => (step.includes('.') ? step.split('.')[1]!.length : 0);

/** Round `value` to a multiple of `step` and format it with the step's decimals. */
export function roundToStep(value: number, step: string): string {
  const s = Number(step);
  return (Math.round(value / s) * s).toFixed(decimalsOf(step));
}

/**
 * The `n`-th demo order (pure): a repeating cycle of MARKET BUY, LIMIT BUY 0.2 % below the price,
 * MARKET SELL, LIMIT SELL 0.2 % above, over the instruments in turn, 1-3 minimum quantities each.
 */
export function demoOrder(
  n: number,
  instruments: DemoInstrument[],
  venue: string,
  runId: string,
): DemoOrderInput {
  if (instruments.length === 0) throw new Error('no instruments');
  const inst = instruments[Math.floor(n / 4) % instruments.length]!;
  const step = n % 4;
  const side = step < 2 ? 'BUY' : 'SELL';
  const type = step % 2 === 0 ? 'MARKET' : 'LIMIT';
  const quantity = roundToStep(Number(inst.minQuantity) * (1 + (n % 3)), inst.quantityStep);
  const order: DemoOrderInput = {
    clientOrderId: `demo-${runId}-${n}`,
    venue,
    symbol: inst.symbol,
    side,
    type,
    quantity,
  };
  if (type === 'LIMIT')
    order.price = roundToStep(Number(inst.price) * (side === 'BUY' ? 0.998 : 1.002), inst.tickSize);
  return order;
}

const PLACE = `mutation Place($input: PlaceOrderInput!) {
  placeOrder(input: $input) {
    __typename
    ... on PlaceOrderSuccess { order { clientOrderId status } }
    ... on Error { message }
  }
}`;
const CANCEL = `mutation Cancel($id: String!) { cancelOrder(clientOrderId: $id) { __typename } }`;

async function graphql(url: string, token: string, query: string, variables: unknown): Promise<unknown> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(10_000),
  });
  return res.json();
}

async function main(): Promise<void> {
  const env = process.env;
  const apiUrl = env.VELOZ_DEMO_API_URL ?? `http://127.0.0.1:${env.VELOZ_API_PORT ?? '8080'}`;
  const simUrl = env.VELOZ_DEMO_SIM_URL ?? `http://127.0.0.1:${env.VELOZ_SIM_PORT ?? '7070'}`;
  const token = env.VELOZ_DEMO_TOKEN;
  const venue = env.VELOZ_DEMO_VENUE ?? 'sim';
  const intervalMs = Number(env.VELOZ_DEMO_INTERVAL_MS ?? 1500);
  const cancelAfterMs = Number(env.VELOZ_DEMO_CANCEL_AFTER_MS ?? 20_000);
  if (!token) throw new Error('VELOZ_DEMO_TOKEN (an operator token) is required');
  if (!Number.isInteger(intervalMs) || intervalMs < 50)
    throw new Error('VELOZ_DEMO_INTERVAL_MS must be an integer >= 50');
  if (!Number.isInteger(cancelAfterMs) || cancelAfterMs < 0)
    throw new Error('VELOZ_DEMO_CANCEL_AFTER_MS must be a whole number');

  const runId = Date.now().toString(36);
  const resting: { id: string; at: number }[] = [];
  let n = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const stop = () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  const tick = async () => {
    try {
      const res = await fetch(`${simUrl}/api/instruments`, { signal: AbortSignal.timeout(5000) });
      const { instruments } = (await res.json()) as { instruments: DemoInstrument[] };
      const input = demoOrder(n++, instruments, venue, runId);
      const out = await graphql(apiUrl, token, PLACE, { input });
      console.log(
        `demo: ${input.side} ${input.type} ${input.quantity} ${input.symbol} -> ${JSON.stringify(out)}`,
      );
      if (input.type === 'LIMIT') resting.push({ id: input.clientOrderId, at: Date.now() });
      while (resting.length > 0 && Date.now() - resting[0]!.at >= cancelAfterMs) {
        const { id } = resting.shift()!;
        await graphql(apiUrl, token, CANCEL, { id });
      }
    } catch (err) {
      console.error(`demo: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!stopped) timer = setTimeout(() => void tick(), intervalMs);
  };
  await tick();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    console.error(`demo: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
