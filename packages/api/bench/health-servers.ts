// The references of health.bench.ts, each run as its own process on a free loopback port:
//  - `yoga`: a default graphql-yoga server (createYoga({ schema }) handed to node:http, nothing else)
//    whose `health` answers the same fields with the same values as the API without an engine;
//  - `bare`: node:http answering the same fixed JSON to every request, the physical ceiling.
// Prints one JSON line `{ "event": "listening", "url": … }` when ready.
// Usage: node --import tsx bench/health-servers.ts yoga|bare
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSchema, createYoga } from 'graphql-yoga';

const mode = process.argv[2];
if (mode !== 'yoga' && mode !== 'bare') {
  console.error('usage: health-servers.ts yoga|bare');
  process.exit(2);
}

// What `{ health { ok } }` returns from an API with Redis up and no engine heartbeat.
const HEALTH = { ok: false, engineConnected: false, redisConnected: true };

const server =
  mode === 'yoga'
    ? createServer(
        createYoga({
          schema: createSchema({
            typeDefs: /* GraphQL */ `
              type Health {
                ok: Boolean!
                engineConnected: Boolean!
                redisConnected: Boolean!
              }
              type Query {
                health: Health!
              }
            `,
            resolvers: { Query: { health: () => ({ ...HEALTH }) } },
          }),
        }),
      )
    : createServer((req, res) => {
        // A string: node:http then writes headers and body in one write (the cheapest way it has).
        const body = JSON.stringify({ data: { health: { ok: HEALTH.ok } } });
        req.resume();
        req.once('end', () => {
          res.writeHead(200, {
            'content-type': 'application/json; charset=utf-8',
            'content-length': Buffer.byteLength(body),
          });
          res.end(body);
        });
      });

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(JSON.stringify({ event: 'listening', url: `http://127.0.0.1:${port}`, pid: process.pid }));
});
process.on('SIGTERM', () => process.exit(0));
