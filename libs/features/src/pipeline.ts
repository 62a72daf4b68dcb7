/**
 * FeaturePipeline: the fitted feature transformation shared by training (batch, polars) and serving (one row,
 * plain TypeScript). The feature layout is:
 *   [application numeric columns (cleaned)] [domain ratios] [categorical codes or one-hot] [side-table aggregates]
 * Everything that does not depend on the fit (cleaning, ratios, aggregates) is computed once per tables object
 * and cached; fitting only learns the category levels, so refitting per CV fold is cheap.
 *
 * Its parts: pipeline-state.ts (the fitted state as JSON, built and checked), pipeline-batch.ts (the matrix of a
 * tables object), pipeline-one-row.ts (the serving path, compiled once per pipeline).
 */
import type { HomeCreditTables, SideTableName } from '@credit-scoring/data';
import { FeatureError } from './errors';
import { featureLineage, FeatureLineage } from './lineage';
import {
  checkRows,
  consumeStateless,
  FeatureMatrix,
  featureMatrix,
  statelessColumns,
  type SideTableLoader,
  type StatelessColumns,
} from './pipeline-batch';
import {
  Applicant,
  ApplicantHistory,
  CompiledRow,
  FeatureRows,
  TransformManyOptions,
  RawApplication,
  RawRow,
  RawValue,
} from './pipeline-one-row';
import {
  applicationFields,
  buildState,
  FeatureOptions,
  FittedPipelineState,
  ID,
  levelIndexOf,
  PIPELINE_STATE_KIND,
  PIPELINE_STATE_VERSION,
  RawFieldSpec,
  RawFieldType,
  REQUIRED_FIELDS,
  resolveOptions,
  validateState,
} from './pipeline-state';

export { PIPELINE_STATE_KIND, PIPELINE_STATE_VERSION };
export type {
  Applicant,
  ApplicantHistory,
  FeatureMatrix,
  FeatureOptions,
  FeatureRows,
  TransformManyOptions,
  FittedPipelineState,
  RawApplication,
  RawFieldSpec,
  RawFieldType,
  RawRow,
  RawValue,
};

export class FeaturePipeline {
  private readonly levelIndex: Map<string, Map<string, number>>;
  /** the one-row path, compiled when the pipeline is fitted or loaded */
  private readonly oneRow: CompiledRow;

  private constructor(private readonly state: FittedPipelineState) {
    this.levelIndex = levelIndexOf(state);
    this.oneRow = new CompiledRow(state);
  }

  get featureNames(): string[] {
    return [...this.state.featureNames];
  }

  get categoricalFeatures(): number[] {
    return [...this.state.categoricalFeatures];
  }

  /** Fits category levels on `rows` of the application table (all rows by default). */
  static fit(
    tables: HomeCreditTables | FeatureColumns,
    opts: FeatureOptions & { rows?: Int32Array } = {},
  ): FeaturePipeline {
    const options = resolveOptions(opts);
    const { numeric, text } = tables instanceof FeatureColumns ? tables.fields : applicationFields(tables.application);
    const columns = sourceColumns(
      tables,
      options.sideTables,
      numeric.map((f) => f.name),
      text,
    );
    const rows = checkRows(opts.rows, columns.nRows);
    const categoryLevels: Record<string, string[]> = {};
    text.forEach((c, k) => {
      const { codes, values } = columns.text[k];
      const seen = new Uint8Array(values.length);
      if (rows)
        for (const i of rows) {
          if (codes[i] >= 0) seen[codes[i]] = 1;
        }
      else for (const code of codes) if (code >= 0) seen[code] = 1;
      categoryLevels[c] = values.filter((_, code) => seen[code] === 1).sort();
    });
    return new FeaturePipeline(buildState(options, numeric, text, categoryLevels));
  }

  static fromJSON(state: FittedPipelineState): FeaturePipeline {
    validateState(state);
    return new FeaturePipeline(JSON.parse(JSON.stringify(state)) as FittedPipelineState);
  }

  toJSON(): FittedPipelineState {
    return JSON.parse(JSON.stringify(this.state)) as FittedPipelineState;
  }

