import type { ServerResponse } from 'node:http';
import type { ApiServices } from '../context';
import { computeHealth } from '../services/health';
import { apiMetricsOf, renderMetrics } from './metrics';
import { sendJson } from './respond';

/**
 * The REST endpoints beside GraphQL. All public (no token): they reveal states and counts only.
 * Returns false when `path` is not one of them.
 */
export function handleRest(
  services: ApiServices,
  method: string,
  path: string,
  res: ServerResponse,
): boolean {
  if (path !== '/healthz' && path !== '/readyz' && path !== '/api/health' && path !== '/metrics')
    return false;
  // The path is one of four fixed routes: a bounded label.
  const done = apiMetricsOf(services).startHttpTimer(method, path);
  res.once('finish', () => done(res.statusCode));
  if (method !== 'GET' && method !== 'HEAD') {
    sendJson(res, 405, { error: 'method not allowed' }, { allow: 'GET, HEAD' });
    return true;
  }
  if (path === '/metrics') {
    renderMetrics(services).then(
      (text) => {
        res.writeHead(200, {
          'content-type': 'text/plain; version=0.0.4; charset=utf-8',
          'cache-control': 'no-store',
        });
        res.end(text);
      },
      () => sendJson(res, 500, { error: 'metrics unavailable' }),
    );
    return true;
  }
  if (path === '/healthz') {
    // Liveness: the process answers. Nothing else is checked on purpose (a Redis outage must not
    // make an orchestrator restart every replica).
    sendJson(res, 200, { ok: true });
    return true;
  }
  if (path === '/readyz') {
    const replayed = services.projection.status().replayed;
    const redis = services.redis.status === 'ready';
    const ready = replayed && redis;
    sendJson(res, ready ? 200 : 503, { ready, replayed, redis: { connected: redis } });
    return true;
  }
  const health = computeHealth(services);
  sendJson(res, health.ok ? 200 : 503, health);
  return true;
}
