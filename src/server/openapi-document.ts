import { z } from 'zod';
import * as s from './api-schemas.js';

type Schema = z.ZodType;

function json(schema: Schema, io: 'input' | 'output' = 'output'): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io }) as Record<
    string,
    unknown
  >;
  return rest;
}

function content(schema: Schema, io: 'input' | 'output' = 'output') {
  return { 'application/json': { schema: json(schema, io) } };
}

function responses(ok: Schema, okStatus = '200', extra: readonly string[] = []) {
  const out: Record<string, unknown> = {
    [okStatus]: { description: 'OK', content: content(ok) },
    '401': { description: 'no or wrong token', content: content(s.errorBody) },
  };
  for (const status of extra)
    out[status] = { description: errorDescription(status), content: content(s.errorBody) };
  return out;
}

function errorDescription(status: string): string {
  switch (status) {
    case '400':
      return 'invalid request (the message says what to change)';
    case '404':
      return 'no such job';
    case '409':
      return 'the job is not in a state that allows this';
    default:
      return 'error';
  }
}

const idParam = [
  { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9a-f]{32}$' } },
];

function body(schema: Schema) {
  return { required: true, content: content(schema, 'input') };
}

/**
 * The OpenAPI 3.1 document of the job server's REST API, served at /api/v1/openapi.json. Every
 * schema is generated from api-schemas.ts.
 */
export function openApiDocument(): Record<string, unknown> {
  const job = (summary: string, ok: Schema, extra: Record<string, unknown> = {}) => ({
    summary,
    parameters: idParam,
    responses: responses(ok, '200', ['404']),
    ...extra,
  });
  return {
    openapi: '3.1.0',
    info: {
      title: 'tidemark job server',
      version: '1',
      description:
        'Jobs (Flink CDC YAML pipelines) run by `tidemark server`. Every path but /healthz and this document needs `Authorization: Bearer <token>` (the token file in the server state directory).',
    },
    components: {
      securitySchemes: { token: { type: 'http', scheme: 'bearer' } },
    },
    security: [{ token: [] }],
    paths: {
      '/healthz': {
        get: {
          summary: 'liveness',
          security: [],
          responses: { '200': { description: 'OK', content: content(s.health) } },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics (text exposition format)',
          responses: {
            '200': { description: 'OK', content: { 'text/plain': { schema: { type: 'string' } } } },
            '401': { description: 'no or wrong token', content: content(s.errorBody) },
          },
        },
      },
      '/api/v1/jobs': {
        get: { summary: 'list the jobs', responses: responses(s.jobList) },
        post: {
          summary: 'submit a pipeline: it is saved, then started',
          requestBody: body(s.submitRequest),
          responses: responses(s.submitResponse, '201', ['400']),
        },
      },
      '/api/v1/jobs/{id}': {
        get: job('a job with its graph, progress, checkpoints, schema changes and errors', s.jobDetail),
      },
      '/api/v1/jobs/{id}/stop': {
        post: {
          ...job(
            'stop: the last complete transaction is committed; with savepoint, its checkpoint is also saved as a file',
            s.stopResponse,
          ),
          requestBody: { required: false, content: content(s.stopRequest, 'input') },
          responses: responses(s.stopResponse, '200', ['404', '409']),
        },
      },
      '/api/v1/jobs/{id}/resume': {
        post: {
          ...job(
            'resume a stopped, canceled or failed job (from its last checkpoint, or from a savepoint file)',
            s.jobStatusResponse,
          ),
          requestBody: { required: false, content: content(s.resumeRequest, 'input') },
          responses: responses(s.jobStatusResponse, '200', ['400', '404', '409']),
        },
      },
      '/api/v1/jobs/{id}/cancel': {
        post: {
          ...job('cancel: the run ends at once; the last committed checkpoint stays', s.jobStatusResponse),
          responses: responses(s.jobStatusResponse, '200', ['404', '409']),
        },
      },
      '/api/v1/jobs/{id}/checkpoints': {
        get: job('the checkpoint history (this server run)', s.checkpointList),
      },
      '/api/v1/jobs/{id}/schema-changes': {
        get: job('the schema changes applied to the sink (this server run)', s.schemaChangeList),
      },
      '/api/v1/jobs/{id}/metrics': {
        get: job('rows/s and lag, one sample a second over the last hour', s.jobMetrics),
      },
      '/api/v1/query': {
        post: {
          summary:
            'a read-only query (one SELECT, bounded rows, time-limited) of the DuckDB file a running job writes',
          requestBody: body(s.queryRequest),
          responses: responses(s.queryResponse, '200', ['400']),
        },
      },
    },
  };
}
