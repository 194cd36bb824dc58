import { functionReference } from './function-table.js';

const cell = (s: string): string => s.replaceAll('|', '\\|').replaceAll('\n', ' ');

/** The transform function reference for the README, one table per category, from the function table. */
export function functionReferenceMarkdown(): string {
  const out = [
    '### Transform expression functions',
    '',
    'What `projection` and `filter` may call (generated from the compiler\'s function table; every entry has its tests). Semantics: see "Transforms" above.',
    '',
  ];
  const byCategory = new Map<string, ReturnType<typeof functionReference>>();
  for (const f of functionReference()) byCategory.set(f.category, [...(byCategory.get(f.category) ?? []), f]);
  for (const [category, fns] of byCategory) {
    out.push(`**${category}**`, '', '| function | description |', '|---|---|');
    for (const f of fns) out.push(`| \`${cell(f.signature)}\` | ${cell(f.description)} |`);
    out.push('');
  }
  return out.join('\n');
}
