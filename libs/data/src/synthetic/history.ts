/**
 * An applicant's credit history across the six side tables. Volumes per applicant follow Kaggle's: ~86 % have Credit
 * Bureau records (~5.6 credits each), about half of those credits carry a monthly bureau_balance history; ~95 % have
 * previous Home Credit applications (~4.9 each); approved cash/consumer loans get monthly POS_CASH rows and one
 * installments row per due instalment, approved revolving loans get monthly credit_card_balance rows.
 *
 * The history shows the applicant's hidden `payQuality`: lower quality means more overdue bureau credits, late
 * bureau_balance months, refused applications, late or partial instalments, days past due and high card usage.
 */
import type { Applicant } from './application';
import { floor, isNotANumber, max, min, pow, round } from './builtins';
import type { Cell, CsvWriter } from './csv-writer';
import { Categorical, Random, sigmoid } from '../random';

export interface HistoryWriters {
  bureau: CsvWriter;
  bureau_balance: CsvWriter;
  previous_application: CsvWriter;
  POS_CASH_balance: CsvWriter;
  installments_payments: CsvWriter;
  credit_card_balance: CsvWriter;
}

/** Running ids for bureau credits and previous applications (Kaggle's ranges start at 5000000 and 1000001). */
export interface HistoryIds {
  nextBureauId: number;
  nextPrevId: number;
}

/** "No date" marker Kaggle uses in previous_application (e.g. DAYS_LAST_DUE of a loan still running). */
const NO_DATE = 365243;
/** Kaggle keeps eight years of history: ~2922 days, 96 months. */
const HISTORY_DAYS = 2922;

const round2 = (x: number) => round(x * 100) / 100;
const roundTo = (x: number, step: number) => round(x / step) * step;

const creditType = new Categorical([
  ['Consumer credit', 72.9], ['Credit card', 23.4], ['Car loan', 1.6], ['Mortgage', 1.07], ['Microloan', 0.72],
  ['Loan for business development', 0.12], ['Another type of loan', 0.06], ['Unknown type of loan', 0.03],
  ['Loan for working capital replenishment', 0.03], ['Cash loan (non-earmarked)', 0.03],
] as const);
const currency = new Categorical([['currency 1', 99.92], ['currency 2', 0.07], ['currency 3', 0.01]] as const);

export function generateHistory(rng: Random, applicant: Applicant, writers: HistoryWriters, ids: HistoryIds): void {
  if (rng.chance(0.86)) {
    const credits = 1 + rng.negativeBinomial(4.6, 1.5);
    for (let i = 0; i < credits; i++) writeBureauCredit(rng, applicant, writers, ids.nextBureauId++);
  }
  if (rng.chance(0.95)) {
    const applications = 1 + rng.negativeBinomial(3.9, 1.2);
    for (let i = 0; i < applications; i++) writePreviousApplication(rng, applicant, writers, ids.nextPrevId++);
  }
}

