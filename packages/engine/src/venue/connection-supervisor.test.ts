import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectionStatus } from '../plugins/venue';
import { createConnectionSupervisor, type ConnectionSupervisor } from './connection-supervisor';

/** A real TCP server we can take down and bring back on the same port. */
class TinyServer {
  server: net.Server | undefined;
  readonly sockets = new Set<net.Socket>();
  port = 0;

  async listen(port = 0): Promise<void> {
    const server = net.createServer((s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => undefined);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

interface TcpConn {
  socket: net.Socket;
  disconnect(): void;
}

function tcpConnect(port: number, onClose: (c: TcpConn, err?: Error) => void) {
  return (signal: AbortSignal) =>
    new Promise<TcpConn>((resolve, reject) => {
      const socket = net.connect({ port, host: '127.0.0.1' });
      const conn: TcpConn = { socket, disconnect: () => void socket.destroy() };
      let lastErr: Error | undefined;
      socket.once('connect', () => {
        socket.removeListener('error', reject);
        socket.on('error', (e) => (lastErr = e));
        socket.on('close', () => onClose(conn, lastErr));
        resolve(conn);
      });
      socket.once('error', reject);
      signal.addEventListener('abort', () => socket.destroy(), { once: true });
    });
}

async function waitFor(pred: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const backoff = { initialMs: 10, maxMs: 40, multiplier: 2, jitter: 'full' as const };

describe('createConnectionSupervisor (real TCP)', () => {
  const servers: TinyServer[] = [];
  const supervisors: ConnectionSupervisor<TcpConn>[] = [];
  afterEach(async () => {
    await Promise.all(supervisors.splice(0).map((s) => s.stop()));
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('connects, reconnects after the server drops, counts the reconnect', async () => {
    const server = new TinyServer();
    servers.push(server);
    await server.listen();
    const port = server.port;
    let now = 1_000;
    const sup = createConnectionSupervisor<TcpConn>({
      connect: tcpConnect(port, (c, err) => sup.notifyLost(err ?? new Error('socket closed'), c)),
      backoff,
      clock: { now: () => now },
    });
    supervisors.push(sup);
    const seen: ConnectionStatus[] = [];
    sup.connection$.subscribe((s) => seen.push(s));
    expect(sup.status().state).toBe('DISCONNECTED');

    sup.start();
    const first = await sup.connected(5_000);
    expect(first.socket.remotePort).toBe(port);
    expect(sup.status()).toMatchObject({ state: 'CONNECTED', reconnectCount: 0, lastConnectedAt: 1_000 });

    now = 2_000;
    await server.close(); // drop every socket and refuse new ones
    await waitFor(() => sup.status().state === 'RECONNECTING', 'RECONNECTING');
    // while the port refuses, attempts fail and the error is recorded
    await waitFor(() => /ECONNREFUSED/.test(sup.status().lastError ?? ''), 'ECONNREFUSED recorded');
    expect(sup.status().state).toBe('RECONNECTING');
    expect(sup.current()).toBeUndefined();

    await server.listen(port);
    const second = await sup.connected(5_000);
    expect(second).not.toBe(first);
    expect(sup.status()).toMatchObject({ state: 'CONNECTED', reconnectCount: 1, lastConnectedAt: 2_000 });
    await waitFor(() => server.sockets.size === 1, 'server sees one client');

    const states = seen.map((s) => s.state);
    expect(states[0]).toBe('DISCONNECTED');
    expect(states).toContain('CONNECTING');
    expect(states.indexOf('RECONNECTING')).toBeGreaterThan(states.indexOf('CONNECTED'));
    expect(states.at(-1)).toBe('CONNECTED');

    // a second loss is counted again
    for (const s of server.sockets) s.destroy();
    await waitFor(() => sup.status().reconnectCount === 2, 'second reconnect');
    expect(sup.status().state).toBe('CONNECTED');
  });

  it('keeps retrying while the first connect is refused, then connects without counting a reconnect', async () => {
    const server = new TinyServer();
    servers.push(server);
    await server.listen();
    const port = server.port;
    await server.close();
    let attempts = 0;
    const connect = tcpConnect(port, (c, err) => sup.notifyLost(err, c));
    const sup = createConnectionSupervisor<TcpConn>({
      connect: (signal) => {
        attempts++;
        return connect(signal);
      },
      backoff,
    });
    supervisors.push(sup);
    sup.start();
    await waitFor(() => attempts >= 3, 'three refused attempts');
    expect(sup.status().state).toBe('CONNECTING');
    expect(sup.status().lastError).toMatch(/ECONNREFUSED/);
    await server.listen(port);
    await sup.connected(5_000);
    expect(sup.status().reconnectCount).toBe(0);
  });

  it('stop() is idempotent, aborts the pending retry, disconnects and completes connection$', async () => {
    const server = new TinyServer();
    servers.push(server);
    await server.listen();
    let attempts = 0;
    const connect = tcpConnect(server.port, (c, err) => sup.notifyLost(err, c));
    const sup = createConnectionSupervisor<TcpConn>({
      connect: (signal) => {
        attempts++;
        return connect(signal);
      },
      backoff: { initialMs: 60_000, maxMs: 60_000, multiplier: 1, jitter: 'none' },
    });
    let completed = false;
    sup.connection$.subscribe({ complete: () => (completed = true) });
    sup.start();
    await sup.connected(5_000);
    await waitFor(() => server.sockets.size === 1, 'client connected');
    sup.notifyLost(new Error('heartbeat missed'));
    expect(sup.status()).toMatchObject({ state: 'RECONNECTING', lastError: 'heartbeat missed' });
    await waitFor(() => server.sockets.size === 0, 'old socket closed by supervisor');

    const stopping = sup.stop();
    expect(sup.stop()).toBe(stopping);
    await stopping;
    expect(sup.status().state).toBe('DISCONNECTED');
    expect(completed).toBe(true);
    expect(attempts).toBe(1); // the 60 s retry never ran
    await expect(sup.connected()).rejects.toMatchObject({ code: 'NOT_CONNECTED' });
    sup.start(); // no-op after stop
    expect(sup.status().state).toBe('DISCONNECTED');
  });

  it('ignores a loss reported by a stale connection', async () => {
    const server = new TinyServer();
    servers.push(server);
    await server.listen();
    const sup = createConnectionSupervisor<TcpConn>({
      connect: tcpConnect(server.port, () => undefined),
      backoff,
    });
    supervisors.push(sup);
    sup.start();
    const c = await sup.connected(5_000);
    sup.notifyLost(new Error('old'), { socket: c.socket, disconnect: () => undefined });
    expect(sup.status().state).toBe('CONNECTED');
    expect(sup.current()).toBe(c);
  });

  it('times out a hanging connect attempt and retries', async () => {
    let attempts = 0;
    const sup = createConnectionSupervisor<TcpConn>({
      connect: (signal) => {
        attempts++;
        return new Promise<TcpConn>((_, reject) => {
          signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        });
      },
      backoff,
      connectTimeoutMs: 20,
    });
    supervisors.push(sup);
    sup.start();
    await waitFor(() => attempts >= 2, 'second attempt after timeout');
    expect(sup.status().lastError).toMatch(/timed out/);
    await expect(sup.connected(30)).rejects.toMatchObject({ code: 'NOT_CONNECTED' });
  });
});
