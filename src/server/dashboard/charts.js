// Line charts as SVG, drawn from the samples the server keeps (one a second, the last hour).
const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** A compact number: 1234 → 1.2k. */
export function compact(n) {
  if (n === null || n === undefined || Number.isNaN(n)) return '–';
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${(n / 1e9).toFixed(1)}G`;
  if (abs >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (abs >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  if (abs >= 100 || Number.isInteger(n)) return String(Math.round(n));
  return n.toFixed(1);
}

/**
 * A line chart of `points` ([{ at, value }], value may be null = gap) over the time window
 * [now - windowMs, now]; the y axis from 0 to the largest value.
 */
export function lineChart(title, points, { unit = '', windowMs = 3600_000, now = Date.now() } = {}) {
  const width = 560;
  const height = 150;
  const pad = { left: 44, right: 8, top: 22, bottom: 20 };
  const root = svg('svg', {
    viewBox: `0 0 ${width} ${height}`,
    class: 'chart',
    role: 'img',
    'aria-label': title,
  });
  const values = points.map((p) => p.value).filter((v) => v !== null);
  const max = Math.max(1, ...values);
  const x = (at) => pad.left + ((at - (now - windowMs)) / windowMs) * (width - pad.left - pad.right);
  const y = (v) => height - pad.bottom - (v / max) * (height - pad.top - pad.bottom);
  const label = svg('text', { x: pad.left, y: 14, class: 'chart-title' });
  const last = values.at(-1);
  label.textContent = `${title}: ${last === undefined ? '–' : compact(last)}${unit}`;
  root.append(label);
  for (const frac of [0, 0.5, 1]) {
    const yy = y(max * frac);
    root.append(svg('line', { x1: pad.left, x2: width - pad.right, y1: yy, y2: yy, class: 'grid' }));
    const t = svg('text', { x: pad.left - 4, y: yy + 4, class: 'axis', 'text-anchor': 'end' });
    t.textContent = compact(max * frac);
    root.append(t);
  }
  for (const [at, text] of [
    [now - windowMs, '-60 min'],
    [now - windowMs / 2, '-30 min'],
    [now, 'now'],
  ]) {
    const t = svg('text', { x: x(at), y: height - 4, class: 'axis', 'text-anchor': 'middle' });
    t.textContent = text;
    root.append(t);
  }
  let d = '';
  let pen = false;
  for (const p of points) {
    if (p.value === null || p.at < now - windowMs) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${x(p.at).toFixed(1)},${y(p.value).toFixed(1)}`;
    pen = true;
  }
  if (d) root.append(svg('path', { d, class: 'line' }));
  return root;
}
