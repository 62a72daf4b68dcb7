/**
 * The declarative feature spec: the single list of cleaning rules, row-level formulas and per-applicant
 * aggregations that both execution paths follow (batch.ts with polars, pipeline-one-row.ts with loops), in this order.
 * The selection is in the spirit of the public Home Credit Kaggle kernels: domain ratios on the application,
 * min/max/mean/sum/var of each side table per applicant, with approved/refused and active/closed splits.
 */
import type { SideTableName } from '@credit-scoring/data';
import { add, div, Expr, gt0, is, max0, mul, num, rowStat, sub } from './expr';

/** The six side tables, as @credit-scoring/data names them. */
export type SideTable = SideTableName;

/** Aggregations over an applicant's rows. `count` counts present values (0 when there are none). */
export type AggName = 'min' | 'max' | 'mean' | 'sum' | 'var' | 'count';
export const AGG_NAMES: readonly AggName[] = ['min', 'max', 'mean', 'sum', 'var', 'count'];

/** Text values that mean "not applicable / not available" in Home Credit files; they become missing. */
export const TEXT_SENTINELS: readonly string[] = ['XNA', 'XAP'];
/** DAYS_* value 365243 (~1000 years) marks "never" / pensioners; it becomes missing. */
export const DAYS_SENTINEL = 365243;
export { MAX_MAGNITUDE } from './expr';

export interface AggGroup {
  /** name part of the output features; '' for all rows */
  name: string;
  /** rows whose text column `col` is one of `in`; undefined = all rows */
  where?: { col: string; in: string[] };
  aggs: Record<string, AggName[]>;
}

export interface TableSpec {
  table: SideTable;
  /** prefix of output features, e.g. BURO */
  prefix: string;
  /** key the rows are grouped by (SK_ID_CURR, or SK_ID_BUREAU for bureau_balance) */
  key: 'SK_ID_CURR' | 'SK_ID_BUREAU';
  /** numeric raw columns whose value 365243 means missing */
  daysSentinels: string[];
  /** row-level values, each computed from the cleaned raw inputs (num() reads an input column, not another entry) */
  columns: Record<string, Expr>;
  groups: AggGroup[];
  /** a child table aggregated per row of this table first (bureau_balance per SK_ID_BUREAU) */
  child?: { spec: TableSpec; joinKey: 'SK_ID_BUREAU' };
}

const many = (cols: string[], aggs: AggName[]): Record<string, AggName[]> =>
  Object.fromEntries(cols.map((c) => [c, aggs]));
const raw = (cols: string[]): Record<string, Expr> => Object.fromEntries(cols.map((c) => [c, num(c)]));
const flags = (col: string, values: Record<string, string>): Record<string, Expr> =>
  Object.fromEntries(Object.entries(values).map(([suffix, v]) => [`${col}_${suffix}`, is(col, v)]));

const FULL: AggName[] = ['min', 'max', 'mean', 'sum', 'var'];
const MMM: AggName[] = ['min', 'max', 'mean'];
const SHARE: AggName[] = ['mean'];

// ---------------------------------------------------------------------------------------------------------------
// Application table
// ---------------------------------------------------------------------------------------------------------------

export const APPLICATION_DAYS_SENTINELS = ['DAYS_EMPLOYED'];

const EXT = ['EXT_SOURCE_1', 'EXT_SOURCE_2', 'EXT_SOURCE_3'];
const DOCUMENTS = Array.from({ length: 20 }, (_, i) => `FLAG_DOCUMENT_${i + 2}`);
const CONTACTS = ['FLAG_MOBIL', 'FLAG_EMP_PHONE', 'FLAG_WORK_PHONE', 'FLAG_CONT_MOBILE', 'FLAG_PHONE', 'FLAG_EMAIL'];
const ADDRESS_MISMATCH = [
  'REG_REGION_NOT_LIVE_REGION',
  'REG_REGION_NOT_WORK_REGION',
  'LIVE_REGION_NOT_WORK_REGION',
  'REG_CITY_NOT_LIVE_CITY',
  'REG_CITY_NOT_WORK_CITY',
  'LIVE_CITY_NOT_WORK_CITY',
];
const BUREAU_ENQUIRIES = ['HOUR', 'DAY', 'WEEK', 'MON', 'QRT', 'YEAR'].map((p) => `AMT_REQ_CREDIT_BUREAU_${p}`);

