/**
 * The eight Home Credit Default Risk files, with their exact Kaggle column names in Kaggle order.
 *
 * Types follow what the Kaggle files actually contain (pandas wrote them): a column is 'int' only when every value is
 * written as a plain integer (ids, 0/1 flags, integer day counts); a count pandas stored as float because it has
 * missing values (CNT_FAM_MEMBERS, OBS_30_CNT_SOCIAL_CIRCLE, AMT_REQ_CREDIT_BUREAU_*: written "2.0") must be 'float',
 * or the real file would not parse. Every AMT_* money column is 'float'. Categoricals are 'str', including the Y/N
 * (FLAG_OWN_CAR, FLAG_OWN_REALTY, FLAG_LAST_APPL_PER_CONTRACT) and Yes/No (EMERGENCYSTATE_MODE) columns, and
 * bureau_balance.STATUS whose levels '0'..'5' are codes, not numbers.
 */
import pl, { type DataType } from 'nodejs-polars';

export type TableName =
  | 'application_train'
  | 'application_test'
  | 'bureau'
  | 'bureau_balance'
  | 'previous_application'
  | 'POS_CASH_balance'
  | 'installments_payments'
  | 'credit_card_balance';
export type SideTableName = Exclude<TableName, 'application_train' | 'application_test'>;
export type ColumnType = 'int' | 'float' | 'str';

export const TABLE_NAMES: readonly TableName[] = [
  'application_train',
  'application_test',
  'bureau',
  'bureau_balance',
  'previous_application',
  'POS_CASH_balance',
  'installments_payments',
  'credit_card_balance',
];
export const SIDE_TABLE_NAMES: readonly SideTableName[] = [
  'bureau',
  'bureau_balance',
  'previous_application',
  'POS_CASH_balance',
  'installments_payments',
  'credit_card_balance',
];

/**
 * How each column type is held in a polars DataFrame. Every Kaggle integer (ids up to ~6.9M, day counts, flags) fits
 * in 32 bits, and Int32 columns convert to plain JS numbers / Int32Array instead of BigInt64Array.
 */
export const POLARS_DTYPES: Record<ColumnType, DataType> = {
  int: pl.Int32,
  float: pl.Float64,
  str: pl.Utf8,
};

