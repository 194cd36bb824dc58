import type { z } from 'zod';
import type { ComponentCatalog, ComponentDescriptor, PipelineSpec } from '../pipeline-spec/pipeline-spec.js';
import type { Sink } from './sink.js';
import type { Source } from './source.js';

/**
 * Components are registered by type name. Each brings one zod schema: its TypeScript type, its
 * validation (through the spec loader) and its generated docs.
 */
export interface ComponentFactory<C> extends ComponentDescriptor {
  /** One-line description for the generated docs. */
  readonly description: string;
  /** The strict zod object schema (its `.describe()` texts become the docs). */
  readonly optionsSchema: z.ZodObject & z.ZodType<Record<string, unknown>>;
  /** Loads the implementation on use (a CLI that only validates or prints help loads none). */
  create(options: Record<string, unknown>, spec: PipelineSpec): Promise<C>;
}

export type SourceFactory = ComponentFactory<Source>;
export type SinkFactory = ComponentFactory<Sink>;

export class ComponentRegistry implements ComponentCatalog {
  private readonly sources = new Map<string, SourceFactory>();
  private readonly sinks = new Map<string, SinkFactory>();

  registerSource(f: SourceFactory): this {
    if (this.sources.has(f.type)) throw new Error(`source type ${f.type} registered twice`);
    this.sources.set(f.type, f);
    return this;
  }

  registerSink(f: SinkFactory): this {
    if (this.sinks.has(f.type)) throw new Error(`sink type ${f.type} registered twice`);
    this.sinks.set(f.type, f);
    return this;
  }

  source(type: string): SourceFactory | undefined {
    return this.sources.get(type);
  }

  sink(type: string): SinkFactory | undefined {
    return this.sinks.get(type);
  }

  sourceTypes(): string[] {
    return [...this.sources.keys()].sort();
  }

  sinkTypes(): string[] {
    return [...this.sinks.keys()].sort();
  }
}

/** optionNames for a strict object schema (the keys of its shape). */
export function optionNamesOf(schema: z.ZodObject): string[] {
  return Object.keys(schema.shape);
}