/** Domain ratios on the application (output name → formula); all raw numeric columns are kept as well. */
export const APPLICATION_DERIVED: Record<string, Expr> = {
  CREDIT_INCOME_RATIO: div('AMT_CREDIT', 'AMT_INCOME_TOTAL'),
  ANNUITY_INCOME_RATIO: div('AMT_ANNUITY', 'AMT_INCOME_TOTAL'),
  PAYMENT_RATE: div('AMT_ANNUITY', 'AMT_CREDIT'),
  CREDIT_TERM: div('AMT_CREDIT', 'AMT_ANNUITY'),
  GOODS_CREDIT_RATIO: div('AMT_GOODS_PRICE', 'AMT_CREDIT'),
  CREDIT_GOODS_DIFF: sub('AMT_CREDIT', 'AMT_GOODS_PRICE'),
  EMPLOYED_BIRTH_RATIO: div('DAYS_EMPLOYED', 'DAYS_BIRTH'),
  INCOME_PER_PERSON: div('AMT_INCOME_TOTAL', 'CNT_FAM_MEMBERS'),
  ANNUITY_PER_PERSON: div('AMT_ANNUITY', 'CNT_FAM_MEMBERS'),
  INCOME_PER_CHILD: div('AMT_INCOME_TOTAL', add('CNT_CHILDREN', { lit: 1 })),
  CHILDREN_RATIO: div('CNT_CHILDREN', 'CNT_FAM_MEMBERS'),
  REGISTRATION_BIRTH_RATIO: div('DAYS_REGISTRATION', 'DAYS_BIRTH'),
  ID_PUBLISH_BIRTH_RATIO: div('DAYS_ID_PUBLISH', 'DAYS_BIRTH'),
  PHONE_CHANGE_BIRTH_RATIO: div('DAYS_LAST_PHONE_CHANGE', 'DAYS_BIRTH'),
  PHONE_CHANGE_EMPLOYED_RATIO: div('DAYS_LAST_PHONE_CHANGE', 'DAYS_EMPLOYED'),
  CAR_AGE_BIRTH_RATIO: div('OWN_CAR_AGE', 'DAYS_BIRTH'),
  CAR_AGE_EMPLOYED_RATIO: div('OWN_CAR_AGE', 'DAYS_EMPLOYED'),
  INCOME_EMPLOYED_RATIO: div('AMT_INCOME_TOTAL', 'DAYS_EMPLOYED'),
  EXT_SOURCE_MEAN: rowStat('mean', EXT),
  EXT_SOURCE_VAR: rowStat('var', EXT),
  EXT_SOURCE_MIN: rowStat('min', EXT),
  EXT_SOURCE_MAX: rowStat('max', EXT),
  EXT_SOURCE_COUNT: rowStat('count', EXT),
  EXT_SOURCE_PROD: mul(mul('EXT_SOURCE_1', 'EXT_SOURCE_2'), 'EXT_SOURCE_3'),
  EXT_SOURCE_2_3_PROD: mul('EXT_SOURCE_2', 'EXT_SOURCE_3'),
  EXT_SOURCE_CREDIT_TERM: mul(rowStat('mean', EXT), div('AMT_CREDIT', 'AMT_ANNUITY')),
  DOCUMENT_COUNT: rowStat('sum', DOCUMENTS),
  CONTACT_COUNT: rowStat('sum', CONTACTS),
  ADDRESS_MISMATCH_COUNT: rowStat('sum', ADDRESS_MISMATCH),
  BUREAU_ENQUIRY_COUNT: rowStat('sum', BUREAU_ENQUIRIES),
  SOCIAL_DEFAULT_30_RATIO: div('DEF_30_CNT_SOCIAL_CIRCLE', 'OBS_30_CNT_SOCIAL_CIRCLE'),
  SOCIAL_DEFAULT_60_RATIO: div('DEF_60_CNT_SOCIAL_CIRCLE', 'OBS_60_CNT_SOCIAL_CIRCLE'),
};

// ---------------------------------------------------------------------------------------------------------------
// Side tables
// ---------------------------------------------------------------------------------------------------------------