/** Exact Kaggle columns and types per file, in Kaggle order. application_test = application_train without TARGET. */
const APPLICATION_TRAIN: Record<string, ColumnType> = {
  SK_ID_CURR: 'int', TARGET: 'int', NAME_CONTRACT_TYPE: 'str', CODE_GENDER: 'str', FLAG_OWN_CAR: 'str',
  FLAG_OWN_REALTY: 'str', CNT_CHILDREN: 'int', AMT_INCOME_TOTAL: 'float', AMT_CREDIT: 'float', AMT_ANNUITY: 'float',
  AMT_GOODS_PRICE: 'float', NAME_TYPE_SUITE: 'str', NAME_INCOME_TYPE: 'str', NAME_EDUCATION_TYPE: 'str',
  NAME_FAMILY_STATUS: 'str', NAME_HOUSING_TYPE: 'str', REGION_POPULATION_RELATIVE: 'float', DAYS_BIRTH: 'int',
  DAYS_EMPLOYED: 'int', DAYS_REGISTRATION: 'float', DAYS_ID_PUBLISH: 'int', OWN_CAR_AGE: 'float', FLAG_MOBIL: 'int',
  FLAG_EMP_PHONE: 'int', FLAG_WORK_PHONE: 'int', FLAG_CONT_MOBILE: 'int', FLAG_PHONE: 'int', FLAG_EMAIL: 'int',
  OCCUPATION_TYPE: 'str', CNT_FAM_MEMBERS: 'float', REGION_RATING_CLIENT: 'int', REGION_RATING_CLIENT_W_CITY: 'int',
  WEEKDAY_APPR_PROCESS_START: 'str', HOUR_APPR_PROCESS_START: 'int', REG_REGION_NOT_LIVE_REGION: 'int',
  REG_REGION_NOT_WORK_REGION: 'int', LIVE_REGION_NOT_WORK_REGION: 'int', REG_CITY_NOT_LIVE_CITY: 'int',
  REG_CITY_NOT_WORK_CITY: 'int', LIVE_CITY_NOT_WORK_CITY: 'int', ORGANIZATION_TYPE: 'str', EXT_SOURCE_1: 'float',
  EXT_SOURCE_2: 'float', EXT_SOURCE_3: 'float', APARTMENTS_AVG: 'float', BASEMENTAREA_AVG: 'float',
  YEARS_BEGINEXPLUATATION_AVG: 'float', YEARS_BUILD_AVG: 'float', COMMONAREA_AVG: 'float', ELEVATORS_AVG: 'float',
  ENTRANCES_AVG: 'float', FLOORSMAX_AVG: 'float', FLOORSMIN_AVG: 'float', LANDAREA_AVG: 'float',
  LIVINGAPARTMENTS_AVG: 'float', LIVINGAREA_AVG: 'float', NONLIVINGAPARTMENTS_AVG: 'float',
  NONLIVINGAREA_AVG: 'float', APARTMENTS_MODE: 'float', BASEMENTAREA_MODE: 'float',
  YEARS_BEGINEXPLUATATION_MODE: 'float', YEARS_BUILD_MODE: 'float', COMMONAREA_MODE: 'float',
  ELEVATORS_MODE: 'float', ENTRANCES_MODE: 'float', FLOORSMAX_MODE: 'float', FLOORSMIN_MODE: 'float',
  LANDAREA_MODE: 'float', LIVINGAPARTMENTS_MODE: 'float', LIVINGAREA_MODE: 'float',
  NONLIVINGAPARTMENTS_MODE: 'float', NONLIVINGAREA_MODE: 'float', APARTMENTS_MEDI: 'float',
  BASEMENTAREA_MEDI: 'float', YEARS_BEGINEXPLUATATION_MEDI: 'float', YEARS_BUILD_MEDI: 'float',
  COMMONAREA_MEDI: 'float', ELEVATORS_MEDI: 'float', ENTRANCES_MEDI: 'float', FLOORSMAX_MEDI: 'float',
  FLOORSMIN_MEDI: 'float', LANDAREA_MEDI: 'float', LIVINGAPARTMENTS_MEDI: 'float', LIVINGAREA_MEDI: 'float',
  NONLIVINGAPARTMENTS_MEDI: 'float', NONLIVINGAREA_MEDI: 'float', FONDKAPREMONT_MODE: 'str', HOUSETYPE_MODE: 'str',
  TOTALAREA_MODE: 'float', WALLSMATERIAL_MODE: 'str', EMERGENCYSTATE_MODE: 'str', OBS_30_CNT_SOCIAL_CIRCLE: 'float',
  DEF_30_CNT_SOCIAL_CIRCLE: 'float', OBS_60_CNT_SOCIAL_CIRCLE: 'float', DEF_60_CNT_SOCIAL_CIRCLE: 'float',
  DAYS_LAST_PHONE_CHANGE: 'float', FLAG_DOCUMENT_2: 'int', FLAG_DOCUMENT_3: 'int', FLAG_DOCUMENT_4: 'int',
  FLAG_DOCUMENT_5: 'int', FLAG_DOCUMENT_6: 'int', FLAG_DOCUMENT_7: 'int', FLAG_DOCUMENT_8: 'int',
  FLAG_DOCUMENT_9: 'int', FLAG_DOCUMENT_10: 'int', FLAG_DOCUMENT_11: 'int', FLAG_DOCUMENT_12: 'int',
  FLAG_DOCUMENT_13: 'int', FLAG_DOCUMENT_14: 'int', FLAG_DOCUMENT_15: 'int', FLAG_DOCUMENT_16: 'int',
  FLAG_DOCUMENT_17: 'int', FLAG_DOCUMENT_18: 'int', FLAG_DOCUMENT_19: 'int', FLAG_DOCUMENT_20: 'int',
  FLAG_DOCUMENT_21: 'int', AMT_REQ_CREDIT_BUREAU_HOUR: 'float', AMT_REQ_CREDIT_BUREAU_DAY: 'float',
  AMT_REQ_CREDIT_BUREAU_WEEK: 'float', AMT_REQ_CREDIT_BUREAU_MON: 'float', AMT_REQ_CREDIT_BUREAU_QRT: 'float',
  AMT_REQ_CREDIT_BUREAU_YEAR: 'float',
};

function without(schema: Record<string, ColumnType>, column: string): Record<string, ColumnType> {
  return Object.fromEntries(Object.entries(schema).filter(([name]) => name !== column));
}

