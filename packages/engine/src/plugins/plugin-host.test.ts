import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createMemoryStorage } from '../testing/memory-storage';
import { createTestVenue } from '../testing/test-venue';
import type { Plugin, PluginContext } from './context';
import type { StoragePlugin } from './storage';
import { assertPlugin, createPluginHost, PluginError } from './plugin-host';

function captureLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

const fixture = (name: string) => new URL(`./__fixtures__/${name}`, import.meta.url).href;

describe('assertPlugin', () => {
  it('accepts well-formed venue and storage plugins', () => {
    expect(assertPlugin(createTestVenue()).name).toBe('venue:test');
    expect(assertPlugin(createMemoryStorage()).name).toBe('storage:memory');
  });

  it.each([
    ['not an object', 42, /must be an object/],
    ['bad prefix', { ...createMemoryStorage(), name: 'db:x' }, /"venue:<id>" or "storage:<id>"/],
    ['no name', { start() {}, stop() {} }, /plugin name undefined/],
    [
      'venue missing members',
      { name: 'venue:v', venue: 'v', start() {}, stop() {} },
      /submitOrder\(\).*executions\$/,
    ],
    ['venue id mismatch', { ...createTestVenue(), venue: 'other' }, /venue \(must be "test"\)/],
    ['storage missing wal', { ...createMemoryStorage(), wal: undefined }, /missing or has bad: wal/],
    ['storage missing kv.del', { ...createMemoryStorage(), kv: { get() {}, set() {} } }, /kv\.del\(\)/],
  ])('rejects %s', (_l, value, message) => {
    expect(() => assertPlugin(value, 'started')).toThrow(PluginError);
    expect(() => assertPlugin(value, 'started')).toThrow(message);
  });

  it("checks a storage plugin's wal, snapshots and kv only once it has started", async () => {
    // Like storage:redis, whose wal/snapshots/kv exist only after start() opened its connection.
    const inner = createMemoryStorage();
    let running = false;
    const lazy = {
      name: 'storage:lazy',
      start: async (ctx: PluginContext) => {
        await inner.start(ctx);
        running = true;
      },
      stop: () => inner.stop(),
      get wal() {
        if (!running) throw new Error('storage:lazy is not started');
        return inner.wal;
      },
      get snapshots() {
        if (!running) throw new Error('storage:lazy is not started');
        return inner.snapshots;
      },
      get kv() {
        if (!running) throw new Error('storage:lazy is not started');
        return inner.kv;
      },
    };
    const host = createPluginHost({ account: 'acct' });
    const loaded = await host.load(lazy);
    await host.start(loaded);
    expect(host.started().map((p) => p.name)).toEqual(['storage:lazy']);

    const broken = { ...createMemoryStorage(), name: 'storage:broken', kv: { get() {}, set() {} } };
    const host2 = createPluginHost({ account: 'acct' });
    await expect(host2.start(await host2.load(broken as unknown as StoragePlugin))).rejects.toThrow(
      /kv\.del\(\)/,
    );
    await host.stop();
    await host2.stop();
  });
});

describe('createPluginHost', () => {
  it('loads a plugin from a module specifier through createPlugin(config)', async () => {
    const host = createPluginHost({ account: 'a' });
    const p = await host.load({
      module: fixture('storage-plugin-module.ts'),
      config: { name: 'storage:from-module' },
    });
    expect(p.name).toBe('storage:from-module');
    await expect(host.load({ module: fixture('no-factory-module.ts') })).rejects.toThrow(
      /does not export createPlugin/,
    );
    await expect(host.load({ module: fixture('missing-module.ts') })).rejects.toThrow(
      /cannot import plugin module/,
    );
    await expect(
      host.load({ module: fixture('storage-plugin-module.ts'), config: { name: 'bad' } }),
    ).rejects.toThrow(PluginError);
  });

  it('starts with a context (clock, child logger, account), stops in reverse order, idempotently', async () => {
    const { logger, lines } = captureLogger();
    const clock = { now: () => 42 };
    const host = createPluginHost({ account: 'acc-9', clock, logger });
    const order: string[] = [];
    const contexts: PluginContext[] = [];
    const make = (name: string, failStop = false): Plugin => ({
      name,
      async start(ctx) {
        contexts.push(ctx);
        order.push(`start ${name}`);
      },
      async stop() {
        order.push(`stop ${name}`);
        if (failStop) throw new Error(`boom ${name}`);
      },
    });
    const a = make('storage:a');
    const b = make('venue:b', true);
    const c = make('venue:c');
    await host.start(a);
    await host.start(b);
    await host.start(b); // idempotent
    await host.start(c);
    expect(host.started().map((p) => p.name)).toEqual(['storage:a', 'venue:b', 'venue:c']);
    expect(contexts[1]!.account).toBe('acc-9');
    expect(contexts[1]!.clock.now()).toBe(42);
    contexts[1]!.logger.info('hello from b');
    expect(lines.find((l) => l.msg === 'hello from b')).toMatchObject({ plugin: 'venue:b' });

    const stopping = host.stop();
    expect(host.stop()).toBe(stopping);
    await stopping;
    expect(order).toEqual([
      'start storage:a',
      'start venue:b',
      'start venue:c',
      'stop venue:c',
      'stop venue:b',
      'stop storage:a',
    ]);
    expect(lines.find((l) => l.msg === 'plugin stop failed')).toMatchObject({ plugin: 'venue:b' });
    await expect(host.start(make('venue:d'))).rejects.toMatchObject({ code: 'HOST_STOPPED' });
  });
});
