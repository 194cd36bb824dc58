import { ComponentRegistry, type Connector } from '../runtime/component-registry.js';
import { duckDbConnector } from './duckdb/index.js';
import { mysqlConnector } from './mysql/index.js';

/** Every built-in connector; each folder's `index.ts` loads only its option schemas. */
export const BUILT_IN_CONNECTORS: readonly Connector[] = [mysqlConnector, duckDbConnector];

/** A registry of every built-in component, by its `type`. */
export function createDefaultRegistry(): ComponentRegistry {
  const registry = new ComponentRegistry();
  for (const c of BUILT_IN_CONNECTORS) registry.register(c);
  return registry;
}