const BB_STATUSES = { '0': '0', '1': '1', '2': '2', '3': '3', '4': '4', '5': '5', C: 'C', X: 'X' };

const BUREAU_BALANCE: TableSpec = {
  table: 'bureau_balance',
  prefix: 'BB',
  key: 'SK_ID_BUREAU',
  daysSentinels: [],
  columns: {
    MONTHS_BALANCE: num('MONTHS_BALANCE'),
    ...flags('STATUS', BB_STATUSES),
    // months-past-due bucket 0..5 ('C' closed and 'X' unknown count as 0)
    DPD_LEVEL: [1, 2, 3, 4, 5].map((k) => mul(is('STATUS', String(k)), { lit: k })).reduce((a, b) => add(a, b)),
  },
  groups: [
    {
      name: '',
      aggs: {
        MONTHS_BALANCE: ['min', 'max', 'count'],
        ...many(
          Object.keys(BB_STATUSES).map((s) => `STATUS_${s}`),
          SHARE,
        ),
        DPD_LEVEL: ['max', 'mean'],
      },
    },
  ],
};

/** Per-credit bureau_balance summaries as they appear on each bureau row (see TableSpec.child). */
const BB_ON_BUREAU = [
  'BB_MONTHS_BALANCE_MIN',
  'BB_MONTHS_BALANCE_MAX',
  'BB_MONTHS_BALANCE_COUNT',
  ...Object.keys(BB_STATUSES).map((s) => `BB_STATUS_${s}_MEAN`),
  'BB_DPD_LEVEL_MAX',
  'BB_DPD_LEVEL_MEAN',
];

const BUREAU_NUMERIC = [
  'DAYS_CREDIT',
  'CREDIT_DAY_OVERDUE',
  'DAYS_CREDIT_ENDDATE',
  'DAYS_ENDDATE_FACT',
  'AMT_CREDIT_MAX_OVERDUE',
  'CNT_CREDIT_PROLONG',
  'AMT_CREDIT_SUM',
  'AMT_CREDIT_SUM_DEBT',
  'AMT_CREDIT_SUM_LIMIT',
  'AMT_CREDIT_SUM_OVERDUE',
  'DAYS_CREDIT_UPDATE',
  'AMT_ANNUITY',
];

