import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node, Pair, Scalar, YAMLMap } from 'yaml';
import type { z } from 'zod';
import { TidemarkError } from '../event/tidemark-error.js';
import { didYouMean } from './did-you-mean.js';
import { optionNamesOf, prefixMapOptionsOf, secretValuesOf } from './option-types.js';
import type {
  ComponentCatalog,
  ComponentDescriptor,
  ComponentSpec,
  PipelineOptions,
  PipelineSpec,
  RouteRule,
  TextPosition,
  TransformRule,
} from './pipeline-spec.js';
import { pipelineOptionsSchema, routeRuleSchema, transformRuleSchema } from './pipeline-spec.js';
import { environmentName, substituteVariables, type VariableSource } from './variable-substitution.js';

export interface SpecProblem {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/** Thrown with every problem found in a pipeline definition, each with file:line:column. */
export class PipelineSpecError extends TidemarkError {
  readonly problems: readonly SpecProblem[];
  constructor(problems: readonly SpecProblem[]) {
    super(
      'CONFIG_INVALID',
      `${problems.length} problem${problems.length === 1 ? '' : 's'} in the pipeline definition:\n` +
        problems.map((p) => `  ${p.file}:${p.line}:${p.column}: ${p.message}`).join('\n'),
      { details: { problems } },
    );
    this.problems = problems;
  }
}

export interface LoadOptions {
  readonly catalog: ComponentCatalog;
  readonly variables: VariableSource;
  /**
   * More checks that need no server (regexes, expressions, time zones), run on the blocks that
   * parsed; their problems are reported with the others, at the YAML node of their `path`.
   */
  readonly check?: SpecChecker;
  /**
   * Where a placeholder that is not defined can be given (after "export NAME=… "); default: the
   * environment or the file given with --secrets (`run`, `validate`).
   */
  readonly undefinedVariableHint?: (name: string, environmentName: string) => string;
}

/** The blocks of a pipeline definition that parsed (a block with problems is absent). */
export interface ParsedBlocks {
  readonly origin: string;
  readonly source?: ComponentSpec;
  readonly sink?: ComponentSpec;
  readonly routes?: readonly RouteRule[];
  readonly transforms?: readonly TransformRule[];
  readonly transformPositions: PipelineSpec['transformPositions'];
  readonly pipeline?: PipelineOptions;
}

/** A problem found by a SpecChecker: at a YAML path (`['route', 0, 'source-table']`) or a position. */
export interface CheckProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
  /** Where exactly, when inside the value (an expression's own line and column). */
  readonly line?: number;
  readonly column?: number;
}

export type SpecChecker = (blocks: ParsedBlocks) => readonly CheckProblem[];

const TOP_LEVEL = ['source', 'sink', 'route', 'transform', 'pipeline'] as const;

type Path = readonly (string | number)[];

