// The fast GraphQL path (src/http/fast-graphql.ts) against real Redis and real HTTP:
//  - which requests it answers and which it leaves to yoga (a server whose fallback is a marker status);
//  - through the real API server: every request variant answers exactly as yoga does (the same request
//    with an `Origin` header always goes through yoga), and the protections still hold.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import type * as GraphQL from 'graphql';
import type { ExecutionResult } from 'graphql';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { acceptedMediaType, createFastGraphQL } from '../src/http/fast-graphql';
import { readBody } from '../src/http/respond';
import { schema } from '../src/schema';
import { createApiServer, type ApiServer } from '../src/server';
import { cleanupAccount, newRedis, newToken, uniqueAccount } from './support';

// The schema is built against the `graphql` that node resolves (CommonJS); vitest would hand this file
// the ESM build, a second instance the schema refuses.
const { execute, GraphQLError, parse, specifiedRules, validate } = createRequire(import.meta.url)(
  'graphql',
) as typeof GraphQL;

const account = uniqueAccount('fast');
const token = newToken();
let api: ApiServer;
let url: string;

beforeAll(async () => {
  const config = loadConfig({
    VELOZ_ENV: 'production',
    VELOZ_ACCOUNT: account,
    VELOZ_API_PORT: '0',
    VELOZ_API_TOKENS: `t:viewer:${token}`,
    VELOZ_API_BODY_LIMIT_BYTES: '4096',
    // The yoga-path requests below carry this Origin and compare yoga's CORS headers.
    VELOZ_API_CORS_ORIGINS: 'http://origin.test',
  });
  api = createApiServer({ config, logger: pino({ level: 'silent' }) });
  url = (await api.start()).url;
});

afterAll(async () => {
  await api?.stop();
  const redis = newRedis();
  await cleanupAccount(redis, account);
  redis.disconnect();
});

describe('acceptedMediaType (yoga 5 result-processor choice)', () => {
  it.each([
    [undefined, 'application/json'],
    ['*/*', 'application/json'],
    ['application/json', 'application/json'],
    ['application/graphql-response+json', 'application/graphql-response+json'],
    ['application/graphql-response+json, application/json', 'application/graphql-response+json'],
    ['application/json, application/graphql-response+json', 'application/json'],
    // urql's default
    [
      'application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed',
      'application/graphql-response+json',
    ],
    ['text/event-stream', undefined],
    ['multipart/mixed', undefined],
    ['text/html', undefined],
    ['application/json; charset=latin1', undefined],
  ])('%s → %s', (accept, expected) => {
    expect(acceptedMediaType(accept)).toBe(expected);
  });
});

