/**
 * One synthetic applicant: the application row (all 122 Kaggle columns) and the hidden risk that the side tables and
 * the default label are drawn from. Marginals follow the Kaggle application_train file (shares quoted in comments are
 * Kaggle's); the default signal is planted through two hidden factors:
 *   - `appQuality`  is what the external scores see (EXT_SOURCE_1..3 are noisy views of it),
 *   - `payQuality`  is what repayment history shows (bureau overdue, instalment lateness, refused applications),
 * plus smaller direct effects of the application fields (payment burden, age, job tenure, education, region...).
 * TARGET ~ Bernoulli(sigmoid(logit)), the intercept set for a ~8 % default rate.
 */
import { exp, isNotANumber, max, min, pow, round, sqrt } from './builtins';
import type { Cell } from './csv-writer';
import { Categorical, normalCdf, Random, sigmoid } from '../random';

export interface Applicant {
  id: number;
  appQuality: number;
  payQuality: number;
  target: 0 | 1;
  ageYears: number;
  income: number;
  /** The columns of application_train, by Kaggle name (TARGET included; dropped for application_test). */
  row: Record<string, Cell>;
}

/** Pensioners' (and unemployed) DAYS_EMPLOYED in the Kaggle data: 365243 days, i.e. "not employed". */
export const NOT_EMPLOYED_DAYS = 365243;
/** Calibrated on 200k generated applicants so that the mean default rate is ~8 % (Kaggle: 8.07 %). */
const LOGIT_INTERCEPT = -3.45;