const BUREAU: TableSpec = {
  table: 'bureau',
  prefix: 'BURO',
  key: 'SK_ID_CURR',
  daysSentinels: [],
  child: { spec: BUREAU_BALANCE, joinKey: 'SK_ID_BUREAU' },
  columns: {
    ...raw(BUREAU_NUMERIC),
    ...raw(BB_ON_BUREAU),
    DEBT_CREDIT_RATIO: div('AMT_CREDIT_SUM_DEBT', 'AMT_CREDIT_SUM'),
    OVERDUE_DEBT_RATIO: div('AMT_CREDIT_SUM_OVERDUE', 'AMT_CREDIT_SUM_DEBT'),
    LIMIT_CREDIT_RATIO: div('AMT_CREDIT_SUM_LIMIT', 'AMT_CREDIT_SUM'),
    CREDIT_DURATION: sub('DAYS_CREDIT_ENDDATE', 'DAYS_CREDIT'),
    ENDDATE_DIFF: sub('DAYS_ENDDATE_FACT', 'DAYS_CREDIT_ENDDATE'),
    ANNUITY_CREDIT_RATIO: div('AMT_ANNUITY', 'AMT_CREDIT_SUM'),
    IS_OVERDUE: gt0('CREDIT_DAY_OVERDUE'),
    ...flags('CREDIT_ACTIVE', { ACTIVE: 'Active', CLOSED: 'Closed', SOLD: 'Sold', BAD_DEBT: 'Bad debt' }),
    ...flags('CREDIT_TYPE', {
      CONSUMER: 'Consumer credit',
      CARD: 'Credit card',
      CAR: 'Car loan',
      MORTGAGE: 'Mortgage',
      MICROLOAN: 'Microloan',
      BUSINESS: 'Loan for business development',
    }),
    CREDIT_CURRENCY_1: is('CREDIT_CURRENCY', 'currency 1'),
  },
  groups: [
    {
      name: '',
      aggs: {
        ...many(BUREAU_NUMERIC, FULL),
        ...many(BB_ON_BUREAU, MMM),
        BB_MONTHS_BALANCE_COUNT: ['min', 'max', 'mean', 'sum'],
        DEBT_CREDIT_RATIO: FULL,
        OVERDUE_DEBT_RATIO: MMM,
        LIMIT_CREDIT_RATIO: MMM,
        CREDIT_DURATION: FULL,
        ENDDATE_DIFF: FULL,
        ANNUITY_CREDIT_RATIO: MMM,
        IS_OVERDUE: ['mean', 'sum'],
        ...many(
          ['ACTIVE', 'CLOSED', 'SOLD', 'BAD_DEBT'].map((s) => `CREDIT_ACTIVE_${s}`),
          SHARE,
        ),
        ...many(
          ['CONSUMER', 'CARD', 'CAR', 'MORTGAGE', 'MICROLOAN', 'BUSINESS'].map((s) => `CREDIT_TYPE_${s}`),
          SHARE,
        ),
        CREDIT_CURRENCY_1: SHARE,
      },
    },
    {
      name: 'ACTIVE',
      where: { col: 'CREDIT_ACTIVE', in: ['Active'] },
      aggs: {
        ...many(
          [
            'DAYS_CREDIT',
            'DAYS_CREDIT_ENDDATE',
            'AMT_CREDIT_SUM',
            'AMT_CREDIT_SUM_DEBT',
            'AMT_CREDIT_SUM_OVERDUE',
            'AMT_CREDIT_SUM_LIMIT',
            'AMT_ANNUITY',
            'CREDIT_DAY_OVERDUE',
            'DEBT_CREDIT_RATIO',
          ],
          FULL,
        ),
        BB_MONTHS_BALANCE_COUNT: ['mean', 'sum'],
        BB_DPD_LEVEL_MAX: ['max', 'mean'],
      },
    },
    {
      name: 'CLOSED',
      where: { col: 'CREDIT_ACTIVE', in: ['Closed'] },
      aggs: {
        ...many(
          [
            'DAYS_CREDIT',
            'DAYS_CREDIT_ENDDATE',
            'DAYS_ENDDATE_FACT',
            'AMT_CREDIT_SUM',
            'AMT_CREDIT_MAX_OVERDUE',
            'ENDDATE_DIFF',
          ],
          FULL,
        ),
        BB_DPD_LEVEL_MAX: ['max', 'mean'],
      },
    },
  ],
};

const PREV_NUMERIC = [
  'AMT_ANNUITY',
  'AMT_APPLICATION',
  'AMT_CREDIT',
  'AMT_DOWN_PAYMENT',
  'AMT_GOODS_PRICE',
  'HOUR_APPR_PROCESS_START',
  'RATE_DOWN_PAYMENT',
  'DAYS_DECISION',
  'CNT_PAYMENT',
  'SELLERPLACE_AREA',
  'DAYS_FIRST_DRAWING',
  'DAYS_FIRST_DUE',
  'DAYS_LAST_DUE_1ST_VERSION',
  'DAYS_LAST_DUE',
  'DAYS_TERMINATION',
  'NFLAG_INSURED_ON_APPROVAL',
];
const PREV_DAYS = [
  'DAYS_FIRST_DRAWING',
  'DAYS_FIRST_DUE',
  'DAYS_LAST_DUE_1ST_VERSION',
  'DAYS_LAST_DUE',
  'DAYS_TERMINATION',
];

