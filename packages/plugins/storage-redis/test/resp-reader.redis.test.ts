import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { connectFrames, connectResp, getValue, parseRedisUrl } from '../src/resp-reader.mjs';
import { encodeRecord } from '../src/codec';
import { framesOf } from '../src/frame.mjs';
import { REDIS_URL, uniqueAccount } from './helpers/redis';

// The reader thread's own Redis clients (src/resp-reader.mjs), against the real server.
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

describe('connectFrames', () => {
  it('frames XRANGE windows off the reply bytes as framesOf frames ioredis replies, corrupt entries too', async () => {
    const key = `veloz:frames-test:${process.pid}`;
    const redis = new Redis(REDIS_URL);
    const client = await connectFrames(REDIS_URL, 'veloz-frames-test');
    try {
      const pipe = redis.pipeline();
      for (let seq = 1; seq <= 3000; seq++) {
        const record = encodeRecord({
          seq,
          epoch: 1,
          ts: 1_700_000_000_000 + seq,
          type: 'ORDER_CANCELED',
          version: 1,
          payload: { clientOrderId: `c${seq}`, ts: seq, type: 'ORDER_CANCELED' },
        });
        if (seq % 97 === 0) record[40]! ^= 0xff; // checksum
        if (seq % 101 === 0) pipe.xadd(key, `${seq}-0`, 'x', 'no record');
        else if (seq % 103 === 0) pipe.xadd(key, `${seq}-0`, 'a', 'b', 'd', record, 'd', 'second');
        else pipe.xadd(key, `${seq}-0`, 'd', record);
      }
      await pipe.exec();
      const windows = [
        [1, 1000],
        [1001, 2500],
        [2501, 3000],
        [5000, 6000],
      ] as const;
      // Pipelined, as the reader thread asks for its windows.
      const got = await Promise.all(windows.map(([from, to]) => client.xrange(key, from, to)));
      for (const [i, [from, to]] of windows.entries()) {
        const raw = (await redis.xrangeBuffer(key, String(from), String(to))) as [Buffer, Buffer[]][];
        const expected = framesOf(raw);
        expect({ ...got[i], meta: Array.from(got[i]!.meta), data: Buffer.from(got[i]!.data) }).toEqual({
          ...expected,
          meta: Array.from(expected.meta),
          data: Buffer.from(expected.data),
        });
      }
      expect(got.map((m) => m.count)).toEqual([1000, 1500, 500, 0]);
      expect(got[0]!.faults.map((f) => f.reason)).toEqual(
        expect.arrayContaining(['CHECKSUM', 'MISSING_FIELD']),
      );
      // An error reply fails that read only; the connection reads on.
      await redis.set(`${key}:string`, 'x');
      await expect(client.xrange(`${key}:string`, 1, 2)).rejects.toThrow(/WRONGTYPE/);
      expect((await client.xrange(key, 1, 10)).count).toBe(10);
    } finally {
      client.close();
      await redis.del(key, `${key}:string`);
      redis.disconnect();
    }
  });

  it('rejects the reads in flight when the connection goes', async () => {
    const client = await connectFrames(REDIS_URL, 'veloz-frames-test');
    const read = client.xrange(`veloz:frames-test:none:${process.pid}`, 1, 2);
    client.close();
    await expect(read).rejects.toThrow(/closed/);
  });
});

describe('getValue', () => {
  it('reads a value of many reads into one buffer, the same bytes ioredis reads; null for no key', async () => {
    const key = `veloz:get-test:${process.pid}`;
    const redis = new Redis(REDIS_URL);
    try {
      const value = Buffer.alloc(3_000_017);
      for (let i = 0; i < value.length; i++) value[i] = (i * 2654435761) >>> 24;
      // CRLF and RESP-looking bytes inside the value are data, not framing.
      Buffer.from('\r\n$5\r\n-ERR\r\n').copy(value, 100);
      await redis.set(key, value);
      const got = await getValue(REDIS_URL, 'veloz-get-test', key);
      expect(got?.length).toBe(value.length);
      expect(got!.equals(value)).toBe(true);
      expect((await redis.getBuffer(key))!.equals(got!)).toBe(true);
      await redis.set(key, '');
      expect((await getValue(REDIS_URL, 'veloz-get-test', key))?.length).toBe(0);
      expect(await getValue(REDIS_URL, 'veloz-get-test', `${key}:none`)).toBeNull();
      await redis.del(key);
      await redis.rpush(key, 'x');
      await expect(getValue(REDIS_URL, 'veloz-get-test', key)).rejects.toThrow(/WRONGTYPE/);
    } finally {
      await redis.del(key);
      redis.disconnect();
    }
  });
});