function writeBureauCredit(rng: Random, applicant: Applicant, writers: HistoryWriters, bureauId: number): void {
  const pay = applicant.payQuality;
  const type = creditType.sample(rng);
  const daysCredit = -min(HISTORY_DAYS, round(rng.exponential(1150)));
  const durationDays = type === 'Mortgage' ? rng.int(3000, 9000) : type === 'Credit card' ? rng.int(700, 3000) : rng.int(180, 1900);
  const endDate = daysCredit + durationDays;
  const sold = rng.chance(0.004);
  const closed = !sold && (endDate < 0 ? rng.chance(0.92) : rng.chance(0.12));
  const active = closed ? 'Closed' : sold ? 'Sold' : rng.chance(0.00002) ? 'Bad debt' : 'Active';
  const endFact = closed ? min(-1, daysCredit + round(durationDays * rng.uniform(0.4, 1.05))) : NaN;
  const amount = roundTo(rng.logNormal(type === 'Mortgage' ? 1800000 : type === 'Credit card' ? 120000 : 130000, 0.9), 0.5);
  // Overdue history is the main bureau signal: more likely the lower the applicant's payment quality.
  const everOverdue = rng.chance(sigmoid(-2.4 - 1.1 * pay));
  const overdueNow = active === 'Active' && rng.chance(sigmoid(-5.6 - 1.3 * pay));
  const dayOverdue = overdueNow ? 1 + round(rng.exponential(40)) : 0;
  const debt = active === 'Active' ? round2(amount * rng.uniform(0, 1)) : 0;
  writers.bureau.row([
    applicant.id, // SK_ID_CURR
    bureauId, // SK_ID_BUREAU
    active, // CREDIT_ACTIVE
    currency.sample(rng), // CREDIT_CURRENCY
    daysCredit, // DAYS_CREDIT
    dayOverdue, // CREDIT_DAY_OVERDUE
    rng.chance(0.06) ? null : endDate, // DAYS_CREDIT_ENDDATE
    endFact, // DAYS_ENDDATE_FACT (missing while not closed)
    rng.chance(0.655) ? null : everOverdue ? round2(rng.logNormal(4000, 1.4)) : 0, // AMT_CREDIT_MAX_OVERDUE
    rng.chance(0.005) ? rng.int(1, 3) : 0, // CNT_CREDIT_PROLONG
    amount, // AMT_CREDIT_SUM
    rng.chance(0.15) ? null : debt, // AMT_CREDIT_SUM_DEBT
    rng.chance(0.345) ? null : type === 'Credit card' && rng.chance(0.5) ? round2(amount - debt) : 0, // AMT_CREDIT_SUM_LIMIT
    overdueNow ? round2(min(debt, rng.logNormal(3000, 1.2))) : 0, // AMT_CREDIT_SUM_OVERDUE
    type, // CREDIT_TYPE
    min(0, closed ? endFact + rng.int(0, 60) : -rng.int(0, 40)), // DAYS_CREDIT_UPDATE
    rng.chance(0.71) ? null : rng.chance(0.5) ? 0 : round2(amount / 24), // AMT_ANNUITY
  ]);

  // Half of the credits carry a monthly status history, back from now to the credit's opening (at most 96 months).
  if (rng.chance(0.45)) {
    const months = min(96, floor(-daysCredit / 30) + 1);
    const closedMonth = closed ? floor(-endFact / 30) : -1;
    const pLate = sigmoid(-3.6 - 1.2 * pay);
    const unknownShare = rng.chance(0.3) ? rng.uniform(0.3, 1) : 0;
    for (let m = 0; m < months; m++) {
      let status: string;
      if (m < closedMonth) status = 'C';
      else if (rng.chance(unknownShare)) status = 'X';
      else if (rng.chance(pLate)) status = String(min(5, 1 + floor(rng.exponential(0.6))));
      else status = '0';
      writers.bureau_balance.row([bureauId, -m, status]);
    }
  }
}