/** Parses and validates a Flink CDC pipeline YAML text; throws PipelineSpecError with all problems. */
export function loadPipelineYaml(text: string, file: string, options: LoadOptions): PipelineSpec {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const problems: SpecProblem[] = [];
  const at = (offset: number | undefined, message: string): void => {
    const pos = lineCounter.linePos(offset ?? 0);
    problems.push({ file, line: pos.line, column: pos.col, message });
  };

  for (const e of doc.errors) at(e.pos[0], e.message.split('\n')[0] ?? e.message);
  if (problems.length > 0) throw new PipelineSpecError(problems);

  const root = doc.contents;
  if (!isMap(root)) {
    at(
      root?.range?.[0],
      'a pipeline definition is a mapping with the blocks source, sink, route, transform, pipeline',
    );
    throw new PipelineSpecError(problems);
  }

  // ${NAME} substitution on scalar values, in place, so that positions stay exact.
  const secrets = new Set<string>();
  walkScalars(root, (scalar) => {
    if (typeof scalar.value !== 'string') return;
    const r = substituteVariables(scalar.value, options.variables);
    for (const missing of r.missing) {
      const hint =
        options.undefinedVariableHint?.(missing, environmentName(missing)) ??
        `export ${environmentName(missing)}=… in the environment, or define ${missing} in the file given with --secrets`;
      at(scalar.range?.[0], `\${${missing}} is not defined: ${hint}`);
    }
    for (const s of r.secretValues) secrets.add(s);
    if (r.value !== scalar.value) scalar.value = r.value;
  });

  for (const pair of root.items) {
    const key = keyText(pair);
    if (!(TOP_LEVEL as readonly string[]).includes(key)) {
      at(
        keyOffset(pair),
        `unknown block "${key}"${didYouMean(key, TOP_LEVEL)}; the blocks are ${TOP_LEVEL.join(', ')}`,
      );
    }
  }

  const ctx: Ctx = { doc, at, problems, secrets };
  const source = loadComponent(
    ctx,
    root,
    'source',
    (t) => options.catalog.source(t),
    options.catalog.sourceTypes(),
  );
  const sink = loadComponent(ctx, root, 'sink', (t) => options.catalog.sink(t), options.catalog.sinkTypes());
  const routes = loadList(ctx, root, 'route', routeRuleSchema);
  const transforms = loadList(ctx, root, 'transform', transformRuleSchema);
  const transformPositions = expressionPositions(root, text, lineCounter);
  const pipelineNode = root.get('pipeline', true);
  let pipeline: z.output<typeof pipelineOptionsSchema> | undefined;
  if (pipelineNode === undefined || (isScalar(pipelineNode) && pipelineNode.value === null)) {
    pipeline = pipelineOptionsSchema.parse({});
  } else if (!isMap(pipelineNode)) {
    at(pipelineNode.range?.[0], 'pipeline must be a mapping of options');
  } else {
    pipeline = validate(
      ctx,
      ['pipeline'],
      pipelineNode,
      pipelineOptionsSchema,
      Object.keys(pipelineOptionsSchema.shape),
    );
  }

  const checked =
    options.check?.({
      origin: file,
      transformPositions,
      ...(source ? { source } : {}),
      ...(sink ? { sink } : {}),
      ...(routes ? { routes } : {}),
      ...(transforms ? { transforms } : {}),
      ...(pipeline ? { pipeline } : {}),
    }) ?? [];
  for (const p of checked) {
    if (p.line !== undefined)
      problems.push({ file, line: p.line, column: p.column ?? 1, message: p.message });
    else at(nodeAt(root, p.path)?.range?.[0], p.message);
  }

  if (problems.length > 0 || !source || !sink || !pipeline || !routes || !transforms) {
    problems.sort((a, b) => a.line - b.line || a.column - b.column);
    throw new PipelineSpecError(problems);
  }
  return {
    source,
    sink,
    routes,
    transforms,
    transformPositions,
    pipeline,
    secrets: [...secrets],
    origin: file,
  };
}

/** Where the text of each transform rule's `projection` and `filter` starts (see TextPosition). */
function expressionPositions(
  root: YAMLMap,
  text: string,
  lines: LineCounter,
): Partial<Record<'projection' | 'filter', TextPosition>>[] {
  const node = root.get('transform', true);
  if (!isSeq(node)) return [];
  return node.items.map((item) => {
    const out: Partial<Record<'projection' | 'filter', TextPosition>> = {};
    if (!isMap(item)) return out;
    for (const key of ['projection', 'filter'] as const) {
      const v = item.get(key, true);
      if (isScalar(v) && v.range) out[key] = scalarTextPosition(v, text, lines);
    }
    return out;
  });
}

