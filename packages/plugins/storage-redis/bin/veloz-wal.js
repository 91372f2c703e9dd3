#!/usr/bin/env node
// veloz-wal: inspect, verify, replay and compact an account's WAL. Runs the TypeScript CLI through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