const prevContract = new Categorical([['Cash loans', 44.8], ['Consumer loans', 43.7], ['Revolving loans', 11.6]] as const);
const weekday = new Categorical([
  ['TUESDAY', 15.3], ['WEDNESDAY', 15.3], ['MONDAY', 15.4], ['FRIDAY', 15.2], ['THURSDAY', 14.9], ['SATURDAY', 14.4],
  ['SUNDAY', 9.5],
] as const);
const cashPurpose = new Categorical([
  ['XNA', 88.2], ['Repairs', 3.1], ['Other', 2.0], ['Urgent needs', 1.1], ['Buying a used car', 0.37],
  ['Building a house or an annex', 0.35], ['Everyday expenses', 0.3], ['Medicine', 0.28], ['Payments on other loans', 0.26],
  ['Education', 0.2], ['Journey', 0.16], ['Purchase of electronic equipment', 0.14], ['Buying a new car', 0.14],
  ['Wedding / gift / holiday', 0.12], ['Buying a home', 0.1], ['Car repairs', 0.1], ['Furniture', 0.1],
] as const);
const refusal = new Categorical([['HC', 60], ['LIMIT', 19], ['SCO', 13], ['SCOFR', 4.5], ['XNA', 1.8], ['VERIF', 1.2], ['SYSTEM', 0.5]] as const);
const prevSuite = new Categorical([
  ['', 49.1], ['Unaccompanied', 30.3], ['Family', 12.8], ['Spouse, partner', 4.0], ['Children', 1.9], ['Other_B', 1.1],
  ['Other_A', 0.5], ['Group of people', 0.1],
] as const);
const clientType = new Categorical([['Repeater', 73.7], ['New', 18.0], ['Refreshed', 8.1], ['XNA', 0.1]] as const);
const goodsCategory = new Categorical([
  ['Mobile', 31.4], ['Consumer Electronics', 17.0], ['Computers', 14.7], ['Audio/Video', 14.0], ['Furniture', 7.4],
  ['Photo / Cinema Equipment', 3.5], ['Construction Materials', 3.5], ['Clothing and Accessories', 3.3],
  ['Auto Accessories', 1.0], ['Jewelry', 0.9], ['Homewares', 0.7], ['Medical Supplies', 0.5], ['Vehicles', 0.5],
  ['Sport and Leisure', 0.4], ['Gardening', 0.2], ['Other', 0.2], ['Office Appliances', 0.2], ['Tourism', 0.04],
  ['Medicine', 0.04],
] as const);
const posChannel = new Categorical([['Country-wide', 52], ['Stone', 23], ['Regional / Local', 11.5], ['Channel of corporate sales', 0.2]] as const);
const cashChannel = new Categorical([['Credit and cash offices', 86], ['Contact center', 7.5], ['AP+ (Cash loan)', 6.5]] as const);
const sellerIndustry = new Categorical([
  ['Consumer electronics', 48.5], ['Connectivity', 33.6], ['Furniture', 7.1], ['Construction', 3.7], ['Clothing', 2.9],
  ['Industry', 2.2], ['Auto technology', 0.6], ['Jewelry', 0.3], ['MLM partners', 0.14], ['Tourism', 0.06],
] as const);
const yieldGroup = new Categorical([['middle', 33.5], ['high', 30.5], ['low_normal', 27.8], ['low_action', 8.2]] as const);
const consumerTerms = new Categorical([[6, 18], [10, 12], [12, 30], [18, 10], [24, 22], [36, 8]] as const);
const cashTerms = new Categorical([[12, 25], [18, 8], [24, 22], [36, 20], [48, 10], [60, 15]] as const);
const posProducts = ['POS household with interest', 'POS mobile with interest', 'POS industry with interest',
  'POS household without interest', 'POS mobile without interest', 'POS other with interest',
  'POS industry without interest', 'POS others without interest'];
const posProduct = new Categorical(posProducts.map((p, i) => [p, [15.8, 13.2, 5.9, 5, 1.4, 1.4, 0.8, 0.2][i]] as const));
const cashProduct = new Categorical([
  ['Cash X-Sell: middle', 8.6], ['Cash X-Sell: low', 7.8], ['Cash Street: high', 3.6], ['Cash X-Sell: high', 3.5],
  ['Cash Street: middle', 2.1], ['Cash Street: low', 2.0], ['Cash', 4],
] as const);

interface PreviousLoan {
  prevId: number;
  contract: string;
  annuity: number;
  instalments: number;
  firstDue: number;
}

