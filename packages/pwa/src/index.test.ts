// @vitest-environment node
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cacheControlFor, isSpaRoute, pwaDistDir } from './index';

describe('serving helpers', () => {
  it('falls back to the shell for app routes only', () => {
    expect(isSpaRoute('/')).toBe(true);
    expect(isSpaRoute('/orders/abc-1')).toBe(true);
    expect(isSpaRoute('/graphql')).toBe(false);
    expect(isSpaRoute('/graphql?query=x')).toBe(false);
    expect(isSpaRoute('/api/health')).toBe(false);
    expect(isSpaRoute('/metrics')).toBe(false);
    expect(isSpaRoute('/assets/index-abc.js')).toBe(false);
    expect(isSpaRoute('/apiary')).toBe(true);
  });
  it('caches hashed assets forever and revalidates the shell and the worker', () => {
    expect(cacheControlFor('/assets/index-abc.js')).toContain('immutable');
    expect(cacheControlFor('/sw.js')).toBe('no-cache');
    expect(cacheControlFor('/index.html')).toBe('no-cache');
    expect(cacheControlFor('/manifest.webmanifest')).toBe('no-cache');
  });
  it('points at the package dist folder', () => {
    expect(pwaDistDir.endsWith('/packages/pwa/dist')).toBe(true);
    expect(existsSync(new URL('../package.json', `file://${pwaDistDir}/`))).toBe(true);
  });
});