const contractType = new Categorical([['Cash loans', 90.5], ['Revolving loans', 9.5]] as const);
const suite = new Categorical([
  ['Unaccompanied', 80.8], ['Family', 13.1], ['Spouse, partner', 3.7], ['Children', 1.06], ['Other_B', 0.58],
  ['Other_A', 0.28], ['Group of people', 0.09], ['', 0.42],
] as const);
const workingIncomeType = new Categorical([
  ['Working', 63.0], ['Commercial associate', 28.4], ['State servant', 8.6], ['Unemployed', 0.03], ['Student', 0.02],
  ['Businessman', 0.01], ['Maternity leave', 0.01],
] as const);
const education = new Categorical([
  ['Secondary / secondary special', 71.0], ['Higher education', 24.3], ['Incomplete higher', 3.3],
  ['Lower secondary', 1.2], ['Academic degree', 0.05],
] as const);
const familyStatus = new Categorical([
  ['Married', 63.9], ['Single / not married', 14.8], ['Civil marriage', 9.7], ['Separated', 6.4], ['Widow', 5.2],
] as const);
const housing = new Categorical([
  ['House / apartment', 88.7], ['With parents', 4.8], ['Municipal apartment', 3.6], ['Rented apartment', 1.6],
  ['Office apartment', 0.85], ['Co-op apartment', 0.36],
] as const);
const occupation = new Categorical([
  ['Laborers', 26.1], ['Sales staff', 15.2], ['Core staff', 13.1], ['Managers', 10.1], ['Drivers', 8.8],
  ['High skill tech staff', 5.4], ['Accountants', 4.6], ['Medicine staff', 4.0], ['Security staff', 3.2],
  ['Cooking staff', 2.8], ['Cleaning staff', 2.2], ['Private service staff', 1.3], ['Low-skill Laborers', 1.0],
  ['Waiters/barmen staff', 0.64], ['Secretaries', 0.62], ['Realty agents', 0.35], ['HR staff', 0.27], ['IT staff', 0.25],
] as const);
/** Extra default log-odds by occupation, roughly the Kaggle default-rate ranking (low-skill high, accountants low). */
const OCCUPATION_RISK: Record<string, number> = {
  'Low-skill Laborers': 0.55, Drivers: 0.25, 'Waiters/barmen staff': 0.25, 'Security staff': 0.2, Laborers: 0.15,
  'Cooking staff': 0.15, 'Sales staff': 0.1, Accountants: -0.35, 'High skill tech staff': -0.25, Managers: -0.2,
  'Core staff': -0.15, 'IT staff': -0.2, 'HR staff': -0.2,
};
const childrenUnder50 = new Categorical([[0, 66], [1, 22], [2, 10], [3, 1.5], [4, 0.4], [5, 0.1]] as const);
const cashLoanTerms = new Categorical([[12, 20], [18, 8], [24, 22], [30, 6], [36, 18], [48, 10], [60, 16]] as const);
const weekday = new Categorical([
  ['TUESDAY', 17.5], ['WEDNESDAY', 16.9], ['MONDAY', 16.5], ['THURSDAY', 16.4], ['FRIDAY', 16.4], ['SATURDAY', 11.0],
  ['SUNDAY', 5.3],
] as const);
// The 58 employer types with their shares in the real sample; XNA is reserved for people without an employer.
const organization = new Categorical([
  ['Business Entity Type 3', 3117], ['Self-employed', 1859], ['Other', 781], ['Medicine', 543], ['Government', 469],
  ['Business Entity Type 2', 440], ['School', 408], ['Kindergarten', 342], ['Trade: type 7', 329], ['Construction', 297],
  ['Business Entity Type 1', 250], ['Transport: type 4', 242], ['Trade: type 3', 176], ['Industry: type 3', 166],
  ['Housing', 156], ['Security', 147], ['Industry: type 11', 142], ['Industry: type 9', 135], ['Military', 124],
  ['Bank', 120], ['Postal', 112], ['Transport: type 2', 107], ['Police', 103], ['Agriculture', 102], ['Services', 100],
  ['Security Ministries', 98], ['Restaurant', 85], ['Trade: type 2', 77], ['Industry: type 7', 62], ['Hotel', 59],
  ['University', 53], ['Transport: type 3', 53], ['Electricity', 46], ['Industry: type 1', 46], ['Trade: type 6', 33],
  ['Industry: type 5', 29], ['Insurance', 28], ['Telecom', 27], ['Emergency', 26], ['Industry: type 2', 26],
  ['Industry: type 12', 24], ['Industry: type 4', 22], ['Culture', 17], ['Trade: type 1', 17], ['Advertising', 17],
  ['Mobile', 15], ['Legal Services', 13], ['Transport: type 1', 11], ['Realtor', 11], ['Cleaning', 9],
  ['Industry: type 10', 8], ['Industry: type 13', 7], ['Trade: type 5', 5], ['Industry: type 6', 5], ['Religion', 3],
  ['Trade: type 4', 3], ['Industry: type 8', 2],
] as const);
// Regions: Kaggle's REGION_POPULATION_RELATIVE takes ~80 values; the 24 most frequent, with their sample counts.
const region = new Categorical([
  [0.035792, 787], [0.04622, 609], [0.025164, 587], [0.030755, 565], [0.026392, 564], [0.028663, 530],
  [0.031329, 499], [0.072508, 426], [0.019101, 397], [0.01885, 391], [0.020713, 378], [0.020246, 337],
  [0.018634, 332], [0.032561, 328], [0.015221, 323], [0.022625, 320], [0.018029, 303], [0.018801, 296],
  [0.00702, 182], [0.010006, 175], [0.00496, 159], [0.011657, 150], [0.003541, 120], [0.002042, 90],
] as const);
const fondkapremont = new Categorical([
  ['reg oper account', 24.0], ['reg oper spec account', 3.9], ['org spec account', 1.8], ['not specified', 1.8],
  ['', 68.5 - 47],
] as const);
const houseType = new Categorical([['block of flats', 49.0], ['specific housing', 0.5], ['terraced house', 0.4], ['', 2.6]] as const);
const walls = new Categorical([
  ['Panel', 21.5], ['Stone, brick', 21.1], ['Block', 3.0], ['Wooden', 1.7], ['Mixed', 0.75], ['Monolithic', 0.58],
  ['Others', 0.53], ['', 3.8],
] as const);
/** Share of applications carrying each FLAG_DOCUMENT_k (k = 2..21), from the real sample. */
const DOCUMENT_SHARES = [
  0.00004, 0.71, 0.0001, 0.015, 0.088, 0.0002, 0.081, 0.004, 0.00002, 0.004, 0.00001, 0.0035, 0.003, 0.0012, 0.01,
  0.0003, 0.008, 0.0006, 0.0005, 0.0003,
];
/**
 * Building descriptors (normalised 0..1): Kaggle base name, mean of the _AVG column, missing share. The _MODE and _MEDI
 * columns repeat the building's value with small differences, as in Kaggle (they describe the same building).
 */
