import { builder } from './builder';
import './errors';
import './orders';
import './engine';
import './kpis';
import './reconciliation';

/** The API's GraphQL schema, built once from the per-domain files. */
export const schema = builder.toSchema();