/** The position of a scalar's first character of text: after a quote, or a block scalar's header line. */
function scalarTextPosition(v: Scalar, text: string, lines: LineCounter): TextPosition {
  const at = v.range![0];
  const start = lines.linePos(at);
  switch (v.type) {
    case 'QUOTE_DOUBLE':
    case 'QUOTE_SINGLE':
      return { line: start.line, column: start.col + 1, continuationColumn: 1 };
    case 'BLOCK_LITERAL':
    case 'BLOCK_FOLDED': {
      // the text starts on the line after the `|` / `>` header, at the block's indentation
      let i = text.indexOf('\n', at) + 1;
      while (i > 0 && text[i] === ' ') i++;
      const body = lines.linePos(i > 0 ? i : at);
      return { line: body.line, column: body.col, continuationColumn: body.col };
    }
    default:
      return { line: start.line, column: start.col, continuationColumn: 1 };
  }
}

interface Ctx {
  readonly doc: Document;
  readonly at: (offset: number | undefined, message: string) => void;
  readonly problems: SpecProblem[];
  readonly secrets: Set<string>;
}

function loadComponent(
  ctx: Ctx,
  root: YAMLMap,
  block: 'source' | 'sink',
  lookup: (type: string) => ComponentDescriptor | undefined,
  known: readonly string[],
): ComponentSpec | undefined {
  const node = root.get(block, true);
  if (node === undefined) {
    ctx.at(root.range?.[0], `the ${block} block is missing`);
    return undefined;
  }
  if (!isMap(node)) {
    ctx.at((node as Node).range?.[0], `${block} must be a mapping with a type and its options`);
    return undefined;
  }
  const typeNode = node.get('type', true);
  const type = isScalar(typeNode) && typeNode.value !== null ? scalarText(typeNode.value) : undefined;
  if (type === undefined) {
    ctx.at(node.range?.[0], `${block}.type is missing; one of: ${known.join(', ')}`);
    return undefined;
  }
  const descriptor = lookup(type);
  if (!descriptor) {
    ctx.at(
      typeNode?.range?.[0],
      `unknown ${block} type "${type}"${didYouMean(type, known)}; known: ${known.join(', ')}`,
    );
    return undefined;
  }
  const nameNode = node.get('name', true);
  const name = isScalar(nameNode) && nameNode.value !== null ? scalarText(nameNode.value) : undefined;

  // Prefixed keys (jdbc.properties.useSSL) fill their map option; the strict schema checks the rest.
  const schema = descriptor.optionsSchema;
  const mapOptions = prefixMapOptionsOf(schema);
  const plain: Record<string, unknown> = {};
  for (const pair of node.items) {
    const key = keyText(pair);
    if (key === 'type' || key === 'name') continue;
    const map = mapOptions.find((m) => key.startsWith(`${m}.`));
    if (map !== undefined) {
      const v = isScalar(pair.value) ? pair.value.value : undefined;
      const entries = (plain[map] ??= {}) as Record<string, string>;
      entries[key.slice(map.length + 1)] = v === null || v === undefined ? '' : scalarText(v);
      continue;
    }
    plain[key] = toJs(pair.value);
  }
  const result = schema.safeParse(plain);
  if (!result.success) {
    reportIssues(ctx, [block], node, result.error.issues, (key) => knownOptions(schema, mapOptions, key));
    return undefined;
  }
  for (const v of secretValuesOf(schema, result.data)) ctx.secrets.add(v);
  return { type, name, options: result.data };
}

function loadList<S extends z.ZodType>(
  ctx: Ctx,
  root: YAMLMap,
  block: 'route' | 'transform',
  schema: S & { shape: Record<string, unknown> },
): z.output<S>[] | undefined {
  const node = root.get(block, true);
  if (node === undefined || (isScalar(node) && node.value === null)) return [];
  if (!isSeq(node)) {
    ctx.at((node as Node).range?.[0], `${block} must be a list of rules (each item starts with "- ")`);
    return undefined;
  }
  const out: z.output<S>[] = [];
  node.items.forEach((item, i) => {
    if (!isMap(item)) {
      ctx.at((item as Node | null)?.range?.[0], `${block}[${i}] must be a mapping`);
      return;
    }
    const v = validate(ctx, [block, i], item, schema, Object.keys(schema.shape));
    if (v !== undefined) out.push(v);
  });
  return out;
}

