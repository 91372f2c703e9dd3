import { Repeater } from 'graphql-yoga';
import { GraphQLError } from 'graphql';
import type { KpiSample } from '../services/kpis';
import { builder } from './builder';

const KpiRef = builder.objectRef<KpiSample>('KpiSample').implement({
  description:
    'One engine KPI sample (published once a second); `data` is the sample as the engine wrote it.',
  fields: (t) => ({
    id: t.exposeString('id'),
    at: t.exposeFloat('at', { description: 'Epoch ms.' }),
    data: t.expose('data', { type: 'JSON' }),
  }),
});

builder.queryFields((t) => ({
  kpis: t.field({
    type: [KpiRef],
    description: 'The newest KPI samples, newest first (`last` at most 3600).',
    args: { last: t.arg.int({ required: false, defaultValue: 60 }) },
    resolve: (_r, args, ctx) => {
      const last = args.last ?? 60;
      if (last < 1 || last > 3600)
        throw new GraphQLError('last must be between 1 and 3600', { extensions: { code: 'BAD_USER_INPUT' } });
      return ctx.services.kpis.latest(last);
    },
  }),
}));

builder.subscriptionFields((t) => ({
  kpis: t.field({
    type: KpiRef,
    description:
      'The newest KPI sample every `intervalMs` (250-60000, default 1000), when there is a new one.',
    args: { intervalMs: t.arg.int({ required: false, defaultValue: 1000 }) },
    subscribe: (_r, args, ctx) => {
      const interval = args.intervalMs ?? 1000;
      if (interval < 250 || interval > 60_000)
        throw new GraphQLError('intervalMs must be between 250 and 60000', {
          extensions: { code: 'BAD_USER_INPUT' },
        });
      return new Repeater<KpiSample>(async (push, stop) => {
        let lastId: string | undefined;
        const tick = async () => {
          try {
            const [sample] = await ctx.services.kpis.latest(1);
            if (sample && sample.id !== lastId) {
              lastId = sample.id;
              await push(sample);
            }
          } catch {
            // Redis unreachable: try again at the next tick.
          }
        };
        void tick();
        const timer = setInterval(() => void tick(), interval);
        await stop;
        clearInterval(timer);
      });
    },
    resolve: (s) => s,
  }),
}));
