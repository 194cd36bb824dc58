import { LineCounter, parseDocument } from 'yaml';

/**
 * Where `${NAME}` values come from: the --secrets file first (flattened to dotted names, so
 * `secret_values: {mysql: {password: x}}` answers `${secret_values.mysql.password}`), then the
 * environment. Values from the secrets file are secrets: they never appear in logs or errors.
 */
export interface VariableSource {
  lookup(name: string): { value: string; secret: boolean } | undefined;
}

export function variableSource(env: NodeJS.ProcessEnv, secrets: Record<string, string> = {}): VariableSource {
  return {
    lookup(name) {
      if (Object.hasOwn(secrets, name)) return { value: secrets[name]!, secret: true };
      const v = env[name] ?? env[environmentName(name)];
      return v === undefined ? undefined : { value: v, secret: /pass|secret|token|key/i.test(name) };
    },
  };
}

/**
 * The environment variable that answers `${name}`: the name itself when a shell can export it,
 * else its shell form (`secret_values.mysql.password` → `SECRET_VALUES_MYSQL_PASSWORD`).
 */
export function environmentName(name: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return name;
  const shell = name.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
  return /^[0-9]/.test(shell) ? `_${shell}` : shell;
}

/**
 * Flattens a parsed secrets file (YAML or JSON) into dotted names; a YAML error throws
 * `line:column: message` (the caller adds the file).
 */
export function parseSecretsFile(text: string): Record<string, string> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const error = doc.errors[0];
  if (error) {
    const pos = lines.linePos(error.pos[0]);
    throw new Error(`${pos.line}:${pos.col}: ${error.message.split('\n')[0]}`);
  }
  const data: unknown = doc.toJS();
  const out: Record<string, string> = {};
  const walk = (v: unknown, prefix: string): void => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k, x] of Object.entries(v)) walk(x, prefix ? `${prefix}.${k}` : k);
    } else if (prefix) {
      out[prefix] = v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
    }
  };
  walk(data, '');
  return out;
}

export interface SubstitutionResult {
  readonly value: string;
  readonly missing: readonly string[];
  readonly secretValues: readonly string[];
}

/** Replaces every `${NAME}` in `text`; `$${` stays a literal `${`. */
export function substituteVariables(text: string, source: VariableSource): SubstitutionResult {
  if (!text.includes('${')) return { value: text, missing: [], secretValues: [] };
  const missing: string[] = [];
  const secretValues: string[] = [];
  const value = text.replace(/\$?\$\{([^}]+)\}/g, (whole, name: string) => {
    if (whole.startsWith('$$')) return whole.slice(1);
    const found = source.lookup(name.trim());
    if (!found) {
      missing.push(name.trim());
      return whole;
    }
    if (found.secret) secretValues.push(found.value);
    return found.value;
  });
  return { value, missing, secretValues };
}