const BUILDING: readonly (readonly [string, number, number])[] = [
  ['APARTMENTS', 0.117, 0.507], ['BASEMENTAREA', 0.088, 0.585], ['YEARS_BEGINEXPLUATATION', 0.978, 0.488],
  ['YEARS_BUILD', 0.752, 0.665], ['COMMONAREA', 0.045, 0.699], ['ELEVATORS', 0.079, 0.533], ['ENTRANCES', 0.15, 0.503],
  ['FLOORSMAX', 0.226, 0.498], ['FLOORSMIN', 0.232, 0.678], ['LANDAREA', 0.066, 0.594],
  ['LIVINGAPARTMENTS', 0.1, 0.684], ['LIVINGAREA', 0.107, 0.502], ['NONLIVINGAPARTMENTS', 0.0088, 0.694],
  ['NONLIVINGAREA', 0.028, 0.552],
];
/** Share of applicants whose building is described at all (EMERGENCYSTATE_MODE, the least-missing one: 47.4 %). */
const HAS_BUILDING = 0.526;

const roundDecimals = (x: number, decimals: number) => {
  const f = 10 ** decimals;
  return round(x * f) / f;
};
/** Kaggle amounts are mostly multiples of 4500 (incomes, goods prices) or of half a unit (credits, annuities). */
const roundTo = (x: number, step: number) => max(step, round(x / step) * step);
const clamp = (x: number, lo: number, hi: number) => min(hi, max(lo, x));

/** An external score in (0,1): a noisy view of `quality` with correlation `rho`, shaped like Kaggle's (mean ~0.51, sd ~0.19). */
function externalScore(rng: Random, quality: number, rho: number): number {
  const s = rho * quality + sqrt(1 - rho * rho) * rng.normal();
  return normalCdf(0.58 * s + 0.04);
}

