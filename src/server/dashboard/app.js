// The job server's dashboard: plain ES modules, no build step. It reads the REST API with the
// token (kept in this browser's localStorage; given once as #token=… or in the form) and redraws
// every second. Every text from the server goes in as text, never as HTML.
import { compact, lineChart } from './charts.js';

const app = document.getElementById('app');
const connection = document.getElementById('connection');
const TOKEN_KEY = 'tidemark.token';

/** Builds an element: h('div', { class: 'x', 'data-testid': 'y' }, child, 'text', …). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function takeTokenFromUrl() {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (!m) return;
  localStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
  history.replaceState(null, '', location.pathname + '#/');
}

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: {
      authorization: `Bearer ${localStorage.getItem(TOKEN_KEY) ?? ''}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok)
    throw new ApiError(res.status, json.error?.code ?? 'HTTP', json.error?.message ?? res.statusText);
  return json;
}

const time = (ms) => (ms ? new Date(ms).toLocaleTimeString() : '–');
const seconds = (ms) => (ms === null || ms === undefined ? '–' : `${(ms / 1000).toFixed(1)} s`);

function statusBadge(status, testid) {
  return h('span', { class: `badge status-${status.toLowerCase()}`, 'data-testid': testid }, status);
}

function tokenForm(message) {
  const input = h('input', {
    type: 'password',
    name: 'token',
    placeholder: 'API token',
    autocomplete: 'off',
  });
  return h(
    'form',
    {
      class: 'token-form',
      onsubmit: (e) => {
        e.preventDefault();
        localStorage.setItem(TOKEN_KEY, input.value.trim());
        void refresh();
      },
    },
    h('p', {}, message),
    h(
      'p',
      { class: 'hint' },
      'The token is in the server state directory (file "token"), printed once at its first start.',
    ),
    input,
    h('button', { type: 'submit' }, 'Connect'),
  );
}

function jobsView(jobs) {
  if (jobs.length === 0) {
    return h(
      'section',
      {},
      h('h1', {}, 'Jobs'),
      h('p', { class: 'empty' }, 'No job yet: tidemark submit <pipeline.yaml>'),
    );
  }
  const rows = jobs.map((j) =>
    h(
      'tr',
      { 'data-testid': 'job-row', 'data-job-id': j.id },
      h('td', {}, h('a', { href: `#/jobs/${j.id}` }, j.name)),
      h('td', {}, statusBadge(j.status, 'job-status')),
      h('td', {}, j.phase ?? '–'),
      h('td', { class: 'num' }, compact(j.rowsWritten)),
      h('td', { class: 'num' }, compact(j.rowsPerSecond)),
      h('td', { class: 'num' }, seconds(j.lagMs)),
      h(
        'td',
        {},
        j.lastCheckpoint ? `#${j.lastCheckpoint.seq} (${seconds(j.checkpointAgeSeconds * 1000)} ago)` : '–',
      ),
      h('td', { class: 'mono' }, j.id),
    ),
  );
  return h(
    'section',
    {},
    h('h1', {}, 'Jobs'),
    h(
      'table',
      { class: 'jobs' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['Name', 'Status', 'Phase', 'Rows', 'Rows/s', 'Lag', 'Checkpoint', 'Job ID'].map((t) =>
            h('th', {}, t),
          ),
        ),
      ),
      h('tbody', {}, rows),
    ),
  );
}

function graphView(g) {
  if (!g) return h('p', { class: 'empty' }, 'The pipeline definition cannot be read (see the last errors).');
  const node = (kind, title, ...lines) =>
    h(
      'div',
      { class: `node node-${kind}` },
      h('div', { class: 'node-kind' }, kind),
      h('div', { class: 'node-title' }, title),
      ...lines.map((l) => h('div', { class: 'node-line mono' }, l)),
    );
  const arrow = () => h('div', { class: 'arrow' }, '→');
  const parts = [node('source', g.source.type, g.source.tables ?? '')];
  if (g.transforms.length) {
    parts.push(
      arrow(),
      node(
        'transform',
        `${g.transforms.length} rule(s)`,
        ...g.transforms.map((t) =>
          [t.sourceTable, t.projection && `SELECT ${t.projection}`, t.filter && `WHERE ${t.filter}`]
            .filter(Boolean)
            .join('  '),
        ),
      ),
    );
  }
  if (g.routes.length) {
    parts.push(
      arrow(),
      node(
        'route',
        `${g.routes.length} rule(s)`,
        ...g.routes.map((r) => `${r.sourceTable} → ${r.sinkTable}`),
      ),
    );
  }
  parts.push(arrow(), node('sink', g.sink.type, g.sink.target ?? ''));
  return h('div', { class: 'graph', 'data-testid': 'pipeline-graph' }, parts);
}

function snapshotView(tables) {
  if (!tables.length) return h('p', { class: 'empty' }, 'No snapshot progress reported.');
  return h(
    'div',
    { class: 'bars' },
    tables.map((t) => {
      const pct = t.done
        ? 100
        : t.rowsEstimated > 0
          ? Math.min(100, (100 * t.rowsRead) / t.rowsEstimated)
          : 0;
      const fill = h('div', { class: `bar-fill${t.done ? ' done' : ''}` });
      fill.style.width = `${pct.toFixed(1)}%`;
      return h(
        'div',
        { class: 'bar-row', 'data-testid': 'snapshot-table' },
        h('span', { class: 'bar-label mono' }, t.table),
        h('div', { class: 'bar' }, fill),
        h(
          'span',
          { class: 'bar-value' },
          `${compact(t.rowsRead)} / ${compact(t.rowsEstimated)}${t.done ? ' ✓' : ''}`,
        ),
      );
    }),
  );
}

function table(headers, rows, testid) {
  if (!rows.length) return h('p', { class: 'empty' }, 'None yet.');
  return h(
    'table',
    { 'data-testid': testid },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headers.map((t) => h('th', {}, t)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((r) =>
        h(
          'tr',
          {},
          r.map((c) => h('td', {}, c)),
        ),
      ),
    ),
  );
}

function actions(job) {
  const act = (label, path, body, confirmText) =>
    h(
      'button',
      {
        type: 'button',
        'data-action': label.toLowerCase().replaceAll(' ', '-'),
        onclick: async (e) => {
          if (confirmText && !window.confirm(confirmText)) return;
          e.target.disabled = true;
          try {
            await api('POST', `/api/v1/jobs/${job.id}/${path}`, body);
          } catch (err) {
            window.alert(err.message);
          }
          void refresh();
        },
      },
      label,
    );
  const running = !['STOPPED', 'CANCELED', 'FAILED', 'FINISHED'].includes(job.status);
  return running
    ? [
        act('Stop with savepoint', 'stop', { savepoint: true }),
        act('Cancel', 'cancel', undefined, 'Cancel this job without a final commit?'),
      ]
    : [act('Resume', 'resume', {})];
}

function jobView(job, metrics) {
  const samples = metrics.samples;
  return h(
    'section',
    { 'data-testid': 'job-view', 'data-job-id': job.id },
    h('p', {}, h('a', { href: '#/' }, '← all jobs')),
    h('h1', {}, job.name, ' ', statusBadge(job.status, 'job-status')),
    h('div', { class: 'actions' }, actions(job)),
    h(
      'dl',
      { class: 'facts' },
      ...[
        ['Job ID', job.id, 'job-id'],
        ['Phase', job.phase ?? '–', 'job-phase'],
        ['Rows written', String(job.rowsWritten), 'rows-written'],
        ['Rows/s', compact(job.rowsPerSecond), 'rows-per-second'],
        ['Lag', seconds(job.lagMs), 'lag'],
        [
          'Last checkpoint',
          job.lastCheckpoint ? `#${job.lastCheckpoint.seq} at ${time(job.lastCheckpoint.at)}` : '–',
          'last-checkpoint',
        ],
        ['Restarts', String(job.restarts), 'restarts'],
        ['Position', job.position ?? '–', 'position'],
      ].map(([k, v, id]) => h('div', {}, h('dt', {}, k), h('dd', { 'data-testid': id }, v))),
    ),
    job.error ? h('p', { class: 'error-banner' }, `[${job.error.code}] ${job.error.message}`) : null,
    h('h2', {}, 'Pipeline'),
    graphView(job.graph),
    h('h2', {}, 'Snapshot'),
    snapshotView(job.snapshot),
    h('h2', {}, 'Throughput and lag (last hour)'),
    h(
      'div',
      { class: 'charts' },
      lineChart(
        'rows/s',
        samples.map((s) => ({ at: s.at, value: s.rowsPerSecond })),
      ),
      lineChart(
        'lag',
        samples.map((s) => ({ at: s.at, value: s.lagMs === null ? null : s.lagMs / 1000 })),
        { unit: ' s' },
      ),
    ),
    h('h2', {}, 'Sink tables'),
    table(
      ['Table', 'Rows written', 'Rows/s'],
      job.sinkTables.map((t) => [t.table, String(t.rowsWritten), compact(t.rowsPerSecond)]),
      'sink-tables',
    ),
    h('h2', {}, 'Checkpoints'),
    table(
      ['#', 'At', 'Rows committed (run)', 'Commit took'],
      [...job.checkpoints]
        .reverse()
        .slice(0, 20)
        .map((c) => [
          String(c.seq),
          time(c.at),
          String(c.rowsCommitted),
          c.durationMs === null ? '–' : `${c.durationMs.toFixed(0)} ms`,
        ]),
      'checkpoints',
    ),
    h('h2', {}, 'Schema changes'),
    table(
      ['At', 'Table', 'Change'],
      [...job.schemaChanges].reverse().map((c) => [time(c.at), c.table, c.change]),
      'schema-changes',
    ),
    h('h2', {}, 'Last errors and warnings'),
    table(
      ['At', 'Level', 'Code', 'Message', 'Table', 'Position'],
      [...job.errors]
        .reverse()
        .map((e) => [time(e.at), e.level, e.code ?? '', e.message, e.table ?? '', e.position ?? '']),
      'errors',
    ),
    h('h2', {}, 'Savepoints'),
    table(
      ['#', 'At', 'Path'],
      job.savepoints.map((s) => [String(s.seq), time(s.at), s.path]),
      'savepoints',
    ),
  );
}

let timer;
async function refresh() {
  clearTimeout(timer);
  const route = /^#\/jobs\/([0-9a-f]{32})$/.exec(location.hash);
  try {
    const view = route
      ? jobView(
          await api('GET', `/api/v1/jobs/${route[1]}`),
          await api('GET', `/api/v1/jobs/${route[1]}/metrics`),
        )
      : jobsView((await api('GET', '/api/v1/jobs')).jobs);
    app.replaceChildren(view);
    connection.textContent = `updated ${new Date().toLocaleTimeString()}`;
    connection.className = 'connection ok';
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      app.replaceChildren(
        tokenForm(localStorage.getItem(TOKEN_KEY) ? 'The server refused the token.' : 'Enter the API token.'),
      );
      connection.textContent = '';
      return;
    }
    connection.textContent = `cannot reach the server: ${e.message}`;
    connection.className = 'connection bad';
  }
  timer = setTimeout(() => void refresh(), 1000);
}

takeTokenFromUrl();
window.addEventListener('hashchange', () => {
  takeTokenFromUrl();
  void refresh();
});
void refresh();
