import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import type { ApiContext } from '../context';

/**
 * The one Pothos builder. Decimals are canonical strings (`Decimal`), times are epoch milliseconds
 * (`Float`), free-form engine data is `JSON`.
 */
export const builder = new SchemaBuilder<{
  Context: ApiContext;
  Scalars: {
    Decimal: { Input: string; Output: string };
    JSON: { Input: unknown; Output: unknown };
  };
  DefaultFieldNullability: false;
}>({
  plugins: [ErrorsPlugin],
  defaultFieldNullability: false,
  errors: { defaultTypes: [] },
});

builder.queryType({ description: 'Reads, served from the WAL projection in memory.' });
builder.mutationType({ description: 'Commands to the engine; each answers with a typed result union.' });
builder.subscriptionType({ description: 'Live streams over graphql-ws (or SSE).' });

builder.scalarType('Decimal', {
  description: 'A decimal number as a canonical string ("0.5", "27000"); inputs also accept numbers.',
  serialize: (v) => String(v),
  parseValue: (v) => {
    if (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) return String(v);
    throw new TypeError('Decimal must be a string or a number');
  },
});

builder.scalarType('JSON', {
  description: 'Arbitrary JSON (engine KPI samples, recovery figures).',
  serialize: (v) => v,
  parseValue: (v) => v,
});
