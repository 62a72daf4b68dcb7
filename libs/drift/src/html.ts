// Self-contained HTML drift report: inline CSS, inline SVG plots and a few lines of inline JS to sort the
// table. No external reference of any kind, so it opens offline and can be stored as an MLflow artifact.
import type { ColumnDrift, DriftReport } from './detect';

export interface HtmlOptions {
  title?: string;
  referenceLabel?: string;
  currentLabel?: string;
}

const REF_COLOR = '#4c78a8';
const CUR_COLOR = '#f58518';

const escapeHtml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] as string,
  );

const fmt = (x: number): string =>
  Number.isNaN(x) ? 'NaN' : Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(3) : x.toFixed(4);
const axisFmt = (x: number): string => (Math.abs(x) >= 1e5 ? x.toExponential(2) : String(Number(x.toPrecision(4))));
const axisFmt2 = (label: string | undefined): string =>
  label === undefined ? '' : label.length > 18 ? `${label.slice(0, 17)}…` : label;
const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

export function renderDriftHtml(report: DriftReport, opts: HtmlOptions = {}): string {
  const title = opts.title ?? 'Data drift report';
  const refLabel = opts.referenceLabel ?? 'reference';
  const curLabel = opts.currentLabel ?? 'current';
  const d = report.dataset;
  const verdict = d.datasetDrift ? 'Dataset drift detected' : 'No dataset drift';
  const rows = [...report.columns].sort(
    (a, b) => Number(b.driftDetected) - Number(a.driftDetected) || a.column.localeCompare(b.column),
  );
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#222}
h1{font-size:22px;margin:0 0 12px}.summary{display:flex;gap:16px;flex-wrap:wrap;margin-bottom:16px}
.card{border:1px solid #ddd;border-radius:6px;padding:10px 14px;min-width:140px}.card b{display:block;font-size:20px}
.drift{color:#b00020}.ok{color:#1b7f3b}table{border-collapse:collapse;font-size:13px}
th,td{border-bottom:1px solid #eee;padding:4px 8px;text-align:left;vertical-align:middle}
th{cursor:pointer;background:#fafafa;position:sticky;top:0}th:hover{background:#eee}
td.num{text-align:right;font-variant-numeric:tabular-nums}.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}
svg{display:block}td:first-child{max-width:200px;overflow-wrap:anywhere}
</style></head><body>
<h1>${escapeHtml(title)}</h1>
<div class="summary">
<div class="card"><span>Verdict</span><b class="${d.datasetDrift ? 'drift' : 'ok'}">${verdict}</b></div>
<div class="card"><span>Drifted columns</span><b>${d.numberOfDriftedColumns} / ${d.numberOfColumns}</b></div>
<div class="card"><span>Share drifted</span><b>${pct(d.shareOfDriftedColumns)}</b><span>threshold ≥ ${pct(d.driftShare)}</span></div>
<div class="card"><span>Rows</span><b>${report.referenceRows} → ${report.currentRows}</b><span>${escapeHtml(refLabel)} → ${escapeHtml(curLabel)}</span></div>
</div>
<p class="legend">Distributions:<span style="background:${REF_COLOR}"></span>${escapeHtml(refLabel)}<span style="background:${CUR_COLOR}"></span>${escapeHtml(curLabel)} (share of non-missing rows)</p>
${report.ignoredColumns.length ? `<p>Not compared (present in one dataset only): ${report.ignoredColumns.map(escapeHtml).join(', ')}</p>` : ''}
${report.emptyReferenceColumns.length ? `<p>Not compared (no value in the reference data): ${report.emptyReferenceColumns.map(escapeHtml).join(', ')}</p>` : ''}
<div style="overflow-x:auto"><table id="drift"><thead><tr>
<th data-type="text">Column</th><th data-type="text">Type</th><th data-type="text">Drift</th><th data-type="text">Test</th>
<th data-type="num">Score</th><th data-type="num">Threshold</th><th data-type="num" title="${escapeHtml(refLabel)}">Missing ref.</th>
<th data-type="num" title="${escapeHtml(curLabel)}">Missing cur.</th><th data-type="text">Unseen categories</th><th data-type="none">Distribution</th>
</tr></thead><tbody>
${rows.map((c) => columnRow(c)).join('\n')}
</tbody></table></div>
<script>
(function(){var t=document.getElementById('drift');var hs=t.tHead.rows[0].cells;var dir={};
for(var i=0;i<hs.length;i++)(function(i){var ty=hs[i].getAttribute('data-type');if(ty==='none')return;
hs[i].addEventListener('click',function(){var b=t.tBodies[0];var rs=Array.prototype.slice.call(b.rows);dir[i]=-(dir[i]||1);
rs.sort(function(x,y){var a=x.cells[i].getAttribute('data-v'),c=y.cells[i].getAttribute('data-v');
if(ty==='num'){a=parseFloat(a);c=parseFloat(c);a=isNaN(a)?-Infinity:a;c=isNaN(c)?-Infinity:c;return dir[i]*(a-c);}return dir[i]*a.localeCompare(c);});
rs.forEach(function(r){b.appendChild(r);});});})(i);})();
</script>
</body></html>
`;
}

function columnRow(c: ColumnDrift): string {
  const unseen = c.unseenCategories.length
    ? c.unseenCategories.slice(0, 10).map(escapeHtml).join(', ') + (c.unseenCategories.length > 10 ? ', …' : '')
    : '';
  return `<tr>
<td data-v="${escapeHtml(c.column)}"><b>${escapeHtml(c.column)}</b></td>
<td data-v="${c.type}">${c.type}</td>
<td data-v="${c.driftDetected ? '1' : '0'}" class="${c.driftDetected ? 'drift' : 'ok'}">${c.driftDetected ? 'Detected' : 'Not detected'}${c.note ? `<br><small>${escapeHtml(c.note)}</small>` : ''}</td>
<td data-v="${escapeHtml(c.stattestName)}">${escapeHtml(c.stattestName)}</td>
<td class="num" data-v="${c.score ?? ''}">${c.score === null ? '—' : fmt(c.score)}</td>
<td class="num" data-v="${c.threshold}">${fmt(c.threshold)}</td>
<td class="num" data-v="${c.reference.missingShare}">${pct(c.reference.missingShare)}</td>
<td class="num" data-v="${c.current.missingShare}">${pct(c.current.missingShare)}</td>
<td data-v="${escapeHtml(unseen)}">${unseen}</td>
<td>${distributionSvg(c)}</td>
</tr>`;
}

/** Side-by-side bars per bin or category, reference and current shares on one scale. */
function distributionSvg(c: ColumnDrift): string {
  const width = 260;
  const height = 90;
  const plotH = 70;
  const d = c.distribution;
  const n = d.reference.length;
  const maxShare = Math.max(1e-12, ...d.reference, ...d.current);
  const slot = width / Math.max(n, 1);
  const bar = Math.max(0.5, slot / 2 - 0.5);
  const bars: string[] = [];
  for (let i = 0; i < n; i++) {
    const label =
      d.kind === 'categories'
        ? d.categories[i]
        : `[${axisFmt(d.edges[i])}, ${axisFmt(d.edges[i + 1])}${i === n - 1 ? ']' : ')'}`;
    const x = i * slot;
    for (const [share, color, dx, who] of [
      [d.reference[i], REF_COLOR, 0, 'reference'],
      [d.current[i], CUR_COLOR, bar, 'current'],
    ] as const) {
      const h = (share / maxShare) * plotH;
      bars.push(
        `<rect x="${(x + dx).toFixed(2)}" y="${(plotH - h).toFixed(2)}" width="${bar.toFixed(2)}" height="${h.toFixed(2)}" fill="${color}"><title>${escapeHtml(label)} ${who}: ${pct(share)}</title></rect>`,
      );
    }
  }
  const axis =
    d.kind === 'histogram'
      ? `<text x="0" y="${height - 4}" font-size="10">${axisFmt(d.edges[0])}</text><text x="${width}" y="${height - 4}" font-size="10" text-anchor="end">${axisFmt(d.edges[d.edges.length - 1])}</text>`
      : `<text x="0" y="${height - 4}" font-size="10">${n} ${c.type === 'numeric' ? 'value' : 'categor'}${n === 1 ? (c.type === 'numeric' ? '' : 'y') : c.type === 'numeric' ? 's' : 'ies'}: ${escapeHtml(axisFmt2(d.categories[0]))} … ${escapeHtml(axisFmt2(d.categories[n - 1]))}</text>`;
  return `<svg width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(c.column)} distribution"><line x1="0" y1="${plotH}" x2="${width}" y2="${plotH}" stroke="#999"/>${bars.join('')}${axis}</svg>`;
}