  /**
   * Features of `rows` of the application table (all rows by default), in that order. `into`: a buffer to write the
   * matrix in (at least nRows x nCols values; `data` is then its start), so that a caller scoring chunk after chunk
   * reuses memory instead of faulting in a fresh matrix each time (~0.17 s of kernel time per 333 MB, 50,000 rows).
   */
  transform(
    tables: HomeCreditTables | FeatureColumns,
    opts: { rows?: Int32Array; into?: Float64Array } = {},
  ): FeatureMatrix {
    const s = this.state;
    const columns = sourceColumns(
      tables,
      s.options.sideTables,
      s.applicationNumeric.map((f) => f.name),
      s.applicationText,
    );
    return this.matrixOf(columns, checkRows(opts.rows, columns.nRows), opts.into);
  }

  /**
   * transform of every application row, for side tables still being read: `next(pending)` resolves to one of the
   * pending side tables (spec names; bureau stands for bureau and bureau_balance) once it is in `tables` or known
   * absent, and that table is aggregated at once, while the caller reads the others. Takes the tables over (each
   * frame is deleted from `tables` once aggregated). The matrix equals transform's: each table's aggregates depend on
   * that table alone.
   */
  async transformArriving(
    tables: HomeCreditTables,
    next: (pending: SideTableName[]) => Promise<SideTableName>,
  ): Promise<FeatureMatrix> {
    const s = this.state;
    const numeric = s.applicationNumeric.map((f) => f.name);
    const { sideTables } = s.options;
    const columns = await consumeStateless(tables, sideTables, numeric, s.applicationText, { next });
    return this.matrixOf(columns, undefined);
  }

  private matrixOf(columns: StatelessColumns, only: Int32Array | undefined, into?: Float64Array): FeatureMatrix {
    const rows = only ?? Int32Array.from({ length: columns.nRows }, (_, i) => i);
    const target = columns.target;
    return {
      ...featureMatrix(this.state, this.levelIndex, columns, rows, into),
      featureNames: this.featureNames,
      categoricalFeatures: this.categoricalFeatures,
      ids: Int32Array.from(rows, (i) => columns.ids[i]),
      target: target ? Float64Array.from(rows, (i) => target[i]) : undefined,
      amtCredit: Float64Array.from(rows, (i) => columns.amtCredit[i]),
    };
  }

  /** The batch row of one raw application and its raw history, computed without a dataframe engine. */
  transformOne(application: RawApplication, history: ApplicantHistory = {}): Float64Array {
    const out = new Float64Array(this.oneRow.nCols);
    this.oneRow.write(application, history, out, 0);
    return out;
  }

  /**
   * The rows of many raw applicants as one row-major matrix (row i = transformOne of applicant i), for one LightGBM
   * predict call. A bad applicant throws a FeatureError whose `applicant` is its index.
   */
  transformMany(applicants: readonly Applicant[], options: TransformManyOptions = {}): FeatureRows {
    if (!Array.isArray(applicants)) throw new FeatureError('applicants must be an array of { application, history }');
    const nCols = this.oneRow.nCols;
    const data = options.into?.data ?? new Float64Array(applicants.length * nCols);
    const first = options.into?.row ?? 0;
    if (!Number.isInteger(first) || first < 0 || (first + applicants.length) * nCols > data.length)
      throw new FeatureError(`into: ${applicants.length} rows from row ${first} do not fit its matrix`);
    const names = options.missingOf;
    const lacking = names && { slots: this.oneRow.slotsOf(names), rows: [] as string[][] };
    for (let i = 0; i < applicants.length; i++) {
      const applicant = applicants[i];
      try {
        if (applicant === null || typeof applicant !== 'object')
          throw new FeatureError('an applicant must be an object { application, history }');
        this.oneRow.write(applicant.application, applicant.history, data, (first + i) * nCols);
      } catch (error) {
        if (error instanceof FeatureError) throw new FeatureError(error.message, i);
        throw error;
      }
      if (names && lacking) lacking.rows.push(names.filter((_, k) => this.oneRow.lacks(lacking.slots[k])));
    }
    return { data, nRows: applicants.length, nCols, missing: lacking?.rows };
  }

