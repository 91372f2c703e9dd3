/**
 * A real urql Client for component tests whose exchange answers from wonka sources built here:
 * queries from a table of results by operation name, subscriptions from subjects the test pushes to.
 * It is a test client (no HTTP or WebSocket is involved or imitated), like urql's own test utilities.
 */
import { Client, makeErrorResult, makeResult, type Exchange, type Operation } from '@urql/core';
import { filter, fromValue, makeSubject, map, mergeMap, pipe, type Subject } from 'wonka';

type Data = Record<string, unknown>;

function operationName(op: Operation): string {
  for (const def of op.query.definitions)
    if (def.kind === 'OperationDefinition' && def.name) return def.name.value;
  return '';
}

/** The client, the subjects feeding each subscription by name, and the operations it was asked for. */
export interface TestClient {
  client: Client;
  /** Push one result to the subscription named `name` (e.g. `EngineStatusStream`). */
  push(name: string, data: Data): void;
  /** Names of the operations executed, in order (queries, mutations, subscriptions). */
  executed: string[];
  /** Variables of every executed operation, by name (last wins). */
  variables: Map<string, unknown>;
}

/**
 * `results` maps an operation name to the data it returns, or to a function of the variables.
 * Operations not listed fail with a GraphQL error naming them.
 */
export function createTestClient(results: Record<string, Data | ((vars: Data) => Data)> = {}): TestClient {
  const subjects = new Map<string, Subject<Data>>();
  const subject = (name: string) => {
    let s = subjects.get(name);
    if (!s) subjects.set(name, (s = makeSubject<Data>()));
    return s;
  };
  const executed: string[] = [];
  const variables = new Map<string, unknown>();
  const exchange: Exchange = () => (ops$) =>
    pipe(
      ops$,
      filter((op) => op.kind !== 'teardown'),
      mergeMap((op) => {
        const name = operationName(op);
        executed.push(name);
        variables.set(name, op.variables);
        if (op.kind === 'subscription') {
          return pipe(
            subject(name).source,
            map((data) => makeResult(op, { data })),
          );
        }
        const entry = results[name];
        if (entry === undefined)
          return fromValue(makeErrorResult(op, new Error(`no test result for ${name}`)));
        const data = typeof entry === 'function' ? entry((op.variables ?? {}) as Data) : entry;
        return fromValue(makeResult(op, { data }));
      }),
    );
  const client = new Client({ url: 'http://test.invalid/graphql', exchanges: [exchange] });
  return {
    client,
    push: (name, data) => subject(name).next(data),
    executed,
    variables,
  };
}