const PREVIOUS: TableSpec = {
  table: 'previous_application',
  prefix: 'PREV',
  key: 'SK_ID_CURR',
  daysSentinels: PREV_DAYS,
  columns: {
    ...raw(PREV_NUMERIC),
    APP_CREDIT_RATIO: div('AMT_APPLICATION', 'AMT_CREDIT'),
    APP_CREDIT_DIFF: sub('AMT_APPLICATION', 'AMT_CREDIT'),
    CREDIT_GOODS_RATIO: div('AMT_CREDIT', 'AMT_GOODS_PRICE'),
    PAYMENT_RATE: div('AMT_ANNUITY', 'AMT_CREDIT'),
    DOWN_PAYMENT_CREDIT_RATIO: div('AMT_DOWN_PAYMENT', 'AMT_CREDIT'),
    PLANNED_DURATION: sub('DAYS_LAST_DUE_1ST_VERSION', 'DAYS_FIRST_DUE'),
    DUE_SHIFT: sub('DAYS_LAST_DUE', 'DAYS_LAST_DUE_1ST_VERSION'),
    ...flags('NAME_CONTRACT_STATUS', {
      APPROVED: 'Approved',
      REFUSED: 'Refused',
      CANCELED: 'Canceled',
      UNUSED: 'Unused offer',
    }),
    ...flags('NAME_CONTRACT_TYPE', { CASH: 'Cash loans', CONSUMER: 'Consumer loans', REVOLVING: 'Revolving loans' }),
    ...flags('NAME_YIELD_GROUP', {
      HIGH: 'high',
      MIDDLE: 'middle',
      LOW_NORMAL: 'low_normal',
      LOW_ACTION: 'low_action',
    }),
    ...flags('NAME_CLIENT_TYPE', { NEW: 'New', REPEATER: 'Repeater', REFRESHED: 'Refreshed' }),
    ...flags('CODE_REJECT_REASON', { HC: 'HC', LIMIT: 'LIMIT', SCO: 'SCO', SCOFR: 'SCOFR', CLIENT: 'CLIENT' }),
    ...flags('NAME_PRODUCT_TYPE', { XSELL: 'x-sell', WALKIN: 'walk-in' }),
    ...flags('NAME_PORTFOLIO', { POS: 'POS', CASH: 'Cash', CARDS: 'Cards' }),
    ...flags('CHANNEL_TYPE', {
      CREDIT_CASH_OFFICES: 'Credit and cash offices',
      COUNTRY_WIDE: 'Country-wide',
      STONE: 'Stone',
    }),
  },
  groups: [
    {
      name: '',
      aggs: {
        ...many(PREV_NUMERIC, FULL),
        ...many(
          [
            'APP_CREDIT_RATIO',
            'APP_CREDIT_DIFF',
            'CREDIT_GOODS_RATIO',
            'PAYMENT_RATE',
            'DOWN_PAYMENT_CREDIT_RATIO',
            'PLANNED_DURATION',
            'DUE_SHIFT',
          ],
          FULL,
        ),
        ...many(
          ['APPROVED', 'REFUSED', 'CANCELED', 'UNUSED'].map((s) => `NAME_CONTRACT_STATUS_${s}`),
          ['mean', 'sum'],
        ),
        ...many(
          ['CASH', 'CONSUMER', 'REVOLVING'].map((s) => `NAME_CONTRACT_TYPE_${s}`),
          SHARE,
        ),
        ...many(
          ['HIGH', 'MIDDLE', 'LOW_NORMAL', 'LOW_ACTION'].map((s) => `NAME_YIELD_GROUP_${s}`),
          SHARE,
        ),
        ...many(
          ['NEW', 'REPEATER', 'REFRESHED'].map((s) => `NAME_CLIENT_TYPE_${s}`),
          SHARE,
        ),
        ...many(
          ['HC', 'LIMIT', 'SCO', 'SCOFR', 'CLIENT'].map((s) => `CODE_REJECT_REASON_${s}`),
          SHARE,
        ),
        ...many(
          ['XSELL', 'WALKIN'].map((s) => `NAME_PRODUCT_TYPE_${s}`),
          SHARE,
        ),
        ...many(
          ['POS', 'CASH', 'CARDS'].map((s) => `NAME_PORTFOLIO_${s}`),
          SHARE,
        ),
        ...many(
          ['CREDIT_CASH_OFFICES', 'COUNTRY_WIDE', 'STONE'].map((s) => `CHANNEL_TYPE_${s}`),
          SHARE,
        ),
      },
    },
    {
      name: 'APPROVED',
      where: { col: 'NAME_CONTRACT_STATUS', in: ['Approved'] },
      aggs: {
        ...many(
          [
            'AMT_ANNUITY',
            'AMT_APPLICATION',
            'AMT_CREDIT',
            'AMT_DOWN_PAYMENT',
            'AMT_GOODS_PRICE',
            'DAYS_DECISION',
            'CNT_PAYMENT',
            'APP_CREDIT_RATIO',
            'PAYMENT_RATE',
            'DAYS_LAST_DUE',
            'DAYS_TERMINATION',
            'PLANNED_DURATION',
            'DUE_SHIFT',
          ],
          FULL,
        ),
      },
    },
    {
      name: 'REFUSED',
      where: { col: 'NAME_CONTRACT_STATUS', in: ['Refused'] },
      aggs: {
        ...many(
          [
            'AMT_ANNUITY',
            'AMT_APPLICATION',
            'AMT_CREDIT',
            'DAYS_DECISION',
            'CNT_PAYMENT',
            'APP_CREDIT_RATIO',
            'PAYMENT_RATE',
          ],
          FULL,
        ),
      },
    },
  ],
};