function writePreviousApplication(rng: Random, applicant: Applicant, writers: HistoryWriters, prevId: number): void {
  const pay = applicant.payQuality;
  const contract = prevContract.sample(rng);
  const decision = -min(HISTORY_DAYS, 1 + round(rng.exponential(880)));
  // Risky applicants were refused more often; the rest splits into approved / canceled / unused offers.
  const refused = rng.chance(sigmoid(-1.75 - 0.55 * pay - 0.2 * applicant.appQuality));
  const status = refused ? 'Refused' : rng.chance(0.75) ? 'Approved' : rng.chance(0.92) ? 'Canceled' : 'Unused offer';
  const approved = status === 'Approved';
  const consumer = contract === 'Consumer loans';
  const revolving = contract === 'Revolving loans';
  const canceled = status === 'Canceled';

  const application = revolving
    ? rng.chance(0.5) ? 0 : roundTo(rng.logNormal(150000, 0.6), 22500)
    : roundTo(rng.logNormal(consumer ? 60000 : 250000, consumer ? 0.8 : 0.7), consumer ? 1 : 4500);
  const credit = canceled && rng.chance(0.8) ? 0 : revolving && application === 0 ? roundTo(rng.logNormal(150000, 0.6), 22500) : round2(application * (consumer ? rng.uniform(0.85, 1.1) : rng.uniform(1, 1.15)));
  const downPayment = consumer && rng.chance(0.95) ? (rng.chance(0.5) ? 0 : round2(application * rng.uniform(0.05, 0.3))) : NaN;
  const instalments = revolving ? 0 : (consumer ? consumerTerms : cashTerms).sample(rng);
  const rate = rng.uniform(0.008, 0.03);
  const hasTerms = !canceled && credit > 0;
  const annuity = !hasTerms ? NaN : revolving ? round2(credit * 0.05) : round2((credit * rate) / (1 - pow(1 + rate, -instalments)));
  const portfolio = canceled ? 'XNA' : consumer ? 'POS' : revolving ? 'Cards' : 'Cash';
  const productCombination = canceled && rng.chance(0.5) ? 'Cash' : consumer ? posProduct.sample(rng) : revolving ? (rng.chance(0.58) ? 'Card Street' : 'Card X-Sell') : cashProduct.sample(rng);
  const firstDue = decision + rng.int(10, 45);
  const lastDueFirstVersion = firstDue + 30 * max(0, instalments - 1);
  const finished = approved && !revolving && lastDueFirstVersion < 0;

  const rec: Record<string, Cell> = {
    SK_ID_PREV: prevId,
    SK_ID_CURR: applicant.id,
    NAME_CONTRACT_TYPE: contract,
    AMT_ANNUITY: annuity,
    AMT_APPLICATION: application,
    AMT_CREDIT: credit,
    AMT_DOWN_PAYMENT: downPayment,
    AMT_GOODS_PRICE: revolving || (canceled && credit === 0) ? NaN : application,
    WEEKDAY_APPR_PROCESS_START: weekday.sample(rng),
    HOUR_APPR_PROCESS_START: max(0, min(23, round(12.5 + 3.3 * rng.normal()))),
    FLAG_LAST_APPL_PER_CONTRACT: rng.chance(0.995) ? 'Y' : 'N',
    NFLAG_LAST_APPL_IN_DAY: rng.chance(0.996) ? 1 : 0,
    RATE_DOWN_PAYMENT: isNotANumber(downPayment) ? NaN : application > 0 ? downPayment / application : 0,
    RATE_INTEREST_PRIMARY: rng.chance(0.0036) ? rng.uniform(0.1, 0.35) : NaN,
    RATE_INTEREST_PRIVILEGED: rng.chance(0.0036) ? rng.uniform(0.37, 0.87) : NaN,
    NAME_CASH_LOAN_PURPOSE: contract === 'Cash loans' ? cashPurpose.sample(rng) : 'XAP',
    NAME_CONTRACT_STATUS: status,
    DAYS_DECISION: decision,
    NAME_PAYMENT_TYPE: canceled ? 'XNA' : rng.chance(0.98) ? 'Cash through the bank' : 'Non-cash from your account',
    CODE_REJECT_REASON: refused ? refusal.sample(rng) : status === 'Unused offer' ? 'CLIENT' : 'XAP',
    NAME_TYPE_SUITE: prevSuite.sample(rng) || null,
    NAME_CLIENT_TYPE: clientType.sample(rng),
    NAME_GOODS_CATEGORY: consumer ? goodsCategory.sample(rng) : 'XNA',
    NAME_PORTFOLIO: portfolio,
    NAME_PRODUCT_TYPE: consumer ? 'XNA' : rng.chance(0.75) ? 'x-sell' : 'walk-in',
    CHANNEL_TYPE: consumer ? posChannel.sample(rng) : cashChannel.sample(rng),
    SELLERPLACE_AREA: consumer ? round(rng.logNormal(50, 1.3)) : -1,
    NAME_SELLER_INDUSTRY: consumer ? sellerIndustry.sample(rng) : 'XNA',
    CNT_PAYMENT: hasTerms ? instalments : NaN,
    NAME_YIELD_GROUP: hasTerms && !revolving ? yieldGroup.sample(rng) : 'XNA',
    PRODUCT_COMBINATION: productCombination,
    DAYS_FIRST_DRAWING: approved ? (rng.chance(0.96) ? NO_DATE : decision + rng.int(1, 30)) : NaN,
    DAYS_FIRST_DUE: approved ? (revolving && rng.chance(0.3) ? NO_DATE : firstDue) : NaN,
    DAYS_LAST_DUE_1ST_VERSION: approved ? (revolving ? NO_DATE : lastDueFirstVersion) : NaN,
    DAYS_LAST_DUE: approved ? (finished ? lastDueFirstVersion : NO_DATE) : NaN,
    DAYS_TERMINATION: approved ? (finished ? lastDueFirstVersion + rng.int(0, 10) : NO_DATE) : NaN,
    NFLAG_INSURED_ON_APPROVAL: approved ? (rng.chance(0.33) ? 1 : 0) : NaN,
  };
  writers.previous_application.rowFrom(rec);

  if (!approved || !hasTerms) return;
  const loan: PreviousLoan = { prevId, contract, annuity, instalments, firstDue };
  if (revolving) writeCreditCard(rng, applicant, writers, loan, credit);
  else writeRepayments(rng, applicant, writers, loan);
}