  /** For each feature, in order, the raw inputs it is computed from (from the declarative feature spec). */
  lineage(): FeatureLineage[] {
    return featureLineage(this.state);
  }

  /** Application fields the serving API accepts (Kaggle names), with types and fitted categories. */
  rawFields(): RawFieldSpec[] {
    const s = this.state;
    return [
      { name: ID, type: 'integer' as const, required: true },
      ...s.applicationNumeric.map((f) => ({ name: f.name, type: f.type, required: REQUIRED_FIELDS.has(f.name) })),
      ...s.applicationText.map((c) => ({
        name: c,
        type: 'string' as const,
        required: REQUIRED_FIELDS.has(c),
        values: [...s.categoryLevels[c]],
      })),
    ];
  }
}

/**
 * The fit-independent columns of a tables object (cleaned application fields, ratios, coded text, side-table
 * aggregates), with no dataframe inside. FeaturePipeline.fit and transform take it in place of the tables, and give
 * the same matrices: a caller that builds every matrix from it can release the tables (gigabytes of side-table rows
 * at Kaggle scale) once it is made.
 */
export class FeatureColumns {
  private constructor(
    readonly sideTables: readonly SideTableName[],
    /** @internal the application fields, as applicationFields found them */
    readonly fields: ReturnType<typeof applicationFields>,
    /** @internal */
    readonly columns: StatelessColumns,
  ) {}

  /** Computes the columns of `tables` for the side tables of `opts` (all by default), once. */
  static of(tables: HomeCreditTables, opts: Pick<FeatureOptions, 'sideTables'> = {}): FeatureColumns {
    const { sideTables } = resolveOptions(opts);
    const fields = applicationFields(tables.application);
    const names = fields.numeric.map((f) => f.name);
    return new FeatureColumns(sideTables, fields, statelessColumns(tables, sideTables, names, fields.text));
  }

  /**
   * As `of`, taking the tables over: every frame is deleted from `tables` as soon as it is aggregated, and the event
   * loop turns between tables so that polars can release each one before the next is aggregated (its memory goes
   * when V8 has collected the frame's handle and its finalizer has run). `tables` is empty afterwards. For a caller
   * that needs nothing else from the tables. `afterEachTable` runs after each of those turns and is awaited (e.g. to
   * collect garbage and give the freed memory back to the OS). With `load`, a side table missing from
   * `tables` is read only when its turn comes (undefined = no such table): tables may then hold just the application.
   */
  static async consume(
    tables: HomeCreditTables,
    opts: Pick<FeatureOptions, 'sideTables'> & {
      afterEachTable?: () => void | Promise<void>;
      load?: SideTableLoader;
    } = {},
  ): Promise<FeatureColumns> {
    const { sideTables } = resolveOptions(opts);
    const fields = applicationFields(tables.application);
    const names = fields.numeric.map((f) => f.name);
    const { afterEachTable, load } = opts;
    const columns = await consumeStateless(tables, sideTables, names, fields.text, {
      afterEachTable,
      load,
      compact: true,
    });
    return new FeatureColumns(sideTables, fields, columns);
  }

  /** Application rows. */
  get nRows(): number {
    return this.columns.nRows;
  }
}

/** The stateless columns of tables or of FeatureColumns made for the same side tables and fields. */
function sourceColumns(
  source: HomeCreditTables | FeatureColumns,
  sideTables: SideTableName[],
  numeric: string[],
  text: string[],
): StatelessColumns {
  if (!(source instanceof FeatureColumns)) return statelessColumns(source, sideTables, numeric, text);
  const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((v, i) => v === b[i]);
  if (!same(source.sideTables, sideTables))
    throw new FeatureError(
      `the feature columns aggregate side tables [${source.sideTables.join(', ')}]; ` +
        `the pipeline needs [${sideTables.join(', ')}]`,
    );
  if (
    !same(
      source.fields.numeric.map((f) => f.name),
      numeric,
    ) ||
    !same(source.fields.text, text)
  )
    throw new FeatureError('the feature columns were computed for other application fields than the pipeline has');
  return source.columns;
}