export function generateApplicant(rng: Random, id: number): Applicant {
  const appQuality = rng.normal();
  const payQuality = rng.normal();
  const r: Record<string, Cell> = { SK_ID_CURR: id, TARGET: 0 };
  let risk = -0.95 * appQuality - 0.75 * payQuality;

  const contract = contractType.sample(rng);
  r.NAME_CONTRACT_TYPE = contract;
  // Kaggle: F 65.8 %, M 34.2 %, and four 'XNA' rows; XNA is kept at 1 in 10,000 so small samples still show it.
  const genderDraw = rng.next();
  const gender = genderDraw < 0.0001 ? 'XNA' : genderDraw < 0.6581 ? 'F' : 'M';
  r.CODE_GENDER = gender;
  if (gender === 'M') risk += 0.3;
  const ownsCar = rng.chance(0.34);
  r.FLAG_OWN_CAR = ownsCar ? 'Y' : 'N';
  r.FLAG_OWN_REALTY = rng.chance(0.694) ? 'Y' : 'N';
  if (ownsCar) risk -= 0.15;

  const ageYears = clamp(43.9 + 11.6 * rng.normal(), 20.6, 69.0);
  risk -= 0.022 * (ageYears - 44);
  const married = rng.next();
  const family = familyStatus.pick(married);
  const children = ageYears < 50 ? childrenUnder50.sample(rng) : rng.chance(0.06) ? 1 : 0;
  r.CNT_CHILDREN = children;

  // Pensioners are mostly older; with the unemployed they make Kaggle's 18 % DAYS_EMPLOYED = 365243.
  const pensioner = rng.chance(ageYears >= 56 ? 0.9 : ageYears >= 50 ? 0.25 : 0.02);
  const incomeType = pensioner ? 'Pensioner' : workingIncomeType.sample(rng);
  const employed = incomeType !== 'Pensioner' && incomeType !== 'Unemployed';
  if (incomeType === 'State servant') risk -= 0.3;
  if (incomeType === 'Unemployed' || incomeType === 'Maternity leave') risk += 1.5;
  if (incomeType === 'Pensioner') risk -= 0.15;

  const income = max(25650, roundTo(rng.logNormal(pensioner ? 112500 : 153000, 0.5), rng.chance(0.7) ? 4500 : 2250));
  r.AMT_INCOME_TOTAL = income;
  const { credit, annuity, goods } = loanAmounts(rng, contract, income);
  r.AMT_CREDIT = credit;
  r.AMT_ANNUITY = rng.chance(0.00004) ? null : annuity;
  r.AMT_GOODS_PRICE = goods;
  // Payment burden and a credit above the goods price (insurance, fees) are the classic application-level signals.
  risk += 3.0 * (annuity / income - 0.18);
  if (goods !== null) risk += 1.2 * (credit / goods - 1.12);

  r.NAME_TYPE_SUITE = suite.sample(rng) || null;
  r.NAME_INCOME_TYPE = incomeType;
  const edu = education.sample(rng);
  r.NAME_EDUCATION_TYPE = edu;
  risk += edu === 'Higher education' ? -0.35 : edu === 'Lower secondary' ? 0.35 : edu === 'Academic degree' ? -0.7 : 0;
  r.NAME_FAMILY_STATUS = family;
  r.NAME_HOUSING_TYPE = housing.sample(rng);
  if (r.NAME_HOUSING_TYPE === 'Rented apartment' || r.NAME_HOUSING_TYPE === 'With parents') risk += 0.25;
  const populationRelative = region.sample(rng);
  r.REGION_POPULATION_RELATIVE = populationRelative;
  const daysBirth = -round(ageYears * 365.25);
  r.DAYS_BIRTH = daysBirth;
  const daysEmployed = employed
    ? -max(1, round(min(rng.exponential(2400), (ageYears - 18.5) * 365)))
    : NOT_EMPLOYED_DAYS;
  r.DAYS_EMPLOYED = daysEmployed;
  if (employed && daysEmployed > -365) risk += 0.3;
  r.DAYS_REGISTRATION = -round(pow(rng.next(), 1.2) * (ageYears - 16) * 365);
  r.DAYS_ID_PUBLISH = -rng.int(0, min(6300, round((ageYears - 14) * 365)));
  r.OWN_CAR_AGE = ownsCar ? min(91, round(rng.gamma(1.6) * 7.5)) : null;
  r.FLAG_MOBIL = 1;
  r.FLAG_EMP_PHONE = employed ? 1 : 0;
  r.FLAG_WORK_PHONE = employed && rng.chance(0.24) ? 1 : 0;
  r.FLAG_CONT_MOBILE = rng.chance(0.998) ? 1 : 0;
  r.FLAG_PHONE = rng.chance(0.28) ? 1 : 0;
  r.FLAG_EMAIL = rng.chance(0.057) ? 1 : 0;
  // Kaggle leaves OCCUPATION_TYPE empty for 31 %: all pensioners and ~16 % of the employed.
  const job = employed && rng.chance(0.84) ? occupation.sample(rng) : null;
  r.OCCUPATION_TYPE = job;
  if (job) risk += OCCUPATION_RISK[job] ?? 0;
  const spouse = family === 'Married' || family === 'Civil marriage' ? 1 : 0;
  r.CNT_FAM_MEMBERS = rng.chance(0.00001) ? null : 1 + spouse + children;
  // Poorer regions are rated 3; the city rating mostly agrees with the region's.
  const rating = populationRelative > 0.03 ? (rng.chance(0.25) ? 1 : 2) : rng.chance(0.22) ? 3 : rng.chance(0.02) ? 1 : 2;
  r.REGION_RATING_CLIENT = rating;
  r.REGION_RATING_CLIENT_W_CITY = rng.chance(0.9) ? rating : clamp(rating + (rng.chance(0.5) ? 1 : -1), 1, 3);
  risk += rating === 3 ? 0.35 : rating === 1 ? -0.3 : 0;
  r.WEEKDAY_APPR_PROCESS_START = weekday.sample(rng);
  r.HOUR_APPR_PROCESS_START = clamp(round(12.06 + 3.27 * rng.normal()), 0, 23);
  const livesElsewhere = rng.chance(0.078);
  const worksElsewhere = employed && rng.chance(0.26);
  r.REG_REGION_NOT_LIVE_REGION = livesElsewhere && rng.chance(0.19) ? 1 : 0;
  r.REG_REGION_NOT_WORK_REGION = worksElsewhere && rng.chance(0.21) ? 1 : 0;
  r.LIVE_REGION_NOT_WORK_REGION = worksElsewhere && rng.chance(0.17) ? 1 : 0;
  r.REG_CITY_NOT_LIVE_CITY = livesElsewhere ? 1 : 0;
  r.REG_CITY_NOT_WORK_CITY = worksElsewhere ? 1 : 0;
  r.LIVE_CITY_NOT_WORK_CITY = worksElsewhere && rng.chance(0.7) ? 1 : 0;
  if (livesElsewhere) risk += 0.25;
  r.ORGANIZATION_TYPE = employed ? organization.sample(rng) : 'XNA';

  // External scores: EXT_SOURCE_1 missing for 56.4 %, EXT_SOURCE_2 for 0.2 %, EXT_SOURCE_3 for 19.8 % (Kaggle).
  const ext1 = externalScore(rng, appQuality, 0.65);
  const ext2 = externalScore(rng, appQuality, 0.6);
  const ext3 = externalScore(rng, appQuality, 0.68);
  r.EXT_SOURCE_1 = rng.chance(0.564) ? null : ext1;
  r.EXT_SOURCE_2 = rng.chance(0.002) ? null : ext2;
  r.EXT_SOURCE_3 = rng.chance(0.198) ? null : ext3;

  writeBuilding(rng, r);

  // Social circle: how many acquaintances were observed with 30/60 days past due, and how many of them defaulted.
  if (rng.chance(0.0033)) {
    r.OBS_30_CNT_SOCIAL_CIRCLE = r.DEF_30_CNT_SOCIAL_CIRCLE = r.OBS_60_CNT_SOCIAL_CIRCLE = r.DEF_60_CNT_SOCIAL_CIRCLE = null;
  } else {
    const observed = rng.negativeBinomial(1.42, 0.5);
    const defaultShare = 0.1 * exp(0.4 * (-payQuality));
    const def30 = binomial(rng, observed, min(0.9, defaultShare));
    r.OBS_30_CNT_SOCIAL_CIRCLE = observed;
    r.DEF_30_CNT_SOCIAL_CIRCLE = def30;
    r.OBS_60_CNT_SOCIAL_CIRCLE = max(0, observed - (rng.chance(0.05) ? 1 : 0));
    r.DEF_60_CNT_SOCIAL_CIRCLE = max(0, def30 - (rng.chance(0.3) ? 1 : 0));
    if (def30 > 0) risk += 0.2;
  }
  r.DAYS_LAST_PHONE_CHANGE = rng.chance(0.12) ? 0 : -min(4292, round(rng.exponential(1090)));
  if ((r.DAYS_LAST_PHONE_CHANGE as number) > -200) risk += 0.15;
  for (let k = 2; k <= 21; k++) r[`FLAG_DOCUMENT_${k}`] = rng.chance(DOCUMENT_SHARES[k - 2]) ? 1 : 0;
  if (r.FLAG_DOCUMENT_3 === 1) risk += 0.15;
  writeBureauEnquiries(rng, r);

  const target = rng.chance(sigmoid(LOGIT_INTERCEPT + risk)) ? 1 : 0;
  r.TARGET = target;
  return { id, appQuality, payQuality, target, ageYears, income, row: r };
}

