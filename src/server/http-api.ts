import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { TidemarkError, errorMessage, isTidemarkError } from '../event/tidemark-error.js';
import { redactSecrets } from '../runtime/logger.js';
import * as s from './api-schemas.js';
import { jobDetailView, jobSummaryView, snapshotView } from './api-views.js';
import type { JobSupervisor } from './job-supervisor.js';
import { openApiDocument } from './openapi-document.js';
import type { ServerMetrics } from './server-metrics.js';
import { authorized } from './server-token.js';
import { serveDashboardFile } from './dashboard-files.js';

/** Request bodies larger than this are refused (a pipeline file is a few KiB). */
const MAX_BODY_BYTES = 1 << 20;

export interface ApiContext {
  readonly supervisor: JobSupervisor;
  readonly metrics: ServerMetrics;
  readonly token: string;
}

interface Reply {
  readonly status: number;
  readonly body: unknown;
}

type Handler = (ctx: ApiContext, params: string[], req: IncomingMessage) => Reply | Promise<Reply>;

const ok = (body: unknown, status = 200): Reply => ({ status, body });

/** Authenticated routes: method, path pattern, handler. */
const ROUTES: readonly (readonly [string, RegExp, Handler])[] = [
  ['GET', /^\/api\/v1\/jobs$/, (c) => ok({ jobs: c.supervisor.list().map((j) => jobSummaryView(j)) })],
  [
    'POST',
    /^\/api\/v1\/jobs$/,
    async (c, _p, req) => {
      const { pipeline, file } = await readBody(req, s.submitRequest);
      const job = await c.supervisor.submit(pipeline, file);
      return ok({ id: job.id, name: job.name, status: job.status }, 201);
    },
  ],
  ['GET', /^\/api\/v1\/jobs\/([^/]+)$/, (c, [id]) => ok(jobDetailView(c.supervisor.get(id!)))],
  [
    'POST',
    /^\/api\/v1\/jobs\/([^/]+)\/stop$/,
    async (c, [id], req) => {
      const job = c.supervisor.get(id!);
      const { savepoint } = await readBody(req, s.stopRequest, {});
      const sp = await job.stop(savepoint ?? false);
      return ok({ id: job.id, status: job.status, savepoint: sp ?? null });
    },
  ],
  [
    'POST',
    /^\/api\/v1\/jobs\/([^/]+)\/resume$/,
    async (c, [id], req) => {
      const job = c.supervisor.get(id!);
      const { fromSavepoint } = await readBody(req, s.resumeRequest, {});
      await job.resume(fromSavepoint);
      return ok({ id: job.id, status: job.status });
    },
  ],
  [
    'POST',
    /^\/api\/v1\/jobs\/([^/]+)\/cancel$/,
    async (c, [id]) => {
      const job = c.supervisor.get(id!);
      await job.cancel();
      return ok({ id: job.id, status: job.status });
    },
  ],
  [
    'GET',
    /^\/api\/v1\/jobs\/([^/]+)\/checkpoints$/,
    (c, [id]) => ok({ checkpoints: c.supervisor.get(id!).telemetry.checkpoints }),
  ],
  [
    'GET',
    /^\/api\/v1\/jobs\/([^/]+)\/schema-changes$/,
    (c, [id]) => ok({ schemaChanges: c.supervisor.get(id!).telemetry.schemaChanges }),
  ],
  [
    'GET',
    /^\/api\/v1\/jobs\/([^/]+)\/metrics$/,
    (c, [id]) => {
      const job = c.supervisor.get(id!);
      return ok({
        samples: job.telemetry.samples,
        sinkTables: job.telemetry.tables(),
        snapshot: snapshotView(job),
      });
    },
  ],
  [
    'POST',
    /^\/api\/v1\/query$/,
    async (c, _p, req) => {
      const q = await readBody(req, s.queryRequest);
      return ok(
        await c.supervisor.query(q.path, q.sql, q.format, { maxRows: q.maxRows, timeoutMs: q.timeoutMs }),
      );
    },
  ],
];

/** Handles one HTTP request: open routes (health, API document, dashboard), then token-checked ones. */
export async function handleRequest(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const method = req.method ?? 'GET';
  const secrets = ctx.supervisor.secrets();
  try {
    if (method === 'GET' && url.pathname === '/healthz') {
      return sendJson(res, 200, { status: 'ok', jobs: ctx.supervisor.list().length }, secrets);
    }
    if (method === 'GET' && url.pathname === '/api/v1/openapi.json') {
      return sendJson(res, 200, openApiDocument(), secrets);
    }
    if (method === 'GET' && (await serveDashboardFile(url.pathname, res))) return;
    if (!authorized(req.headers.authorization, ctx.token)) {
      throw new TidemarkError(
        'SERVER_AUTH',
        'missing or wrong token: send Authorization: Bearer <token> (the server token file)',
      );
    }
    if (method === 'GET' && url.pathname === '/metrics') {
      const text = redactSecrets(await ctx.metrics.text(), secrets);
      res.writeHead(200, { 'content-type': ctx.metrics.contentType });
      res.end(text);
      return;
    }
    for (const [m, pattern, handler] of ROUTES) {
      const match = pattern.exec(url.pathname);
      if (match && m === method) {
        const reply = await handler(ctx, match.slice(1), req);
        return sendJson(res, reply.status, reply.body, secrets);
      }
    }
    sendJson(res, 404, { error: { code: 'NOT_FOUND', message: `no ${method} ${url.pathname}` } }, secrets);
  } catch (e) {
    const code = isTidemarkError(e) ? e.code : 'INTERNAL';
    sendJson(res, httpStatus(code), { error: { code, message: errorMessage(e) } }, secrets);
  }
}

function httpStatus(code: string): number {
  if (code === 'SERVER_AUTH') return 401;
  if (code === 'JOB_NOT_FOUND') return 404;
  if (code === 'JOB_STATE') return 409;
  if (code.startsWith('CONFIG') || code === 'QUERY_REFUSED' || code === 'CHECKPOINT') return 400;
  return 500;
}

function sendJson(res: ServerResponse, status: number, body: unknown, secrets: readonly string[]): void {
  const text = redactSecrets(JSON.stringify(body), secrets);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

/** The JSON body, validated by `schema` (an empty body is `empty`, when given). */
async function readBody<S extends z.ZodType>(
  req: IncomingMessage,
  schema: S,
  empty?: z.input<S>,
): Promise<z.output<S>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES)
      throw new TidemarkError('CONFIG_INVALID', `request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  let json: unknown = empty;
  if (text.trim()) {
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new TidemarkError('CONFIG_INVALID', `request body is not JSON: ${errorMessage(e)}`);
    }
  }
  const r = schema.safeParse(json);
  if (!r.success) {
    throw new TidemarkError(
      'CONFIG_INVALID',
      `invalid request body: ${r.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ')}`,
    );
  }
  return r.data;
}
