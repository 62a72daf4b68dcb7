import { detectDrift, renderDriftHtml } from './index';

describe('renderDriftHtml', () => {
  const ref = {
    AMT_INCOME_TOTAL: Float64Array.from({ length: 1500 }, (_, i) => 100000 + ((i * 7919) % 1000) * 150),
    NAME_CONTRACT_TYPE: Array.from({ length: 1500 }, (_, i) => (i % 9 ? 'Cash loans' : 'Revolving loans')),
    'odd <name> & "quotes"': Array.from({ length: 1500 }, (_, i) => (i % 2 ? 'Y' : 'N')),
  };
  const cur = {
    AMT_INCOME_TOTAL: Float64Array.from({ length: 700 }, (_, i) => 150000 + ((i * 7919) % 1000) * 150),
    NAME_CONTRACT_TYPE: Array.from({ length: 700 }, (_, i) => (i % 3 ? 'Cash loans' : 'Revolving loans')),
    'odd <name> & "quotes"': Array.from({ length: 700 }, (_, i) => (i % 2 ? 'Y' : 'N')),
  };
  const report = detectDrift(ref, cur);
  const html = renderDriftHtml(report, { title: 'train vs test' });

  it('is self-contained: no URL, no external script, style or image', () => {
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/);
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
  });
  it('has the summary first, then one row and one plot per column, names escaped', () => {
    expect(html.indexOf('Drifted columns')).toBeLessThan(html.indexOf('<table'));
    for (const c of report.columns) {
      const escaped = c.column
        .replace(/&/g, '&amp;')
        .replace(/</g, '&lt;')
        .replace(/>/g, '&gt;')
        .replace(/"/g, '&quot;');
      expect(html).toContain(`<b>${escaped}</b>`);
      expect(html).toContain(`aria-label="${escaped} distribution"`);
    }
    expect(html).not.toContain('<name>');
    expect((html.match(/<svg /g) ?? []).length).toBe(report.columns.length);
    expect(html).toContain(`${report.dataset.numberOfDriftedColumns} / ${report.dataset.numberOfColumns}`);
  });
  it('the table is sortable by score (numeric sort key on the score cells)', () => {
    expect(html).toContain('<th data-type="num">Score</th>');
    expect(html).toContain(`data-v="${report.columns[0].score}"`);
  });
  it('says why a column drifted without a score, and names the columns the reference cannot test', () => {
    const empty = detectDrift(
      { ...ref, EXT_SOURCE_1: new Float64Array(1500).fill(NaN), EXT_SOURCE_2: ref.AMT_INCOME_TOTAL },
      { ...cur, EXT_SOURCE_1: cur.AMT_INCOME_TOTAL, EXT_SOURCE_2: new Float64Array(700).fill(NaN) },
      { schema: { EXT_SOURCE_1: 'numeric', EXT_SOURCE_2: 'numeric' } },
    );
    const page = renderDriftHtml(empty);
    expect(page).toMatch(
      /<b>EXT_SOURCE_2<\/b>[^]*?Detected<br><small>no values in the current data \(reference: 0\.0% missing\)<\/small>[^]*?data-v="">—<\/td>/,
    );
    expect(page).toContain('<p>Not compared (no value in the reference data): EXT_SOURCE_1</p>');
    expect(page).not.toMatch(/[>"]NaN[<"]/); // no NaN share, score or edge (the sort script's isNaN aside)
  });
});
