import type { z } from 'zod';
import type { PipelineSpec } from '../pipeline-spec/pipeline-spec.js';
import { schemaChangeSinkOptions } from '../pipeline-spec/schema-change-tags.js';
import type { ComponentFactory, SinkFactory, SourceFactory } from './component-registry.js';
import type { HeldCheck, ResourceClaim } from './resource-ledger.js';
import type { Sink } from './sink.js';
import type { Source } from './source.js';

/**
 * A component as a connector writes it: everything typed by its options schema. Mark options in
 * the schema with `.meta()` (`secret`, `advanced`, `compat`, `examples`, see option-types.ts): the
 * docs, the JSON Schema and secret redaction follow from it.
 */
export interface ComponentDefinition<S extends z.ZodObject, C> {
  readonly type: string;
  /** One line for the docs. */
  readonly description: string;
  readonly options: S;
  /**
   * Fills in defaults that must differ from what other pipelines of the process hold (`held`),
   * e.g. a free replica id; claims() and create() get what it returns.
   */
  readonly resolveOptions?: (options: z.output<S>, spec: PipelineSpec, held: HeldCheck) => z.output<S>;
  /** What an instance holds exclusively; a second pipeline in the process claiming it is refused. */
  readonly claims?: (options: z.output<S>, spec: PipelineSpec) => readonly ResourceClaim[];
  /** Builds the component; import its implementation here (dynamically) to keep start-up fast. */
  readonly create: (options: z.output<S>, spec: PipelineSpec) => Promise<C>;
}

export function defineSource<S extends z.ZodObject>(d: ComponentDefinition<S, Source>): SourceFactory {
  return defineComponent(d);
}

/**
 * A sink's options are its own plus those every sink has (`include.schema.changes`,
 * `exclude.schema.changes`: the runner applies them, see schema-change-tags.ts).
 */
export function defineSink<S extends z.ZodObject>(d: ComponentDefinition<S, Sink>): SinkFactory {
  const options: z.ZodObject = d.options.extend(schemaChangeSinkOptions);
  // the sink's own options, without those of every sink
  const own = (o: Record<string, unknown>): z.output<S> => {
    const rest = { ...o };
    for (const k of Object.keys(schemaChangeSinkOptions)) delete rest[k];
    return d.options.parse(rest);
  };
  return defineComponent<z.ZodObject, Sink>({
    ...d,
    options,
    resolveOptions:
      d.resolveOptions &&
      ((o, spec, held) => ({ ...o, ...(d.resolveOptions!(own(o), spec, held) as Record<string, unknown>) })),
    claims: d.claims && ((o, spec) => d.claims!(own(o), spec)),
    create: (o, spec) => d.create(own(o), spec),
  });
}

function defineComponent<S extends z.ZodObject, C>(d: ComponentDefinition<S, C>): ComponentFactory<C> {
  // Spec options are this schema's output; every option type accepts its own output, so parsing
  // them again is cheap and gives the component its typed options without a cast.
  const typed = (options: Record<string, unknown>): z.output<S> => d.options.parse(options);
  return {
    type: d.type,
    description: d.description,
    optionsSchema: d.options,
    resolveOptions: (options, spec, held) => d.resolveOptions?.(typed(options), spec, held) ?? options,
    claims: (options, spec) => d.claims?.(typed(options), spec) ?? [],
    create: (options, spec) => d.create(typed(options), spec),
  };
}
