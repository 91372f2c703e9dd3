import { Repeater } from 'graphql-yoga';
import type { ProjectedEvent } from './event-log';
import type { Projection } from './projection';

/** Which events one `orderEvents` subscriber gets: everything when a field is unset. */
export interface OrderEventFilter {
  clientOrderId?: string | null | undefined;
  symbol?: string | null | undefined;
}

/**
 * One `orderEvents` subscriber's source stream: the projection's events with seq > `cursor` that match
 * `filter`, in WAL order, never completing on its own. Lazy: nothing runs until it is iterated, so the
 * graphql-ws fan-out (src/ws) can take `cursor` and `matches` and deliver through a shared group instead;
 * other transports (SSE over HTTP) iterate it directly.
 */
export class OrderEventStream implements AsyncIterable<ProjectedEvent> {
  constructor(
    readonly projection: Projection,
    /** Events with seq > cursor are delivered. */
    readonly cursor: number,
    readonly filter: OrderEventFilter,
  ) {}

  matches(e: ProjectedEvent): boolean {
    const { clientOrderId, symbol } = this.filter;
    return (
      (!clientOrderId || e.event.clientOrderId === clientOrderId) && (!symbol || e.order.symbol === symbol)
    );
  }

  [Symbol.asyncIterator](): AsyncIterator<ProjectedEvent> {
    const { projection } = this;
    let cursor = this.cursor;
    return new Repeater<ProjectedEvent>(async (push, stop) => {
      let stopped = false;
      void stop.then(() => (stopped = true));
      while (!stopped) {
        const next = projection.nextBatch();
        let batch: ProjectedEvent[];
        try {
          batch = projection.eventsAfter(cursor, 500);
        } catch (err) {
          stop(err);
          return;
        }
        for (const e of batch) {
          cursor = e.seq;
          if (this.matches(e)) await push(e);
        }
        if (batch.length === 0) await Promise.race([next, stop]);
      }
    });
  }
}
