import { dirname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ColumnType, Value } from '../event/column-type.js';
import { TidemarkError, errorMessage } from '../event/tidemark-error.js';
import type { PipelineSpec } from '../pipeline-spec/pipeline-spec.js';
import { parseExpression, type UserFunction } from './expression/index.js';
import { transformOperatorFromSpec, type TransformOperator } from './transform-operator.js';

type UdfSpec = PipelineSpec['pipeline']['user-defined-function'][number];

/** The pipeline's transform operator with its user functions loaded (`pipeline.user-defined-function`). */
export async function loadTransform(spec: PipelineSpec): Promise<TransformOperator | undefined> {
  const udfs = spec.pipeline['user-defined-function'];
  const functions: Record<string, UserFunction> = {};
  for (const u of udfs) functions[u.name] = await loadUserFunction(u, spec.origin);
  return transformOperatorFromSpec(spec, udfs.length ? functions : undefined);
}

/**
 * Loads one user function: `classpath` is `module[#export]`, relative to the pipeline file. The
 * export is a function (its `return-type` given in the YAML) or an object like Flink CDC's
 * UserDefinedFunction: `eval(...args)`, `returnType` (a type text or a ColumnType) and an optional
 * `open()`, awaited here.
 */
async function loadUserFunction(u: UdfSpec, origin: string): Promise<UserFunction> {
  const [path, exportName] = u.classpath.split('#') as [string, string | undefined];
  const file = isAbsolute(path) ? path : resolve(dirname(origin), path);
  const fail = (why: string): TidemarkError =>
    new TidemarkError('CONFIG_INVALID', `pipeline.user-defined-function ${u.name} (${u.classpath}): ${why}`);
  let mod: Record<string, unknown>;
  try {
    if (/\.[mc]?ts$/.test(file)) (await import('tsx/esm/api')).register();
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (e) {
    throw fail(`cannot load ${file}: ${errorMessage(e)}`);
  }
  const ex = exportName !== undefined ? mod[exportName] : (mod[u.name] ?? mod.default);
  if (typeof ex === 'function') {
    if (!u['return-type'])
      throw fail('a function export needs `return-type` (e.g. INT, STRING, DECIMAL(10, 2))');
    return { fn: ex as (...args: Value[]) => Value, returnType: typeText(u['return-type'], fail) };
  }
  if (ex && typeof ex === 'object' && typeof (ex as { eval?: unknown }).eval === 'function') {
    const obj = ex as { eval: (...a: Value[]) => Value; returnType?: unknown; open?: () => unknown };
    const declared = u['return-type'] ?? obj.returnType;
    if (declared === undefined) throw fail('the object has no `returnType` (and the YAML no `return-type`)');
    await obj.open?.();
    return {
      fn: (...args) => obj.eval(...args),
      returnType: typeof declared === 'string' ? typeText(declared, fail) : (declared as ColumnType),
    };
  }
  throw fail(
    `${exportName ?? `${u.name} or default`} is not exported as a function or an object with eval() by ${file}`,
  );
}

/** A type written as in CAST (`INT`, `DECIMAL(10, 2)`, `VARCHAR(20)`, `TIMESTAMP(3)`). */
function typeText(text: string, fail: (why: string) => TidemarkError): ColumnType {
  try {
    const e = parseExpression({ text: `CAST(NULL AS ${text})` });
    if (e.kind === 'cast') return e.target.type;
  } catch (err) {
    throw fail(`return-type ${text}: ${errorMessage(err)}`);
  }
  throw fail(`return-type ${text} is not a type`);
}