/** Instalments due so far, how each was paid, and the matching monthly POS_CASH rows (days past due agree). */
function writeRepayments(rng: Random, applicant: Applicant, writers: HistoryWriters, loan: PreviousLoan): void {
  // A loan-level propensity: some loans of a good payer go wrong too, and vice versa.
  const loanQuality = applicant.payQuality + 0.6 * rng.normal();
  const pLate = sigmoid(-2.7 - 1.2 * loanQuality);
  const pPartial = sigmoid(-3.8 - 1.0 * loanQuality);
  const due = min(loan.instalments, floor(-loan.firstDue / 30) + 1);
  if (due <= 0) return;
  const version = rng.chance(0.3) ? 0 : 1;
  const hasPos = rng.chance(0.75);
  for (let k = 0; k < due; k++) {
    const daysInstalment = loan.firstDue + 30 * k;
    const late = rng.chance(pLate);
    const daysLate = late ? 1 + round(rng.exponential(12)) : -round(rng.exponential(8));
    const unpaid = k === due - 1 && rng.chance(0.002);
    const amountPaid = rng.chance(pPartial) ? round2(loan.annuity * rng.uniform(0.2, 0.95)) : loan.annuity;
    writers.installments_payments.row([
      loan.prevId, // SK_ID_PREV
      applicant.id, // SK_ID_CURR
      version, // NUM_INSTALMENT_VERSION
      k + 1, // NUM_INSTALMENT_NUMBER
      daysInstalment, // DAYS_INSTALMENT
      unpaid ? null : min(0, daysInstalment + daysLate), // DAYS_ENTRY_PAYMENT
      loan.annuity, // AMT_INSTALMENT
      unpaid ? null : amountPaid, // AMT_PAYMENT
    ]);
    if (hasPos) {
      const dpd = late ? max(0, daysLate) : 0;
      writers.POS_CASH_balance.row([
        loan.prevId, // SK_ID_PREV
        applicant.id, // SK_ID_CURR
        min(-1, floor(daysInstalment / 30)), // MONTHS_BALANCE
        loan.instalments, // CNT_INSTALMENT
        loan.instalments - k - 1, // CNT_INSTALMENT_FUTURE
        'Active', // NAME_CONTRACT_STATUS
        dpd, // SK_DPD
        dpd > 30 ? dpd : 0, // SK_DPD_DEF
      ]);
    }
  }
  const lastMonth = floor((loan.firstDue + 30 * (due - 1)) / 30);
  if (hasPos && due === loan.instalments && lastMonth < -1) {
    writers.POS_CASH_balance.row([loan.prevId, applicant.id, lastMonth + 1, loan.instalments, 0, 'Completed', 0, 0]);
  }
}

