import { Kind, visit, type DocumentNode, type OperationDefinitionNode } from 'graphql';

/** Root fields whose subscriptions the fan-out delivers. */
const FANOUT_FIELDS = new Set(['orderEvents']);

const rootArgVarsCache = new Map<string, Set<string>>();
const CACHE_MAX = 1000;

/**
 * The fan-out group of a subscription, or undefined when it is not fanned out. Subscribers in one group
 * get byte-identical `payload`s for the same event, so the key holds what shapes the result: the document
 * text, the operation name and every variable except those used only as arguments of the root field
 * (`after`, `clientOrderId`, `symbol` choose which events a member gets, not what an event looks like).
 * The principal is not in the key: the fields under `OrderEvent` resolve the same for every role.
 */
export function fanoutGroupKey(
  query: string,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | null | undefined,
): string | undefined {
  const selections = operation.selectionSet.selections;
  const root = selections[0];
  if (selections.length !== 1 || root?.kind !== Kind.FIELD || !FANOUT_FIELDS.has(root.name.value))
    return undefined;
  const cacheKey = `${operation.name?.value ?? ''}\0${query}`;
  let rootOnly = rootArgVarsCache.get(cacheKey);
  if (!rootOnly) {
    rootOnly = rootOnlyVariables(document, root.arguments?.flatMap((a) => varName(a.value)) ?? []);
    if (rootArgVarsCache.size >= CACHE_MAX) rootArgVarsCache.delete(rootArgVarsCache.keys().next().value!);
    rootArgVarsCache.set(cacheKey, rootOnly);
  }
  const shaping: Record<string, unknown> = {};
  for (const name of Object.keys(variables ?? {}).sort())
    if (!rootOnly.has(name)) shaping[name] = variables![name];
  return `${cacheKey}\0${JSON.stringify(shaping)}`;
}

function varName(value: { kind: Kind; name?: { value: string } }): string[] {
  return value.kind === Kind.VARIABLE && value.name ? [value.name.value] : [];
}

/** Variables used as root-field arguments and nowhere else in the document. */
function rootOnlyVariables(document: DocumentNode, rootArgVars: string[]): Set<string> {
  const uses = new Map<string, number>();
  visit(document, {
    VariableDefinition: () => false,
    Variable: (node) => {
      uses.set(node.name.value, (uses.get(node.name.value) ?? 0) + 1);
    },
  });
  const rootUses = new Map<string, number>();
  for (const v of rootArgVars) rootUses.set(v, (rootUses.get(v) ?? 0) + 1);
  return new Set([...rootUses].filter(([v, n]) => uses.get(v) === n).map(([v]) => v));
}