const POS: TableSpec = {
  table: 'POS_CASH_balance',
  prefix: 'POS',
  key: 'SK_ID_CURR',
  daysSentinels: [],
  columns: {
    ...raw(['MONTHS_BALANCE', 'CNT_INSTALMENT', 'CNT_INSTALMENT_FUTURE', 'SK_DPD', 'SK_DPD_DEF']),
    INSTALMENT_LEFT_RATIO: div('CNT_INSTALMENT_FUTURE', 'CNT_INSTALMENT'),
    HAS_DPD: gt0('SK_DPD'),
    HAS_DPD_DEF: gt0('SK_DPD_DEF'),
    ...flags('NAME_CONTRACT_STATUS', {
      ACTIVE: 'Active',
      COMPLETED: 'Completed',
      SIGNED: 'Signed',
      RETURNED: 'Returned to the store',
    }),
  },
  groups: [
    {
      name: '',
      aggs: {
        MONTHS_BALANCE: ['min', 'max', 'mean', 'count'],
        CNT_INSTALMENT: FULL,
        CNT_INSTALMENT_FUTURE: FULL,
        SK_DPD: FULL,
        SK_DPD_DEF: FULL,
        INSTALMENT_LEFT_RATIO: MMM,
        HAS_DPD: ['mean', 'sum'],
        HAS_DPD_DEF: ['mean', 'sum'],
        ...many(
          ['ACTIVE', 'COMPLETED', 'SIGNED', 'RETURNED'].map((s) => `NAME_CONTRACT_STATUS_${s}`),
          SHARE,
        ),
      },
    },
  ],
};

const INSTALMENTS: TableSpec = {
  table: 'installments_payments',
  prefix: 'INSTAL',
  key: 'SK_ID_CURR',
  daysSentinels: [],
  columns: {
    ...raw([
      'NUM_INSTALMENT_VERSION',
      'NUM_INSTALMENT_NUMBER',
      'DAYS_INSTALMENT',
      'DAYS_ENTRY_PAYMENT',
      'AMT_INSTALMENT',
      'AMT_PAYMENT',
    ]),
    PAYMENT_PERC: div('AMT_PAYMENT', 'AMT_INSTALMENT'),
    PAYMENT_DIFF: sub('AMT_INSTALMENT', 'AMT_PAYMENT'),
    DPD: max0(sub('DAYS_ENTRY_PAYMENT', 'DAYS_INSTALMENT')),
    DBD: max0(sub('DAYS_INSTALMENT', 'DAYS_ENTRY_PAYMENT')),
    IS_LATE: gt0(sub('DAYS_ENTRY_PAYMENT', 'DAYS_INSTALMENT')),
    IS_UNDERPAID: gt0(sub('AMT_INSTALMENT', 'AMT_PAYMENT')),
  },
  groups: [
    {
      name: '',
      aggs: {
        NUM_INSTALMENT_VERSION: ['max', 'mean', 'var'],
        NUM_INSTALMENT_NUMBER: ['max', 'mean', 'count'],
        DAYS_INSTALMENT: FULL,
        DAYS_ENTRY_PAYMENT: FULL,
        AMT_INSTALMENT: FULL,
        AMT_PAYMENT: FULL,
        PAYMENT_PERC: FULL,
        PAYMENT_DIFF: FULL,
        DPD: FULL,
        DBD: FULL,
        IS_LATE: ['mean', 'sum'],
        IS_UNDERPAID: ['mean', 'sum'],
      },
    },
  ],
};