/** Goods price, credit (goods + insurance/fees) and monthly annuity, as Kaggle's cash and revolving loans look. */
function loanAmounts(rng: Random, contract: string, income: number) {
  if (contract === 'Revolving loans') {
    // Card limits come in round steps (135000, 180000, 270000...); the annuity is 5 % of the limit.
    const credit = roundTo(min(1350000, rng.logNormal(270000, 0.55) * pow(income / 150000, 0.3)), 22500);
    return { credit, annuity: credit * 0.05, goods: rng.chance(0.97) ? credit : null };
  }
  const goods = roundTo(clamp(rng.logNormal(470000, 0.55) * pow(income / 150000, 0.35), 40500, 4050000), 4500);
  const credit = roundDecimals(goods * (rng.chance(0.35) ? 1 : 1 + rng.uniform(0.02, 0.28)), 1) + (rng.chance(0.3) ? 0.5 : 0);
  const months = cashLoanTerms.sample(rng);
  const monthlyRate = rng.uniform(0.012, 0.028);
  const annuity = roundTo((credit * monthlyRate) / (1 - pow(1 + monthlyRate, -months)), 0.5);
  return { credit, annuity, goods };
}

function writeBuilding(rng: Random, r: Record<string, Cell>): void {
  const described = rng.chance(HAS_BUILDING);
  for (const [name, mean, missingShare] of BUILDING) {
    // Missing shares beyond "no building at all" are per descriptor, conditional on the building being described.
    const present = described && rng.chance((1 - missingShare) / HAS_BUILDING);
    let avg = NaN;
    if (present) {
      if (name === 'YEARS_BEGINEXPLUATATION') avg = 1 - min(1, rng.exponential(0.022));
      else if (name === 'YEARS_BUILD') avg = clamp(mean + 0.11 * rng.normal(), 0, 1);
      else if (name === 'FLOORSMAX' || name === 'FLOORSMIN') avg = min(1, (1 + rng.poisson(mean * 24 - 1)) / 24);
      else if (name === 'ELEVATORS') avg = min(1, 0.04 * rng.poisson(mean / 0.04));
      else avg = min(1, rng.gamma(1.3) * (mean / 1.3));
    }
    const jitter = () => (isNotANumber(avg) ? null : roundDecimals(min(1, avg * (1 + 0.03 * rng.normal())), 4));
    r[`${name}_AVG`] = isNotANumber(avg) ? null : roundDecimals(avg, 4);
    r[`${name}_MODE`] = jitter();
    r[`${name}_MEDI`] = jitter();
  }
  r.FONDKAPREMONT_MODE = described ? fondkapremont.sample(rng) || null : null;
  r.HOUSETYPE_MODE = described ? houseType.sample(rng) || null : null;
  const apartments = r.APARTMENTS_AVG as number | null;
  r.TOTALAREA_MODE = described && rng.chance(0.98) ? roundDecimals(apartments ?? rng.gamma(1.3) * 0.08, 4) : null;
  r.WALLSMATERIAL_MODE = described ? walls.sample(rng) || null : null;
  r.EMERGENCYSTATE_MODE = described ? (rng.chance(0.0144) ? 'Yes' : 'No') : null;
}

/** Credit-bureau enquiries in the hour/day/week/month/quarter/year before applying; all missing together (13.5 %). */
function writeBureauEnquiries(rng: Random, r: Record<string, Cell>): void {
  const names = ['HOUR', 'DAY', 'WEEK', 'MON', 'QRT', 'YEAR'];
  const means = [0.0064, 0.007, 0.034, 0.267, 0.265, 1.9];
  const missing = rng.chance(0.135);
  for (let i = 0; i < names.length; i++) r[`AMT_REQ_CREDIT_BUREAU_${names[i]}`] = missing ? null : rng.negativeBinomial(means[i], 0.8);
}

function binomial(rng: Random, n: number, p: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (rng.next() < p) k++;
  return k;
}
