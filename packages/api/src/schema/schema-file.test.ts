import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildSchema } from 'graphql';
import { describe, expect, it } from 'vitest';

const pkg = fileURLToPath(new URL('../..', import.meta.url));
const schemaFile = path.join(pkg, 'schema.graphql');
const run = (...args: string[]) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/bin/print-schema.ts', ...args], { cwd: pkg })
    .then((r) => ({ code: 0, ...r }))
    .catch((e: { code: number; stdout: string; stderr: string }) => e);

describe('schema.graphql', () => {
  it('is the SDL generated from the code (run `npm run schema -w @veloz/api` after schema changes)', async () => {
    const r = await run('--check');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('--check fails on a drifted copy and names the fix', async () => {
    const copy = path.join(mkdtempSync(path.join(tmpdir(), 'veloz-schema-')), 'schema.graphql');
    writeFileSync(copy, readFileSync(schemaFile, 'utf8').replace('placeOrder', 'placeOrderX'));
    const r = await run('--check', '--file', copy);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('npm run schema');
  });

  it('is a valid schema with the public operations', () => {
    const s = buildSchema(readFileSync(schemaFile, 'utf8'));
    expect(Object.keys(s.getQueryType()!.getFields())).toEqual(
      expect.arrayContaining(['health', 'engine', 'venues', 'orders', 'order', 'kpis', 'kpiHistory', 'wal']),
    );
    expect(Object.keys(s.getMutationType()!.getFields())).toEqual(
      expect.arrayContaining(['placeOrder', 'cancelOrder', 'runReconciliation']),
    );
    expect(Object.keys(s.getSubscriptionType()!.getFields())).toEqual(
      expect.arrayContaining(['orderEvents', 'kpis', 'engineStatus', 'reconciliationEvents']),
    );
  });
});
