import { Subject, type Observable } from 'rxjs';
import type { Order, OrderEvent } from '../domain/order';
import type { ConnectionStatus, ExecutionReport, MarketTick } from '../plugins/venue';

/** An order event after it was journaled (at `seq`) and applied: `order` is the order as it now is. */
export interface EngineEvent {
  seq: number;
  event: OrderEvent;
  order: Order;
}

/** Market data and executions carry the id of the venue they came from. */
export type VenueTick = MarketTick & { venue: string };
export type VenueExecution = ExecutionReport & { venue: string };
export interface VenueConnection {
  venue: string;
  status: ConnectionStatus;
}

/**
 * The engine's typed event bus. Subjects stay inside; consumers get Observables, publishers (the
 * engine) get the `publish*` functions. All streams are hot and complete on `complete()`.
 */
export interface EventBus {
  /** Journaled and applied order events, in WAL order. */
  readonly orderEvents$: Observable<EngineEvent>;
  /** Price updates from every venue. */
  readonly marketData$: Observable<VenueTick>;
  /** Raw execution reports from every venue, before they are journaled. */
  readonly executions$: Observable<VenueExecution>;
  /** Venue connection status changes. */
  readonly connections$: Observable<VenueConnection>;
  publishOrderEvent(e: EngineEvent): void;
  publishMarketData(t: VenueTick): void;
  publishExecution(x: VenueExecution): void;
  publishConnection(c: VenueConnection): void;
  /** Complete every stream. Idempotent; publishing afterwards is a no-op. */
  complete(): void;
}

export function createEventBus(): EventBus {
  const orderEvents = new Subject<EngineEvent>();
  const marketData = new Subject<VenueTick>();
  const executions = new Subject<VenueExecution>();
  const connections = new Subject<VenueConnection>();
  const all = [orderEvents, marketData, executions, connections];
  return {
    orderEvents$: orderEvents.asObservable(),
    marketData$: marketData.asObservable(),
    executions$: executions.asObservable(),
    connections$: connections.asObservable(),
    publishOrderEvent: (e) => orderEvents.next(e),
    publishMarketData: (t) => marketData.next(t),
    publishExecution: (x) => executions.next(x),
    publishConnection: (c) => connections.next(c),
    complete() {
      for (const s of all) s.complete();
    },
  };
}