function validate<S extends z.ZodType>(
  ctx: Ctx,
  path: Path,
  node: YAMLMap,
  schema: S,
  known: readonly string[],
): z.output<S> | undefined {
  const r = schema.safeParse(toJs(node));
  if (r.success) return r.data;
  reportIssues(ctx, path, node, r.error.issues, () => known);
  return undefined;
}

/**
 * The names `key` may have meant: the options, and for a map option the key with the map's
 * prefix in place of its own (`jdbc.propertie.useSSL` → `jdbc.properties.useSSL`).
 */
function knownOptions(schema: z.ZodObject, maps: readonly string[], key: string): string[] {
  const plain = optionNamesOf(schema).filter((n) => !maps.includes(n));
  const asMapKeys = maps.flatMap((m) => {
    const depth = m.split('.').length;
    const rest = key.split('.').slice(depth).join('.');
    return rest === '' ? [] : [`${m}.${rest}`];
  });
  return [...plain, ...asMapKeys];
}

function reportIssues(
  ctx: Ctx,
  path: Path,
  node: YAMLMap,
  issues: readonly z.core.$ZodIssue[],
  known: (key: string) => readonly string[],
): void {
  const where = path
    .map((p) => (typeof p === 'number' ? `[${p}]` : p))
    .join('.')
    .replace(/\.\[/g, '[');
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const pair = node.items.find((p) => keyText(p) === key);
        ctx.at(
          pair ? keyOffset(pair) : node.range?.[0],
          `unknown option "${key}" in ${where}${didYouMean(key, known(key))}`,
        );
      }
      continue;
    }
    // an entry of a map written as prefixed keys (jdbc.properties.useSSL) is its own YAML key
    const joined = issue.path.length > 1 ? issue.path.map(String).join('.') : undefined;
    const prefixed = joined !== undefined ? node.items.find((p) => keyText(p) === joined) : undefined;
    const key = prefixed ? joined : issue.path[0];
    const pair =
      prefixed ?? (typeof key === 'string' ? node.items.find((p) => keyText(p) === key) : undefined);
    const offset = pair ? ((pair.value as Node | null)?.range?.[0] ?? keyOffset(pair)) : node.range?.[0];
    const name = typeof key === 'string' ? `${where}.${key}` : where;
    const missing = pair === undefined && typeof key === 'string';
    ctx.at(offset, missing ? `${name} is required` : `${name}: ${issue.message}`);
  }
}

/** The YAML node at `path`, or the closest node above it that exists. */
function nodeAt(root: YAMLMap, path: readonly (string | number)[]): Node | undefined {
  for (let n = path.length; n > 0; n--) {
    const node = root.getIn(path.slice(0, n), true) as Node | undefined;
    if (node !== undefined && node !== null) return node;
  }
  return root;
}

function walkScalars(node: unknown, fn: (s: Scalar) => void): void {
  if (isScalar(node)) fn(node);
  else if (isMap(node)) for (const p of node.items) walkScalars(p.value, fn);
  else if (isSeq(node)) for (const i of node.items) walkScalars(i, fn);
  else if (isPair(node)) walkScalars(node.value, fn);
}

function keyText(pair: Pair): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}

function keyOffset(pair: Pair): number | undefined {
  return (pair.key as Node | null)?.range?.[0];
}

function toJs(node: unknown): unknown {
  if (node === null || node === undefined) return undefined;
  if (isScalar(node)) return node.value === null ? undefined : node.value;
  if (isMap(node)) {
    const o: Record<string, unknown> = {};
    for (const p of node.items) o[keyText(p)] = toJs(p.value);
    return o;
  }
  if (isSeq(node)) return node.items.map(toJs);
  return undefined;
}

function scalarText(v: unknown): string {
  return typeof v === 'string'
    ? v
    : typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint'
      ? String(v)
      : JSON.stringify(v);
}
