import { formatColumnType, type Value } from '../../event/column-type.js';
import { errorMessage } from '../../event/tidemark-error.js';
import { didYouMean } from '../../pipeline-spec/did-you-mean.js';
import type { CompileScope } from './compile-scope.js';
import { STRING, typeName, type Compiled, type Evaluator } from './expression-types.js';
import { builtinFunction, builtinFunctionNames, UNSUPPORTED_FUNCTIONS } from './function-table.js';
import { userFunctionResult } from './user-function-result.js';

/** A call of a built-in or user-defined function (user functions win over built-ins of the same name). */
export function callFunction(
  name: string,
  pos: number,
  args: readonly Compiled[],
  scope: CompileScope,
): Compiled {
  const udf = findUserFunction(name, scope);
  if (udf) return callUserFunction(udf[0], udf[1], pos, args, scope);
  const builtin = builtinFunction(name);
  if (builtin?.compile) return builtin.compile({ name: builtin.name, pos, args, scope });
  const upper = name.toUpperCase();
  const why = UNSUPPORTED_FUNCTIONS[upper];
  if (why)
    throw scope.fail(
      pos,
      `${upper} is not supported yet (it ${why}, and tidemark has no such column type yet)`,
    );
  const known = [...builtinFunctionNames(), ...scope.userFunctions.keys()];
  throw scope.fail(
    pos,
    `calls an unknown function ${name}${didYouMean(name, known)}; register your own under pipeline.user-defined-function`,
  );
}

function findUserFunction(
  name: string,
  scope: CompileScope,
): [string, NonNullable<ReturnType<CompileScope['userFunctions']['get']>>] | undefined {
  const exact = scope.userFunctions.get(name);
  if (exact) return [name, exact];
  for (const [k, f] of scope.userFunctions) if (k.toLowerCase() === name.toLowerCase()) return [k, f];
  return undefined;
}

function callUserFunction(
  name: string,
  udf: NonNullable<ReturnType<CompileScope['userFunctions']['get']>>,
  pos: number,
  args: readonly Compiled[],
  scope: CompileScope,
): Compiled {
  const argTypes = args.map((a) => {
    if (a.type.kind === 'interval' || a.type.kind === 'symbol')
      throw scope.fail(a.pos, `${name} cannot take ${typeName(a.type)}`);
    return a.type.kind === 'null' ? STRING : a.type;
  });
  const type = typeof udf.returnType === 'function' ? udf.returnType(argTypes) : udf.returnType;
  const evals = args.map((a) => a.eval);
  const fn = udf.fn;
  const check = userFunctionResult(type);
  const evaluate: Evaluator = (row, ctx) => {
    const values: Value[] = evals.map((e) => e(row, ctx));
    let result: Value;
    try {
      result = fn(...values);
    } catch (e) {
      throw scope.runtimeError(pos, `user-defined function ${name} failed: ${errorMessage(e)}`);
    }
    const checked = check(result);
    if (checked !== null && typeof checked === 'object' && 'wrong' in checked)
      throw scope.runtimeError(
        pos,
        `user-defined function ${name} returned ${checked.wrong} (its return type is ${formatColumnType(type)})`,
      );
    return checked;
  };
  scope.volatile = true;
  return { type, nullable: udf.nullable ?? true, eval: evaluate, constant: false, pos };
}
