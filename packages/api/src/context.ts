import type { Redis } from 'ioredis';
import type { ApiMetrics } from '@veloz/metrics';
import type { Logger } from 'pino';
import type { Principal } from './auth';
import type { ApiConfig } from './config';
import type { Projection } from './projection/projection';
import type { HeartbeatMonitor } from './services/heartbeat';
import type { KpiReader } from './services/kpis';
import type { OrderService } from './services/order-service';
import type { ReportReader } from './services/reconciliation';

/** Everything a resolver or REST handler may use; one set per API process. */
export interface ApiServices {
  config: ApiConfig;
  /** General-purpose Redis connection (reads of KPIs, reports, WAL head). */
  redis: Redis;
  projection: Projection;
  heartbeat: HeartbeatMonitor;
  kpis: KpiReader;
  reports: ReportReader;
  orders: OrderService;
  logger: Logger;
  /** Epoch ms when this process started. */
  startedAt: number;
  /** This replica's Prometheus registry (`@veloz/metrics`); created on first `/metrics` when absent. */
  metrics?: ApiMetrics;
}

/** The GraphQL context: who is calling (set by the HTTP or WebSocket authentication) and the services. */
export interface ApiContext {
  principal: Principal | undefined;
  services: ApiServices;
}
