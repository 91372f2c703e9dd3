import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { SimConfigError, simExchangeConfigFromEnv } from './config';
import { createSimExchange, type SimExchange } from './sim-exchange';
import type { SimWsMessage } from './ws-hub';

const running: SimExchange[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.stop()));
});

async function start(config: Parameters<typeof createSimExchange>[0]): Promise<SimExchange> {
  const ex = createSimExchange({ port: 0, tickIntervalMs: 0, ...config });
  running.push(ex);
  await ex.start();
  return ex;
}

/** Open a WebSocket and collect its messages. */
async function listen(url: string): Promise<{ messages: SimWsMessage[]; ws: WebSocket }> {
  const ws = new WebSocket(url.replace(/^http/, 'ws'));
  const messages: SimWsMessage[] = [];
  ws.on('message', (d) => messages.push(JSON.parse(String(d)) as SimWsMessage));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return { messages, ws };
}

async function waitFor(what: string, predicate: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('createSimExchange (in process)', () => {
  it('delays HTTP answers by the configured latency', async () => {
    const ex = await start({ latencyMs: 150 });
    const t0 = performance.now();
    const res = await fetch(`${ex.url}/api/time`);
    expect(res.status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(145);
  });

  it('keeps pushed reports in order under jitter', async () => {
    const ex = await start({ jitterMs: 40 });
    const { messages, ws } = await listen(`${ex.url}/ws`);
    for (let i = 0; i < 15; i++) ex.admin.createOrphan({ symbol: 'BTC-USD', side: 'BUY', quantity: '0.001' });
    await waitFor('15 reports', () => messages.filter((m) => m.type === 'execution').length === 15);
    const seqs = messages.flatMap((m) => (m.type === 'execution' ? [m.seq] : []));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    ws.terminate();
  });

  it('greets with hello and current prices, pushes random-walk ticks on the tick grid', async () => {
    const ex = await start({ tickIntervalMs: 20, seed: 7, symbols: ['BTC-USD'] });
    const { messages, ws } = await listen(`${ex.url}/ws`);
    await waitFor('5 ticks', () => messages.filter((m) => m.type === 'tick').length >= 5);
    expect(messages[0]).toMatchObject({ type: 'hello', seq: 0 });
    // Right after hello: the current price (the walk may already have moved it from 30000).
    expect(messages[1]).toMatchObject({ type: 'tick', tick: { symbol: 'BTC-USD' } });
    const prices = messages.flatMap((m) => (m.type === 'tick' ? [m.tick.price] : []));
    for (const p of prices) expect(Number(p) % 0.5).toBe(0);
    expect(new Set(prices).size).toBeGreaterThan(1);
    ws.terminate();
  });

  it('resends journaled reports on resume and reports what the journal no longer holds as a gap', async () => {
    const ex = await start({ journalSize: 2 });
    for (let i = 0; i < 5; i++) ex.admin.createOrphan({ symbol: 'BTC-USD', side: 'BUY', quantity: '0.001' });
    const { messages, ws } = await listen(`${ex.url}/ws?since=0`);
    await waitFor('resend', () => messages.filter((m) => m.type === 'execution').length === 2);
    expect(messages.filter((m) => m.type === 'gap')).toEqual([{ type: 'gap', from: 1, to: 3 }]);
    expect(messages.flatMap((m) => (m.type === 'execution' ? [m.seq] : []))).toEqual([4, 5]);
    // A client without `since` gets no history: the next report it sees is the next one pushed.
    const fresh = await listen(`${ex.url}/ws`);
    ex.admin.createOrphan({ symbol: 'BTC-USD', side: 'BUY', quantity: '0.001' });
    await waitFor('live report', () => fresh.messages.some((m) => m.type === 'execution'));
    expect(fresh.messages.flatMap((m) => (m.type === 'execution' ? [m.seq] : []))).toEqual([6]);
    ws.terminate();
    fresh.ws.terminate();
  });

  it('answers bad requests with 4xx and a code', async () => {
    const ex = await start({});
    const bad = await fetch(`${ex.url}/api/orders`, { method: 'POST', body: '{nope' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'REJECTED' } });
    const unknown = await fetch(`${ex.url}/api/orders/nope`, { method: 'DELETE' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    const symbol = await post(`${ex.url}/api/orders`, {
      clientOrderId: 'x1',
      symbol: 'NOPE',
      side: 'BUY',
      type: 'LIMIT',
      timeInForce: 'GTC',
      quantity: '1',
      price: '1',
    });
    expect(symbol.status).toBe(400);
    expect(await symbol.json()).toMatchObject({ error: { code: 'UNKNOWN_SYMBOL' } });
    const price = await post(`${ex.adminUrl}/price`, { symbol: 'BTC-USD', price: '30000.2' });
    expect(price.status).toBe(400);
    await post(`${ex.adminUrl}/fail-next`, { count: 1, status: 429 });
    expect((await fetch(`${ex.url}/api/time`)).status).toBe(429);
    expect((await fetch(`${ex.url}/api/time`)).status).toBe(200);
  });

  it('refuses connections for the given time, then accepts again', async () => {
    const ex = await start({ adminPort: 0 });
    await post(`${ex.adminUrl}/refuse-connections`, { seconds: 1 });
    await expect(fetch(`${ex.url}/api/time`)).rejects.toThrow();
    expect(ex.admin.stats().refusing).toBe(true);
    await waitFor('refusal to end', () => !ex.admin.stats().refusing);
    expect((await fetch(`${ex.url}/api/time`)).status).toBe(200);
    await post(`${ex.adminUrl}/refuse-connections`, { seconds: 600 });
    await expect(fetch(`${ex.url}/api/time`)).rejects.toThrow();
    await post(`${ex.adminUrl}/refuse-connections`, { seconds: 0 });
    expect((await fetch(`${ex.url}/api/time`)).status).toBe(200);
  });
});

describe('simExchangeConfigFromEnv', () => {
  it('reads env vars and flags (flags win), with defaults', () => {
    const cfg = simExchangeConfigFromEnv({ VELOZ_SIM_PORT: '7100', VELOZ_SIM_SYMBOLS: 'BTC-USD, FOO-BAR' }, [
      '--port',
      '0',
      '--latency-ms=20',
    ]);
    expect(cfg).toMatchObject({
      port: 0,
      latencyMs: 20,
      symbols: ['BTC-USD', 'FOO-BAR'],
      fillFraction: '1',
      host: '127.0.0.1',
    });
  });

  it('names the bad variable or flag', () => {
    expect(() => simExchangeConfigFromEnv({ VELOZ_SIM_PORT: '99999' }, [])).toThrow(/VELOZ_SIM_PORT/);
    expect(() => simExchangeConfigFromEnv({}, ['--latency-ms', '-1'])).toThrow(/--latency-ms/);
    expect(() => simExchangeConfigFromEnv({ VELOZ_SIM_INSTRUMENTS: '[' }, [])).toThrow(SimConfigError);
    expect(() => simExchangeConfigFromEnv({}, ['--nope', '1'])).toThrow(/unknown flag --nope/);
  });
});