export const SCHEMAS: Record<TableName, Record<string, ColumnType>> = {
  application_train: APPLICATION_TRAIN,
  application_test: without(APPLICATION_TRAIN, 'TARGET'),
  bureau: {
    SK_ID_CURR: 'int', SK_ID_BUREAU: 'int', CREDIT_ACTIVE: 'str', CREDIT_CURRENCY: 'str', DAYS_CREDIT: 'int',
    CREDIT_DAY_OVERDUE: 'int', DAYS_CREDIT_ENDDATE: 'float', DAYS_ENDDATE_FACT: 'float',
    AMT_CREDIT_MAX_OVERDUE: 'float', CNT_CREDIT_PROLONG: 'int', AMT_CREDIT_SUM: 'float', AMT_CREDIT_SUM_DEBT: 'float',
    AMT_CREDIT_SUM_LIMIT: 'float', AMT_CREDIT_SUM_OVERDUE: 'float', CREDIT_TYPE: 'str', DAYS_CREDIT_UPDATE: 'int',
    AMT_ANNUITY: 'float',
  },
  bureau_balance: {
    SK_ID_BUREAU: 'int', MONTHS_BALANCE: 'int', STATUS: 'str',
  },
  previous_application: {
    SK_ID_PREV: 'int', SK_ID_CURR: 'int', NAME_CONTRACT_TYPE: 'str', AMT_ANNUITY: 'float', AMT_APPLICATION: 'float',
    AMT_CREDIT: 'float', AMT_DOWN_PAYMENT: 'float', AMT_GOODS_PRICE: 'float', WEEKDAY_APPR_PROCESS_START: 'str',
    HOUR_APPR_PROCESS_START: 'int', FLAG_LAST_APPL_PER_CONTRACT: 'str', NFLAG_LAST_APPL_IN_DAY: 'int',
    RATE_DOWN_PAYMENT: 'float', RATE_INTEREST_PRIMARY: 'float', RATE_INTEREST_PRIVILEGED: 'float',
    NAME_CASH_LOAN_PURPOSE: 'str', NAME_CONTRACT_STATUS: 'str', DAYS_DECISION: 'int', NAME_PAYMENT_TYPE: 'str',
    CODE_REJECT_REASON: 'str', NAME_TYPE_SUITE: 'str', NAME_CLIENT_TYPE: 'str', NAME_GOODS_CATEGORY: 'str',
    NAME_PORTFOLIO: 'str', NAME_PRODUCT_TYPE: 'str', CHANNEL_TYPE: 'str', SELLERPLACE_AREA: 'int',
    NAME_SELLER_INDUSTRY: 'str', CNT_PAYMENT: 'float', NAME_YIELD_GROUP: 'str', PRODUCT_COMBINATION: 'str',
    DAYS_FIRST_DRAWING: 'float', DAYS_FIRST_DUE: 'float', DAYS_LAST_DUE_1ST_VERSION: 'float', DAYS_LAST_DUE: 'float',
    DAYS_TERMINATION: 'float', NFLAG_INSURED_ON_APPROVAL: 'float',
  },
  POS_CASH_balance: {
    SK_ID_PREV: 'int', SK_ID_CURR: 'int', MONTHS_BALANCE: 'int', CNT_INSTALMENT: 'float',
    CNT_INSTALMENT_FUTURE: 'float', NAME_CONTRACT_STATUS: 'str', SK_DPD: 'int', SK_DPD_DEF: 'int',
  },
  installments_payments: {
    SK_ID_PREV: 'int', SK_ID_CURR: 'int', NUM_INSTALMENT_VERSION: 'float', NUM_INSTALMENT_NUMBER: 'int',
    DAYS_INSTALMENT: 'float', DAYS_ENTRY_PAYMENT: 'float', AMT_INSTALMENT: 'float', AMT_PAYMENT: 'float',
  },
  credit_card_balance: {
    SK_ID_PREV: 'int', SK_ID_CURR: 'int', MONTHS_BALANCE: 'int', AMT_BALANCE: 'float',
    AMT_CREDIT_LIMIT_ACTUAL: 'float', AMT_DRAWINGS_ATM_CURRENT: 'float', AMT_DRAWINGS_CURRENT: 'float',
    AMT_DRAWINGS_OTHER_CURRENT: 'float', AMT_DRAWINGS_POS_CURRENT: 'float', AMT_INST_MIN_REGULARITY: 'float',
    AMT_PAYMENT_CURRENT: 'float', AMT_PAYMENT_TOTAL_CURRENT: 'float', AMT_RECEIVABLE_PRINCIPAL: 'float',
    AMT_RECIVABLE: 'float', AMT_TOTAL_RECEIVABLE: 'float', CNT_DRAWINGS_ATM_CURRENT: 'float',
    CNT_DRAWINGS_CURRENT: 'int', CNT_DRAWINGS_OTHER_CURRENT: 'float', CNT_DRAWINGS_POS_CURRENT: 'float',
    CNT_INSTALMENT_MATURE_CUM: 'float', NAME_CONTRACT_STATUS: 'str', SK_DPD: 'int', SK_DPD_DEF: 'int',
  },
};
