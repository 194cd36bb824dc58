import { CORE_ERROR_CODES } from '../event/tidemark-error.js';
import { ComponentRegistry, type Connector } from '../runtime/component-registry.js';
import { ErrorCodeRegistry } from '../runtime/error-code-registry.js';
import { duckDbConnector } from './duckdb/index.js';
import { kafkaConnector } from './kafka/index.js';
import { mysqlConnector } from './mysql/index.js';

/** Every built-in connector; each folder's `index.ts` loads only its option schemas. */
export const BUILT_IN_CONNECTORS: readonly Connector[] = [mysqlConnector, duckDbConnector, kafkaConnector];

/** A registry of every built-in component, by its `type`. */
export function createDefaultRegistry(): ComponentRegistry {
  const registry = new ComponentRegistry();
  for (const c of BUILT_IN_CONNECTORS) registry.register(c);
  return registry;
}

/** Every error code of the core and the built-in connectors, with owner and meaning. */
export function createErrorCodeRegistry(): ErrorCodeRegistry {
  const registry = new ErrorCodeRegistry().add(CORE_ERROR_CODES);
  for (const c of BUILT_IN_CONNECTORS) if (c.errors) registry.add(c.errors);
  return registry;
}
