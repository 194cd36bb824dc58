import { createDefaultRegistry, createErrorCodeRegistry } from '../connectors/index.js';
import { duckDbTypeMappingMarkdown } from '../connectors/duckdb/type-mapping.js';
import { kafkaValueEncodingMarkdown } from '../connectors/kafka/value-encoding-markdown.js';
import { mysqlTypeMappingMarkdown } from '../connectors/mysql/type-mapping-markdown.js';
import { typeWideningMarkdown } from '../event/type-widening-markdown.js';
import { functionReferenceMarkdown } from '../transforms/expression/function-reference-markdown.js';
import { configurationReference, errorCodesMarkdown } from './config-docs.js';

export const BEGIN_MARKER = '<!-- BEGIN GENERATED CONFIGURATION REFERENCE -->';
export const END_MARKER = '<!-- END GENERATED CONFIGURATION REFERENCE -->';

/** What `tidemark docs` prints, and what README.md holds between the markers. */
export function generatedReadmeSection(): string {
  return configurationReference(createDefaultRegistry(), {
    typeMappings: `${mysqlTypeMappingMarkdown()}\n\n${duckDbTypeMappingMarkdown()}\n\n${kafkaValueEncodingMarkdown()}`,
    typeWidening: typeWideningMarkdown(),
    functions: functionReferenceMarkdown(),
    errorCodes: errorCodesMarkdown(createErrorCodeRegistry()),
  });
}

export function extractGeneratedSection(readme: string): string | undefined {
  const a = readme.indexOf(BEGIN_MARKER);
  const b = readme.indexOf(END_MARKER);
  if (a < 0 || b < a) return undefined;
  return readme.slice(a + BEGIN_MARKER.length, b).trim();
}

export function replaceGeneratedSection(readme: string, section: string): string {
  const a = readme.indexOf(BEGIN_MARKER);
  const b = readme.indexOf(END_MARKER);
  if (a < 0 || b < a) throw new Error(`README.md lacks the markers ${BEGIN_MARKER} ... ${END_MARKER}`);
  return `${readme.slice(0, a + BEGIN_MARKER.length)}\n${section.trim()}\n${readme.slice(b)}`;
}
