import type { Logger } from 'pino';
import pino from 'pino';
import { VelozError } from '../errors';
import { systemClock, type Clock, type Plugin, type PluginContext } from './context';
import type { StoragePlugin } from './storage';
import type { VenuePlugin } from './venue';

/**
 * How a plugin is named in configuration: either the plugin object itself, or a module to import.
 * Module convention: the module (a package name such as "@veloz/venue-sim" or a file URL/path) exports
 * `createPlugin(config: unknown): VenuePlugin | StoragePlugin` (sync or async). `config` is passed as is;
 * the plugin validates it.
 */
export type PluginSpec = VenuePlugin | StoragePlugin | { module: string; config?: unknown };

export class PluginError extends VelozError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('PLUGIN_INVALID', message, options);
  }
}

const NAME_RE = /^(venue|storage):[A-Za-z0-9][A-Za-z0-9._-]*$/;
const VENUE_FUNCTIONS = [
  'start',
  'stop',
  'connectionStatus',
  'instruments',
  'submitOrder',
  'cancelOrder',
  'openOrders',
  'orderStatus',
  'recentFills',
] as const;
const VENUE_STREAMS = ['connection$', 'executions$', 'marketData$'] as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isFn = (v: unknown) => typeof v === 'function';
const isObservable = (v: unknown) => isObject(v) && isFn(v.subscribe);

function missing(obj: Record<string, unknown>, members: readonly string[], test: (v: unknown) => boolean) {
  return members.filter((m) => !test(obj[m]));
}

/** Check that `value` is a venue or storage plugin; returns it typed, or throws PluginError listing what is wrong. */
export function assertPlugin(
  value: unknown,
  phase: 'loaded' | 'started' = 'loaded',
): VenuePlugin | StoragePlugin {
  if (!isObject(value)) throw new PluginError('a plugin must be an object');
  const name = value.name;
  if (typeof name !== 'string' || !NAME_RE.test(name))
    throw new PluginError(`plugin name ${JSON.stringify(name)} must be "venue:<id>" or "storage:<id>"`);
  const problems: string[] = [];
  if (name.startsWith('venue:')) {
    problems.push(...missing(value, VENUE_FUNCTIONS, isFn).map((m) => `${m}()`));
    problems.push(...missing(value, VENUE_STREAMS, isObservable));
    if (value.venue !== name.slice('venue:'.length))
      problems.push(`venue (must be "${name.slice('venue:'.length)}")`);
  } else {
    problems.push(...missing(value, ['start', 'stop'], isFn).map((m) => `${m}()`));
    // A storage plugin may open its wal/snapshots/kv only in start() (a connection it owns), so their
    // members are checked once it has started.
    const groups =
      phase === 'loaded'
        ? {}
        : ({
            wal: ['acquireLease', 'append', 'read', 'lastSeq', 'trim'],
            snapshots: ['save', 'list', 'load'],
            kv: ['get', 'set', 'del'],
          } as const);
    for (const [group, fns] of Object.entries(groups)) {
      const g = value[group];
      if (!isObject(g)) problems.push(group);
      else problems.push(...missing(g, fns, isFn).map((m) => `${group}.${m}()`));
    }
  }
  if (problems.length > 0)
    throw new PluginError(`plugin ${name} is missing or has bad: ${problems.join(', ')}`);
  return value as unknown as VenuePlugin | StoragePlugin;
}

export function isVenuePlugin(p: Plugin): p is VenuePlugin {
  return p.name.startsWith('venue:');
}
export function isStoragePlugin(p: Plugin): p is StoragePlugin {
  return p.name.startsWith('storage:');
}

export interface PluginHostOptions {
  account: string;
  clock?: Clock;
  /** Parent logger; each plugin gets a child with `plugin: name` (default: silent). */
  logger?: Logger;
  /** Module loader (default: dynamic `import()`); injectable for bundlers. */
  importer?: (specifier: string) => Promise<unknown>;
}

/** Loads, validates, starts and stops plugins. */
export interface PluginHost {
  /** Resolve a spec to a validated plugin (importing the module when the spec names one). */
  load(spec: PluginSpec): Promise<VenuePlugin | StoragePlugin>;
  /** Start one plugin with its context. Idempotent per plugin object; rejects when its start rejects. */
  start<P extends Plugin>(plugin: P): Promise<P>;
  /** Plugins started so far, in start order. */
  started(): readonly Plugin[];
  /**
   * Stop every started plugin in reverse start order. A plugin's failure is logged, never thrown.
   * Idempotent: a second call returns the same promise.
   */
  stop(): Promise<void>;
}

export function createPluginHost(options: PluginHostOptions): PluginHost {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? pino({ level: 'silent' });
  const importer = options.importer ?? ((s: string) => import(s) as Promise<unknown>);
  const started: Plugin[] = [];
  // Storage plugins from load() whose wal/snapshots/kv are checked after start.
  const checkAfterStart = new WeakSet<Plugin>();
  let stopping: Promise<void> | undefined;
  const loaded = (plugin: VenuePlugin | StoragePlugin) => {
    if (isStoragePlugin(plugin)) checkAfterStart.add(plugin);
    return plugin;
  };

  return {
    async load(spec) {
      if (isObject(spec) && typeof (spec as { module?: unknown }).module === 'string') {
        const { module, config } = spec as { module: string; config?: unknown };
        let mod: unknown;
        try {
          mod = await importer(module);
        } catch (cause) {
          throw new PluginError(`cannot import plugin module ${module}`, { cause });
        }
        const factory = isObject(mod) ? mod.createPlugin : undefined;
        if (!isFn(factory))
          throw new PluginError(`plugin module ${module} does not export createPlugin(config)`);
        let plugin: unknown;
        try {
          plugin = await (factory as (c: unknown) => unknown)(config);
        } catch (cause) {
          throw new PluginError(`createPlugin of ${module} failed: ${(cause as Error)?.message ?? cause}`, {
            cause,
          });
        }
        return loaded(assertPlugin(plugin));
      }
      return loaded(assertPlugin(spec));
    },

    async start(plugin) {
      if (stopping) throw new VelozError('HOST_STOPPED', `plugin host stopped; cannot start ${plugin.name}`);
      if (started.includes(plugin)) return plugin;
      const ctx: PluginContext = {
        clock,
        logger: logger.child({ plugin: plugin.name }),
        account: options.account,
      };
      await plugin.start(ctx);
      started.push(plugin);
      if (checkAfterStart.has(plugin)) assertPlugin(plugin, 'started');
      logger.info({ plugin: plugin.name }, 'plugin started');
      return plugin;
    },

    started: () => [...started],

    stop() {
      stopping ??= (async () => {
        for (const plugin of [...started].reverse()) {
          try {
            await plugin.stop();
            logger.info({ plugin: plugin.name }, 'plugin stopped');
          } catch (err) {
            logger.error({ plugin: plugin.name, err }, 'plugin stop failed');
          }
        }
      })();
      return stopping;
    },
  };
}
