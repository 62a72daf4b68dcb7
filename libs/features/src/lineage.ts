/**
 * Lineage: for each engineered feature, the raw inputs behind it, read off the declarative feature spec (the same
 * formulas both engines execute), so an explanation can speak of the client's own fields instead of column names.
 */
import type { SideTableName } from '@credit-scoring/data';
import { inputsOf } from './expr';
import { aggregateOutputs, AggName, APPLICATION_DERIVED } from './feature-spec';
import { FittedPipelineState, sideSpecs } from './pipeline-state';

export type FeatureKind = 'field' | 'formula' | 'category' | 'category-flag' | 'history';

/** Where one model column comes from. */
export interface FeatureLineage {
  feature: string;
  /**
   * field: an application field as sent (cleaned); formula: a domain ratio of application fields; category: the
   * integer code of a text field (labels in `categories`); category-flag: 1 when the text field is `level`
   * (one-hot); history: an aggregation of the client's rows in a side table.
   */
  kind: FeatureKind;
  /** Application fields the value is computed from (empty for history features). */
  fields: string[];
  /** The formula's name when kind is formula (e.g. CREDIT_INCOME_RATIO = AMT_CREDIT / AMT_INCOME_TOTAL). */
  formula?: string;
  /** The category level a one-hot column flags. */
  level?: string;
  /** For history features: the side table, its row-level column, the aggregation and the row filter. */
  history?: {
    table: SideTableName;
    column?: string;
    /** Raw columns of the side table that row-level column reads. */
    columns: string[];
    agg: AggName | 'rows';
    /** e.g. CREDIT_ACTIVE in [Active] */
    where?: { col: string; in: string[] };
  };
}

/** A human-readable formula for a domain ratio, e.g. `AMT_CREDIT / AMT_INCOME_TOTAL`. */
export function formulaText(name: string): string | undefined {
  const expr = APPLICATION_DERIVED[name];
  if (!expr) return undefined;
  const text = (e: typeof expr): string => {
    if ('num' in e) return e.num;
    if ('lit' in e) return String(e.lit);
    if ('is' in e) return `(${e.is} is ${e.values.join(' or ')})`;
    if ('op' in e) return `(${text(e.a)} ${e.op} ${text(e.b)})`;
    if ('max0' in e) return `max(${text(e.max0)}, 0)`;
    if ('gt0' in e) return `(${text(e.gt0)} > 0)`;
    return `${e.rowStat}(${e.of.join(', ')})`;
  };
  return text(expr).replace(/^\((.*)\)$/, '$1');
}

/** The lineage of every feature of a fitted state, in feature order. */
export function featureLineage(state: FittedPipelineState): FeatureLineage[] {
  const out: FeatureLineage[] = state.applicationNumeric.map((f) => ({
    feature: f.name,
    kind: 'field' as const,
    fields: [f.name],
  }));
  for (const [name, expr] of Object.entries(APPLICATION_DERIVED)) {
    const inputs = { numeric: new Set<string>(), text: new Set<string>() };
    inputsOf(expr, inputs);
    out.push({
      feature: name,
      kind: 'formula',
      fields: [...inputs.numeric, ...inputs.text],
      formula: formulaText(name),
    });
  }
  for (const c of state.applicationText) {
    if (state.options.categorical === 'codes') out.push({ feature: c, kind: 'category', fields: [c] });
    else
      for (const level of state.categoryLevels[c]) out.push({ feature: '', kind: 'category-flag', fields: [c], level });
  }
  for (const spec of sideSpecs(state.options.sideTables)) {
    for (const o of aggregateOutputs(spec)) {
      const inputs = { numeric: new Set<string>(), text: new Set<string>() };
      const expr = o.col ? spec.columns[o.col] : undefined;
      if (expr) inputsOf(expr, inputs);
      out.push({
        feature: o.name,
        kind: 'history',
        fields: [],
        history: {
          table: spec.table,
          column: o.col,
          columns: [...inputs.numeric, ...inputs.text],
          agg: o.kind === 'rows' ? 'rows' : (o.agg as AggName),
          where: o.group.where,
        },
      });
    }
  }
  // The names come from the state (one-hot names are made unique there), position for position.
  if (out.length !== state.featureNames.length) {
    throw new Error(`lineage has ${out.length} entries for ${state.featureNames.length} features`);
  }
  return out.map((entry, i) => ({ ...entry, feature: state.featureNames[i] }));
}
