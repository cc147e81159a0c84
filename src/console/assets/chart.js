/**
 * @module console/chart
 * A small line chart as inline SVG: a few series over the same time axis,
 * the y range from 0 to the largest value, its current values in the
 * legend. Redrawn whole on each update (60 points, a few series).
 */
const SVG = 'http://www.w3.org/2000/svg';
const COLORS = ['#2457c5', '#d9480f', '#2b8a3e', '#9c36b5', '#e67700', '#0b7285', '#c2255c', '#5c940d'];
const H = 140;
const PAD = { left: 44, right: 6, top: 8, bottom: 16 };

function el(tag, attrs) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

/** "1.2k", "3.5", "0.25": short axis text. */
export function short(v) {
  const a = Math.abs(v);
  if (a >= 1e9) return `${(v / 1e9).toFixed(1)}G`;
  if (a >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${(v / 1e3).toFixed(1)}k`;
  if (a >= 100 || v === 0) return v.toFixed(0);
  if (a >= 1) return v.toFixed(2).replace(/\.?0+$/, '');
  return v.toPrecision(2);
}

/**
 * Draws into `svg` (an <svg> element) series [{ name, points: [[t, v]…] }]
 * over [t0, t1]; returns the legend entries [{ name, color, last }].
 */
export function drawChart(svg, series, t0, t1) {
  // The drawing's width is the element's, so text is never stretched.
  const W = Math.max(200, Math.round(svg.getBoundingClientRect().width) || 400);
  svg.replaceChildren();
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  let max = 0;
  for (const s of series) for (const [, v] of s.points) if (Number.isFinite(v) && v > max) max = v;
  if (max === 0) max = 1;
  const x = (t) => PAD.left + ((t - t0) / Math.max(1, t1 - t0)) * (W - PAD.left - PAD.right);
  const y = (v) => H - PAD.bottom - (v / max) * (H - PAD.top - PAD.bottom);
  for (const frac of [0, 0.5, 1]) {
    const yy = y(max * frac);
    svg.append(el('line', { x1: PAD.left, x2: W - PAD.right, y1: yy, y2: yy, stroke: 'currentColor', 'stroke-opacity': 0.15, 'vector-effect': 'non-scaling-stroke' }));
    const label = el('text', { x: PAD.left - 4, y: yy + 3, 'text-anchor': 'end', 'font-size': 9, fill: 'currentColor', 'fill-opacity': 0.6 });
    label.textContent = short(max * frac);
    svg.append(label);
  }
  const legend = [];
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const pts = s.points.filter(([, v]) => Number.isFinite(v));
    if (pts.length > 0) {
      svg.append(el('polyline', {
        points: pts.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' '),
        fill: 'none', stroke: color, 'stroke-width': 1.6, 'vector-effect': 'non-scaling-stroke', 'data-series': s.name,
      }));
    }
    legend.push({ name: s.name, color, last: pts.length ? pts[pts.length - 1][1] : undefined });
  });
  return legend;
}
