// Rewrites the generated configuration reference in README.md (`npm run docs`).
import { readFileSync, writeFileSync } from 'node:fs';
import { generatedReadmeSection, replaceGeneratedSection } from '../src/cli/readme-docs.js';

const path = new URL('../README.md', import.meta.url);
writeFileSync(path, replaceGeneratedSection(readFileSync(path, 'utf8'), generatedReadmeSection()));