const CC_NUMERIC = [
  'MONTHS_BALANCE',
  'AMT_BALANCE',
  'AMT_CREDIT_LIMIT_ACTUAL',
  'AMT_DRAWINGS_ATM_CURRENT',
  'AMT_DRAWINGS_CURRENT',
  'AMT_DRAWINGS_OTHER_CURRENT',
  'AMT_DRAWINGS_POS_CURRENT',
  'AMT_INST_MIN_REGULARITY',
  'AMT_PAYMENT_CURRENT',
  'AMT_PAYMENT_TOTAL_CURRENT',
  'AMT_RECEIVABLE_PRINCIPAL',
  'AMT_RECIVABLE',
  'AMT_TOTAL_RECEIVABLE',
  'CNT_DRAWINGS_ATM_CURRENT',
  'CNT_DRAWINGS_CURRENT',
  'CNT_DRAWINGS_OTHER_CURRENT',
  'CNT_DRAWINGS_POS_CURRENT',
  'CNT_INSTALMENT_MATURE_CUM',
  'SK_DPD',
  'SK_DPD_DEF',
];

const CREDIT_CARD: TableSpec = {
  table: 'credit_card_balance',
  prefix: 'CC',
  key: 'SK_ID_CURR',
  daysSentinels: [],
  columns: {
    ...raw(CC_NUMERIC),
    BALANCE_LIMIT_RATIO: div('AMT_BALANCE', 'AMT_CREDIT_LIMIT_ACTUAL'),
    DRAWINGS_LIMIT_RATIO: div('AMT_DRAWINGS_CURRENT', 'AMT_CREDIT_LIMIT_ACTUAL'),
    PAYMENT_MIN_RATIO: div('AMT_PAYMENT_CURRENT', 'AMT_INST_MIN_REGULARITY'),
    PAYMENT_BALANCE_RATIO: div('AMT_PAYMENT_TOTAL_CURRENT', 'AMT_BALANCE'),
    AMT_PER_DRAWING: div('AMT_DRAWINGS_CURRENT', 'CNT_DRAWINGS_CURRENT'),
    HAS_DPD: gt0('SK_DPD'),
    ...flags('NAME_CONTRACT_STATUS', { ACTIVE: 'Active', COMPLETED: 'Completed', SIGNED: 'Signed' }),
  },
  groups: [
    {
      name: '',
      aggs: {
        ...many(CC_NUMERIC, FULL),
        MONTHS_BALANCE: ['min', 'max', 'mean', 'count'],
        BALANCE_LIMIT_RATIO: FULL,
        DRAWINGS_LIMIT_RATIO: FULL,
        PAYMENT_MIN_RATIO: MMM,
        PAYMENT_BALANCE_RATIO: MMM,
        AMT_PER_DRAWING: MMM,
        HAS_DPD: ['mean', 'sum'],
        ...many(
          ['ACTIVE', 'COMPLETED', 'SIGNED'].map((s) => `NAME_CONTRACT_STATUS_${s}`),
          SHARE,
        ),
      },
    },
  ],
};

/** Per-applicant side tables, in feature order. bureau_balance enters through bureau (its child). */
export const SIDE_SPECS: readonly TableSpec[] = [BUREAU, PREVIOUS, POS, INSTALMENTS, CREDIT_CARD];

/** One output of a table spec: a group's row count, or one aggregation of one column within a group. */
export interface AggOutput {
  name: string;
  kind: 'rows' | 'agg';
  group: AggGroup;
  col?: string;
  agg?: AggName;
  /** counts are 0, not missing, for keys without rows */
  zeroWhenEmpty: boolean;
}

/** Outputs of one table spec, in feature order: per group, its row count, then column x aggregation. */
export function aggregateOutputs(spec: TableSpec): AggOutput[] {
  const out: AggOutput[] = [];
  for (const group of spec.groups) {
    const base = group.name ? `${spec.prefix}_${group.name}` : spec.prefix;
    out.push({ name: `${base}_COUNT`, kind: 'rows', group, zeroWhenEmpty: true });
    for (const [col, aggs] of Object.entries(group.aggs)) {
      for (const agg of aggs)
        out.push({
          name: `${base}_${col}_${agg.toUpperCase()}`,
          kind: 'agg',
          group,
          col,
          agg,
          zeroWhenEmpty: agg === 'count',
        });
    }
  }
  return out;
}
