// A small SVG chart of how cost grows: daemon/status p50 at 1, 8 and 32
// concurrent clients, and task/run p50 with 0, 100 and 1,000 live tasks, each
// with its reference measured in the same run (median, min–max bars).

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * One panel: categorical x, linear y from 0.
 * @param series `[{label, color, points: [{median, min, max}]}]`, one point per x label.
 */
function panel({ x0, y0, width, height, title, xLabels, xTitle, yTitle, series }) {
  const top = y0 + 34;
  const left = x0 + 52;
  const plotW = width - 70;
  const plotH = height - 120;
  const maxY =
    Math.max(1e-9, ...series.flatMap((s) => s.points.map((p) => (Number.isFinite(p.max) ? p.max : 0)))) *
    1.15;
  const step = niceStep(maxY / 4);
  const xs = xLabels.map((_, i) => left + (plotW * (i + 0.5)) / xLabels.length);
  const y = (v) => top + plotH - (v / (step * Math.ceil(maxY / step))) * plotH;
  const out = [];
  out.push(
    `<text x="${x0 + width / 2}" y="${y0 + 18}" text-anchor="middle" font-size="14" font-weight="600">${esc(title)}</text>`,
  );
  for (let v = 0; v <= step * Math.ceil(maxY / step) + 1e-12; v += step) {
    out.push(`<line x1="${left}" x2="${left + plotW}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`);
    out.push(
      `<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end" font-size="11">${esc(+v.toPrecision(3))}</text>`,
    );
  }
  out.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotH}" stroke="#333"/>`);
  out.push(`<line x1="${left}" x2="${left + plotW}" y1="${top + plotH}" y2="${top + plotH}" stroke="#333"/>`);
  xLabels.forEach((label, i) => {
    out.push(
      `<text x="${xs[i]}" y="${top + plotH + 16}" text-anchor="middle" font-size="11">${esc(label)}</text>`,
    );
  });
  out.push(
    `<text x="${left + plotW / 2}" y="${top + plotH + 34}" text-anchor="middle" font-size="12">${esc(xTitle)}</text>`,
  );
  out.push(
    `<text transform="translate(${x0 + 14},${top + plotH / 2}) rotate(-90)" text-anchor="middle" font-size="12">${esc(yTitle)}</text>`,
  );
  series.forEach((s, si) => {
    const pts = s.points.map((p, i) => [xs[i] + (si - (series.length - 1) / 2) * 6, p]);
    const path = pts
      .filter(([, p]) => Number.isFinite(p.median))
      .map(([x, p]) => `${x},${y(p.median)}`)
      .join(' ');
    out.push(`<polyline points="${path}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    for (const [x, p] of pts) {
      if (!Number.isFinite(p.median)) continue;
      if (Number.isFinite(p.min) && Number.isFinite(p.max) && p.max > p.min) {
        out.push(
          `<line x1="${x}" x2="${x}" y1="${y(p.min)}" y2="${y(p.max)}" stroke="${s.color}" stroke-width="1.5"/>`,
        );
      }
      out.push(
        `<circle cx="${x}" cy="${y(p.median)}" r="3.5" fill="${s.color}"><title>${esc(`${s.label}: ${p.median.toFixed(3)}`)}</title></circle>`,
      );
    }
    const ly = top + plotH + 52 + si * 16;
    out.push(`<rect x="${left}" y="${ly - 9}" width="14" height="4" fill="${s.color}"/>`);
    out.push(`<text x="${left + 20}" y="${ly - 3}" font-size="11">${esc(s.label)}</text>`);
  });
  return out.join('\n');
}

function niceStep(raw) {
  const pow = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * pow >= raw) return m * pow;
  return 10 * pow;
}

/** The SVG text of the growth chart, or undefined when neither figure was measured. */
export function growthChart(raw, caption) {
  const panels = [];
  const rpc = raw.rpc?.concurrency;
  const live = raw.liveTasks;
  if (rpc) {
    panels.push({
      title: 'daemon/status round trip, p50',
      xLabels: rpc.levels.map((c) => `${c}`),
      xTitle: 'concurrent clients',
      yTitle: 'ms',
      series: [
        { label: 'TendClient → tend daemon', color: '#1f6feb', points: rpc.levels.map((c) => rpc.tend[c]) },
        {
          label: 'bare vscode-jsonrpc (reference)',
          color: '#8c959f',
          points: rpc.levels.map((c) => rpc.bare[c]),
        },
      ],
    });
  }
  // Drawn only when every level was measured (liveTasks records a failed sub-measure and goes on).
  if (live?.levels.every((n) => live.run?.[n]?.length > 0 && live.execa?.[n]?.length > 0)) {
    const sum = (values) => {
      const sorted = [...values].sort((a, b) => a - b);
      return { median: sorted[sorted.length >> 1], min: sorted[0], max: sorted.at(-1) };
    };
    panels.push({
      title: 'task/run until running, p50',
      xLabels: live.levels.map((n) => `${n}`),
      xTitle: 'live tasks',
      yTitle: 'ms',
      series: [
        {
          label: 'task/run via TendClient',
          color: '#1f6feb',
          points: live.levels.map((n) => sum(live.run[n])),
        },
        {
          label: 'execa spawning the wrapper (reference)',
          color: '#8c959f',
          points: live.levels.map((n) => sum(live.execa[n])),
        },
      ],
    });
  }
  if (panels.length === 0) return undefined;
  const width = 380;
  const height = 340;
  const body = panels.map((p, i) => panel({ ...p, x0: i * width, y0: 0, width, height })).join('\n');
  const total = width * panels.length;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${total}" height="${height + 24}" viewBox="0 0 ${total} ${height + 24}" ` +
    `font-family="system-ui, sans-serif">\n<rect width="100%" height="100%" fill="#fff"/>\n${body}\n` +
    `<text x="${total / 2}" y="${height + 14}" text-anchor="middle" font-size="10" fill="#555">${esc(caption)}</text>\n</svg>\n`
  );
}
