// Development mode: a fresh operator token printed once at start, GraphiQL served.
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupAccount, gql, killAll, newRedis, spawnApi, uniqueAccount } from './support';

const account = uniqueAccount('dev');

afterAll(async () => {
  await killAll();
  const redis = newRedis();
  await cleanupAccount(redis, account);
  redis.disconnect();
});

describe('development mode', () => {
  it('prints an operator token once and serves GraphiQL', async () => {
    const api = await spawnApi({ VELOZ_ACCOUNT: account, VELOZ_ENV: 'development' });
    // The banner comes right after the listening line.
    const deadline = Date.now() + 5000;
    while (!api.stdout.some((l) => l.includes('operator token:')) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    const tokenLines = api.stdout.filter((l) => l.includes('operator token:'));
    expect(tokenLines).toHaveLength(1);
    const token = /operator token: (\S+)/.exec(tokenLines[0]!)![1]!;
    // The token never appears in the structured log lines.
    expect(api.lines.some((l) => JSON.stringify(l).includes(token))).toBe(false);

    // An operator: a mutation gets past the role check (and fails validation, nothing reaches an engine).
    const r = await gql<{ placeOrder: { __typename: string; field?: string } }>(
      api.url,
      token,
      `mutation { placeOrder(input: { clientOrderId: "d-1", venue: "sim", symbol: "BTC-USD", side: BUY, type: LIMIT, quantity: "0" , price: "1" }) {
        __typename ... on ValidationError { field } } }`,
    );
    expect(r.body.data?.placeOrder).toEqual({ __typename: 'ValidationError', field: 'quantity' });

    const page = await fetch(`${api.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>VeloZ API</title>');
    // Without the HTML accept header, no token still means 401.
    expect((await fetch(`${api.url}/graphql?query=%7Bhealth%7Bok%7D%7D`)).status).toBe(401);
  });
});
