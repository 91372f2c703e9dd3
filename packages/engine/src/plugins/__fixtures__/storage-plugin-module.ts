// A plugin module following the loading convention: it exports createPlugin(config).
import { createMemoryStorage } from '../../testing/memory-storage';

export function createPlugin(config: { name?: string }) {
  return createMemoryStorage({ name: config.name ?? 'storage:fixture' });
}