describe('createFastGraphQL: what it answers itself', () => {
  let server: Server;
  let base: string;
  const fast = () => fastRef!;
  let fastRef: ReturnType<typeof createFastGraphQL> | undefined;
  let prepared = 0;
  let parses = 0;

  beforeAll(async () => {
    fastRef = createFastGraphQL({
      schema,
      services: api.services,
      cacheSize: 2,
      prepare: () => {
        prepared++;
        return {
          parse: (q) => {
            parses++;
            return parse(q);
          },
          validate: (d) => validate(schema, d, specifiedRules),
          execute: (args) => execute(args) as ExecutionResult,
          maskError: (err) => new GraphQLError('Unexpected error.', { originalError: err as Error }),
        };
      },
    });
    server = createServer((req, res) => {
      void readBody(req, 10_000).then(async (body) => {
        if (!(await fast().handle(req, res, body, { name: 't', role: 'viewer' }))) {
          res.writeHead(599);
          res.end('fallback');
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(base, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  it('answers a single valid query', async () => {
    const r = await post(JSON.stringify({ query: '{ health { ok redisConnected } }' }));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await r.json()).toEqual({ data: { health: { ok: false, redisConnected: true } } });
    const named = await post(
      JSON.stringify({
        query: 'query A { health { ok } } query B($n: Int) { orders(first: $n) { totalCount } }',
        operationName: 'B',
        variables: { n: 3 },
      }),
    );
    expect(await named.json()).toEqual({ data: { orders: { totalCount: 0 } } });
  });

  it.each([
    ['a subscription', JSON.stringify({ query: 'subscription { engineStatus { __typename } }' }), {}],
    ['an invalid document', JSON.stringify({ query: '{ nope }' }), {}],
    ['a syntax error', JSON.stringify({ query: '{ health { ok ' }), {}],
    ['a batch', JSON.stringify([{ query: '{ health { ok } }' }]), {}],
    ['extensions', JSON.stringify({ query: '{ health { ok } }', extensions: {} }), {}],
    ['bad JSON', '{"query": ', {}],
    ['an Origin (CORS)', JSON.stringify({ query: '{ health { ok } }' }), { origin: 'http://x' }],
    ['SSE accepted', JSON.stringify({ query: '{ health { ok } }' }), { accept: 'text/event-stream' }],
    [
      'another content type',
      JSON.stringify({ query: '{ health { ok } }' }),
      { 'content-type': 'text/plain' },
    ],
    ['an execution error', JSON.stringify({ query: '{ orders(first: 1000) { totalCount } }' }), {}],
    [
      'bad variables',
      JSON.stringify({ query: 'query($n: Int) { orders(first: $n) { totalCount } }', variables: { n: 'x' } }),
      {},
    ],
  ])('leaves %s to yoga', async (_what, body, headers) => {
    expect((await post(body, headers)).status).toBe(599);
  });

  it('answers a mutation itself, once, with its result or its errors shaped as yoga does', async () => {
    // This server's principal is a viewer: the typed FORBIDDEN union member, in a plain result.
    const m = await post(
      JSON.stringify({
        query: 'mutation($v: String) { runReconciliation(venue: $v) { __typename ... on Error { code } } }',
        variables: { v: 'sim' },
      }),
    );
    expect(m.status).toBe(200);
    expect(await m.json()).toEqual({
      data: { runReconciliation: { __typename: 'ForbiddenError', code: 'FORBIDDEN' } },
    });
    // Bad variables: answered here (a mutation never runs twice), with yoga's error shape.
    const bad = await post(
      JSON.stringify({
        query: 'mutation($id: String!) { cancelOrder(clientOrderId: $id) { __typename } }',
        variables: { id: 3 },
      }),
    );
    expect(bad.status).not.toBe(599);
    const body = (await bad.json()) as { data?: unknown; errors: { message: string }[] };
    expect(body.data).toBeUndefined();
    expect(body.errors[0]!.message).toMatch(/\$id/);
  });

  it('parses and validates a query text once, keeping the cacheSize most recent texts', async () => {
    const q = (query: string) => post(JSON.stringify({ query }));
    const before = parses;
    for (let i = 0; i < 3; i++) expect((await q('{ health { checkedAt } }')).status).toBe(200);
    expect(parses - before).toBe(1);
    await q('{ venues { name } }');
    await q('{ health { ok } }'); // cache: venues, health ok (health checkedAt dropped)
    expect(parses - before).toBe(3);
    await q('{ venues { name } }');
    expect(parses - before).toBe(3);
    await q('{ health { checkedAt } }');
    expect(parses - before).toBe(4);
    expect(fast().cacheSize).toBe(2);
    // One preparer for the process, created on the first miss.
    expect(prepared).toBe(1);
  });
});

describe('through the API server: the same answers as yoga', () => {
  const send = async (body: string, headers: Record<string, string>, viaYoga: boolean) => {
    const r = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        ...headers,
        ...(viaYoga ? { origin: 'http://origin.test' } : {}),
      },
      body,
    });
    const raw = Buffer.from(await r.arrayBuffer());
    const h = (k: string) => r.headers.get(k);
    return {
      status: r.status,
      type: h('content-type'),
      encoding: h('content-encoding'),
      // fetch decodes gzip itself; the body is compared as JSON text.
      text: raw.toString('utf8'),
      cors: h('access-control-allow-origin'),
    };
  };

  const bigSelection = `{ ${Array.from({ length: 14 }, (_, i) => `h${i}: health { ok checkedAt engineConnected engineState redisConnected replayed appliedSeq lag }`).join(' ')} }`;
  it.each([
    ['health', { query: '{ health { ok engineConnected redisConnected } }' }, {}],
    [
      'graphql-response+json',
      { query: '{ health { ok } }' },
      { accept: 'application/graphql-response+json' },
    ],
    [
      'variables and operationName',
      {
        query: 'query Q($n: Int) { orders(first: $n) { totalCount } }',
        operationName: 'Q',
        variables: { n: 2 },
      },
      {},
    ],
    ['a large gzip answer', { query: bigSelection }, { 'accept-encoding': 'gzip' }],
    ['a validation error', { query: '{ nope }' }, {}],
    ['an execution error', { query: '{ orders(first: 1000) { totalCount } }' }, {}],
    [
      'a depth limit',
      { query: `{ order(clientOrderId: "x") { ${'events { order { '.repeat(6)}seq${' } }'.repeat(6)} } }` },
      {},
    ],
    [
      'an alias limit',
      { query: `{ ${Array.from({ length: 20 }, (_, i) => `a${i}: health { ok }`).join(' ')} }` },
      {},
    ],
  ])('%s', async (_what, params, headers) => {
    const body = JSON.stringify(params);
    const fastAnswer = await send(body, headers, false);
    const yogaAnswer = await send(body, headers, true);
    expect(yogaAnswer.cors).toBe('http://origin.test');
    expect(fastAnswer.cors).toBeNull();
    const { cors: _a, text: fastText, ...fastRest } = fastAnswer;
    const { cors: _b, text: yogaText, ...yogaRest } = yogaAnswer;
    expect(fastRest).toEqual(yogaRest);
    // checkedAt differs between two calls; everything else must match byte for byte.
    const norm = (t: string) => t.replace(/"checkedAt":\d+/g, '"checkedAt":0');
    expect(norm(fastText)).toBe(norm(yogaText));
    expect(fastAnswer.status).toBe(200);
  });

  it('keeps 401 without a token and 413 over the body limit', async () => {
    const noToken = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ health { ok } }' }),
    });
    expect(noToken.status).toBe(401);
    const big = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: `{ health { ok } } # ${'x'.repeat(5000)}` }),
    });
    expect(big.status).toBe(413);
    expect(
      ((await big.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code,
    ).toBe('PAYLOAD_TOO_LARGE');
  });

  it('compresses large answers on the wire (gzip bytes checked without fetch decoding)', async () => {
    const { request } = await import('node:http');
    const body = JSON.stringify({ query: bigSelection });
    const raw = await new Promise<{ encoding: string | undefined; bytes: Buffer }>((resolve, reject) => {
      const req = request(
        `${url}/graphql`,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'accept-encoding': 'gzip',
            authorization: `Bearer ${token}`,
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ encoding: res.headers['content-encoding'], bytes: Buffer.concat(chunks) }),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(raw.encoding).toBe('gzip');
    const json = JSON.parse(gunzipSync(raw.bytes).toString('utf8')) as { data: Record<string, unknown> };
    expect(Object.keys(json.data)).toHaveLength(14);
  });
});