/** Monthly card statements from the first month to now: limit, balance, drawings, payments and days past due. */
function writeCreditCard(rng: Random, applicant: Applicant, writers: HistoryWriters, loan: PreviousLoan, limit: number): void {
  const cardQuality = applicant.payQuality + 0.5 * rng.normal();
  const usage = sigmoid(-0.6 - 0.9 * cardQuality + 0.5 * rng.normal());
  const pLate = sigmoid(-3.5 - 1.2 * cardQuality);
  const months = min(96, floor(-loan.firstDue / 30) + 1);
  let balance = 0;
  for (let m = months; m >= 1; m--) {
    const drawCount = rng.chance(0.45) ? 1 + rng.poisson(2 * usage + 0.3) : 0;
    const drawings = drawCount === 0 ? 0 : round2(min(limit, drawCount * rng.logNormal(9000, 0.9) * (0.5 + usage)));
    const atm = drawCount === 0 ? 0 : rng.chance(0.4) ? drawings : 0;
    const pos = drawings - atm;
    const minPayment = round2(balance * 0.05);
    const late = balance > 0 && rng.chance(pLate);
    const payment = balance === 0 ? 0 : late ? 0 : round2(min(balance, max(minPayment, balance * rng.uniform(0.05, 1 - 0.8 * usage))));
    balance = max(0, round2(balance + drawings - payment + (balance > 0 ? balance * 0.02 : 0)));
    const principal = round2(balance * 0.96);
    const dpd = late ? rng.int(1, 60) : 0;
    const noDrawDetail = drawCount === 0 && rng.chance(0.5);
    writers.credit_card_balance.row([
      loan.prevId, // SK_ID_PREV
      applicant.id, // SK_ID_CURR
      -m, // MONTHS_BALANCE
      balance, // AMT_BALANCE
      limit, // AMT_CREDIT_LIMIT_ACTUAL
      noDrawDetail ? null : atm, // AMT_DRAWINGS_ATM_CURRENT
      drawings, // AMT_DRAWINGS_CURRENT
      noDrawDetail ? null : 0, // AMT_DRAWINGS_OTHER_CURRENT
      noDrawDetail ? null : pos, // AMT_DRAWINGS_POS_CURRENT
      minPayment, // AMT_INST_MIN_REGULARITY
      payment === 0 && rng.chance(0.5) ? null : payment, // AMT_PAYMENT_CURRENT
      payment, // AMT_PAYMENT_TOTAL_CURRENT
      principal, // AMT_RECEIVABLE_PRINCIPAL
      balance, // AMT_RECIVABLE
      balance, // AMT_TOTAL_RECEIVABLE
      noDrawDetail ? null : atm > 0 ? drawCount : 0, // CNT_DRAWINGS_ATM_CURRENT
      drawCount, // CNT_DRAWINGS_CURRENT
      noDrawDetail ? null : 0, // CNT_DRAWINGS_OTHER_CURRENT
      noDrawDetail ? null : atm > 0 ? 0 : drawCount, // CNT_DRAWINGS_POS_CURRENT
      months - m, // CNT_INSTALMENT_MATURE_CUM
      'Active', // NAME_CONTRACT_STATUS
      dpd, // SK_DPD
      dpd > 30 ? dpd : 0, // SK_DPD_DEF
    ]);
  }
}
