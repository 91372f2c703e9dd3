import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { connectResp, parseRedisUrl } from '../src/resp-reader.mjs';
import { REDIS_URL, uniqueAccount } from './helpers/redis';

// The reader thread's own Redis client (src/resp-reader.mjs), against the real server.
describe('parseRedisUrl', () => {
  it('reads host, port, credentials and database', () => {
    expect(parseRedisUrl('redis://u%40x:p%3Aw@10.0.0.5:6380/3')).toEqual({
      host: '10.0.0.5',
      port: 6380,
      username: 'u@x',
      password: 'p:w',
      db: 3,
    });
    expect(parseRedisUrl('redis://[::1]')).toMatchObject({ host: '::1', port: 6379, db: 0 });
    expect(parseRedisUrl('redis://:secret@localhost/')).toMatchObject({
      username: '',
      password: 'secret',
      db: 0,
    });
  });

  it('refuses other schemes and bad databases', () => {
    expect(() => parseRedisUrl('rediss://localhost')).toThrow(/not a redis:\/\/ URL/);
    expect(() => parseRedisUrl('redis://localhost/x')).toThrow(/bad database/);
  });
});

describe('connectResp', () => {
  const user = `veloz-resp-${uniqueAccount('u')}`;
  const admin = new Redis(REDIS_URL);
  const base = new URL(REDIS_URL);
  const urlFor = (password: string, db: number) => {
    const u = new URL(REDIS_URL);
    u.username = user;
    u.password = password;
    u.pathname = `/${db}`;
    return u.toString();
  };

  beforeAll(async () => {
    await admin.call('ACL', 'SETUSER', user, 'on', '>right-pw', '~*', '&*', '+@all');
  });
  afterAll(async () => {
    await admin.call('ACL', 'DELUSER', user);
    admin.disconnect();
  });

  it('authenticates as the URL user, selects its database, names itself, and answers in order', async () => {
    const key = `veloz:resp-test:${process.pid}`;
    const inDb2 = new Redis(`redis://${base.host}/2`);
    await inDb2.set(key, 'two');
    const client = await connectResp(urlFor('right-pw', 2), 'veloz-resp-test');
    try {
      const replies = await Promise.all([
        client.call('GET', key),
        client.call('ACL', 'WHOAMI'),
        client.call('CLIENT', 'GETNAME'),
        client.call('XRANGE', `${key}:none`, '-', '+'),
      ]);
      expect(replies.map((r) => (Buffer.isBuffer(r) ? r.toString() : r))).toEqual([
        'two',
        user,
        'veloz-resp-test',
        [],
      ]);
      await expect(client.call('INCR', key)).rejects.toThrow(/not an integer/);
      // An error reply fails that command only.
      expect(String(await client.call('GET', key))).toBe('two');
    } finally {
      client.close();
      await inDb2.del(key);
      inDb2.disconnect();
    }
  });

  it('rejects a wrong password instead of reading as nobody', async () => {
    await expect(connectResp(urlFor('wrong-pw', 0), 'x')).rejects.toThrow(/WRONGPASS|invalid/i);
  });

  it('rejects the commands in flight when the connection goes', async () => {
    const client = await connectResp(REDIS_URL, 'veloz-resp-test');
    const blocked = client.call('BLPOP', `veloz:resp-test:never:${process.pid}`, '0');
    client.close();
    await expect(blocked).rejects.toThrow(/closed/);
    await expect(client.call('PING')).rejects.toThrow(/closed/);
  });

  it('gives up on a server that accepts the connection but never answers', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      await expect(connectResp(`redis://127.0.0.1:${port}`, 'x', 300)).rejects.toThrow(
        /did not answer within 300 ms/,
      );
    } finally {
      silent.close();
    }
  });

  it('fails to connect to a port nobody listens on', async () => {
    await expect(connectResp('redis://127.0.0.1:1', 'x')).rejects.toThrow(/ECONNREFUSED/);
  });
});
