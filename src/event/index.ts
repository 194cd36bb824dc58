export * from './column-type.js';
export * from './table-schema.js';
export * from './change-event.js';
export * from './schema-change.js';
export * from './tidemark-error.js';
export * from './json-value.js';
export * from './geometry-json.js';
