import type { z } from 'zod';
import type { ErrorCodeSet } from '../event/tidemark-error.js';
import type { ComponentCatalog, ComponentDescriptor, PipelineSpec } from '../pipeline-spec/pipeline-spec.js';
import type { HeldCheck, ResourceClaim } from './resource-ledger.js';
import type { Sink } from './sink.js';
import type { Source } from './source.js';

/**
 * A registered component type, as the registry, the composer and the docs see it. Connectors build
 * these with `defineSource` / `defineSink` (connector-kit.ts), typed by their options schema.
 */
export interface ComponentFactory<C> extends ComponentDescriptor {
  /** One-line description for the generated docs. */
  readonly description: string;
  /** The strict zod object schema: validation, docs, JSON Schema, secrets and map options. */
  readonly optionsSchema: z.ZodObject;
  /**
   * The options with the defaults that depend on what the process's other pipelines hold filled
   * in (a replica id none of them uses); called right before claims().
   */
  resolveOptions(
    options: Record<string, unknown>,
    spec: PipelineSpec,
    held: HeldCheck,
  ): Record<string, unknown>;
  /** What an instance holds exclusively (a file, a replica id on a server), from its options. */
  claims(options: Record<string, unknown>, spec: PipelineSpec): readonly ResourceClaim[];
  /** Loads the implementation on use (a CLI that only validates or prints help loads none). */
  create(options: Record<string, unknown>, spec: PipelineSpec): Promise<C>;
}

export type SourceFactory = ComponentFactory<Source>;
export type SinkFactory = ComponentFactory<Sink>;

/** One connector folder's components (`src/connectors/<name>/index.ts` exports one). */
export interface Connector {
  readonly name: string;
  readonly sources: readonly SourceFactory[];
  readonly sinks: readonly SinkFactory[];
  /** The error codes it owns (its `errors.ts`). */
  readonly errors?: ErrorCodeSet;
}

export class ComponentRegistry implements ComponentCatalog {
  private readonly sources = new Map<string, SourceFactory>();
  private readonly sinks = new Map<string, SinkFactory>();

  register(connector: Connector): this {
    for (const f of connector.sources) this.registerSource(f);
    for (const f of connector.sinks) this.registerSink(f);
    return this;
  }

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
