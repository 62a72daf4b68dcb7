import { CvResult, TrialPruned, type FoldAuc } from './cv';
import { HyperParams, ModelSpec, ParamDomain, ParamSpace } from './models';
import { Mulberry32Random, type Random } from '@credit-scoring/data';

/*
 * Budgeted hyper-parameter search, seeded. The first `startupTrials` draw parameters uniformly from the space
 * (log-uniform where `log`); later trials, when `tpe` is on, refine around the good ones with a simple Tree-structured
 * Parzen Estimator: per parameter, candidates are drawn near the values of the best quarter of trials and the one
 * with the highest density ratio good/bad is kept (parameters treated independently, as Optuna's default TPE does).
 * Every trial is scored by the mean CV business cost per applicant (lower is better).
 */

export interface Trial {
  index: number;
  params: HyperParams;
  score: number;
  auc: number;
  seconds: number;
  cv: CvResult;
}

export interface SearchProgress {
  trial: number;
  trials: number;
  params: HyperParams;
  score: number;
  bestScore: number;
  elapsedSeconds: number;
  etaSeconds: number;
  phase: 'random' | 'tpe';
}

export interface SearchOptions {
  trials: number;
  seed: number;
  /** Random trials before TPE refinement starts (default: all trials random when tpe is off, else max(5, trials/3)). */
  startupTrials?: number;
  tpe?: boolean;
  /** Wall-clock budget: no new trial starts when the mean trial time would overrun it (the first trial always runs). */
  timeBudgetSeconds?: number;
  /**
   * Prune clearly losing trials, as Optuna's pruners do: once a trial has `minFolds` folds scored, it stops when its
   * mean validation AUC on them is below the best trial's mean AUC on the same folds by more than `margin`. A pruned
   * trial has no CV cost: it is listed in `pruned`, never chosen, and the parameters of the later trials are the
   * ones drawn without pruning (the sampler draws the same numbers). Off by default: it changes what is logged.
   */
  prune?: { margin: number; minFolds: number };
  onProgress?: (p: SearchProgress) => void;
  onPruned?: (trial: PrunedTrial) => void;
}

/** A trial stopped by `prune`, with the folds it scored. */
export interface PrunedTrial {
  index: number;
  params: HyperParams;
  folds: FoldAuc[];
  /** Its mean AUC on those folds. */
  auc: number;
  /** Mean AUC of the best trial on the same folds, which the trial was compared with. */
  bestAuc: number;
  seconds: number;
}

export interface SearchResult {
  best: Trial;
  trials: Trial[];
  pruned: PrunedTrial[];
  stoppedBy: 'trials' | 'time' | 'space';
}

/** What a search hands to each evaluation: when to stop a losing trial (see SearchOptions.prune). */
export interface TrialControl {
  shouldStop?: (done: FoldAuc[]) => boolean;
}

/**
 * `evaluate` runs the CV for one parameter set (e.g. (params, control) => crossValidate(spec, params, data, folds,
 * { ...opts, ...control })).
 */
export async function hyperparameterSearch(
  spec: ModelSpec,
  evaluate: (params: HyperParams, control: TrialControl) => Promise<CvResult>,
  opts: SearchOptions,
): Promise<SearchResult> {
  if (!Number.isInteger(opts.trials) || opts.trials < 1)
    throw new Error(`hyperparameterSearch: trials must be a positive integer, got ${opts.trials}`);
  for (const [name, domain] of Object.entries(spec.space)) checkDomain(spec.name, name, domain);
  const random = new Mulberry32Random(opts.seed);
  const startup = opts.tpe
    ? Math.min(opts.trials, opts.startupTrials ?? Math.max(5, Math.ceil(opts.trials / 3)))
    : opts.trials;
  const trials: Trial[] = [];
  const pruned: PrunedTrial[] = [];
  const started = Date.now();
  const seen = new Set<string>();

  let stoppedBy: SearchResult['stoppedBy'] = 'trials';
  for (let index = 0; index < opts.trials; index++) {
    const elapsed = (Date.now() - started) / 1000;
    if (index > 0 && opts.timeBudgetSeconds !== undefined && elapsed + elapsed / index >= opts.timeBudgetSeconds) {
      stoppedBy = 'time';
      break;
    }
    const phase = index < startup || Object.keys(spec.space).length === 0 ? 'random' : 'tpe';
    // The defaults are always the first candidate: a search must never report something worse than them.
    let sampled: HyperParams =
      index === 0 ? {} : phase === 'random' ? sampleSpace(spec.space, random) : proposeTpe(spec.space, trials, random);
    for (let retry = 0; retry < 20 && seen.has(key(sampled)) && index > 0; retry++)
      sampled = sampleSpace(spec.space, random);
    if (seen.has(key(sampled)) && index > 0) {
      stoppedBy = 'space'; // a small discrete space is exhausted
      break;
    }
    seen.add(key(sampled));

    const trialStart = Date.now();
    const leader = trials.length > 0 ? bestOf(trials) : undefined;
    const prune = opts.prune;
    const control: TrialControl = prune && leader ? { shouldStop: (done) => losing(done, leader, prune) } : {};
    let cv: CvResult;
    try {
      cv = await evaluate(sampled, control);
    } catch (error) {
      if (!(error instanceof TrialPruned) || !prune || !leader) throw error;
      const bestAuc = leaderAuc(error.folds, leader);
      const seconds = (Date.now() - trialStart) / 1000;
      const params = { ...spec.defaults, ...sampled };
      pruned.push({ index: index + 1, params, folds: error.folds, auc: meanAuc(error.folds), bestAuc, seconds });
      opts.onPruned?.(pruned[pruned.length - 1]);
      continue;
    }
    const trial: Trial = {
      index: index + 1,
      params: cv.params,
      score: cv.mean.normalizedCost,
      auc: cv.mean.auc,
      seconds: (Date.now() - trialStart) / 1000,
      cv,
    };
    trials.push(trial);
    const elapsedSeconds = (Date.now() - started) / 1000;
    opts.onProgress?.({
      trial: index + 1,
      trials: opts.trials,
      params: trial.params,
      score: trial.score,
      bestScore: bestOf(trials).score,
      elapsedSeconds,
      etaSeconds: (elapsedSeconds / (index + 1)) * (opts.trials - index - 1),
      phase,
    });
  }
  return { best: bestOf(trials), trials, pruned, stoppedBy };
}

/** The trial with the lowest CV cost (the first of equals). */
const bestOf = (trials: Trial[]) => trials.reduce((a, b) => (b.score < a.score ? b : a));

/** True when a trial, with at least `minFolds` folds scored, is below the leader on them by more than the margin. */
function losing(done: FoldAuc[], leader: Trial, prune: { margin: number; minFolds: number }): boolean {
  return done.length >= prune.minFolds && meanAuc(done) < leaderAuc(done, leader) - prune.margin;
}

/** The leader's mean AUC on the folds that `done` scored. */
const leaderAuc = (done: FoldAuc[], leader: Trial) => meanAuc(done.map((f) => leader.cv.folds[f.fold - 1]));
const meanAuc = (folds: Array<{ auc: number }>) => folds.reduce((s, f) => s + f.auc, 0) / folds.length;

function key(params: HyperParams): string {
  return JSON.stringify(Object.entries(params).sort(([a], [b]) => a.localeCompare(b)));
}

function checkDomain(model: string, name: string, d: ParamDomain): void {
  if (d.type === 'choice') {
    if (d.values.length === 0) throw new Error(`${model}: parameter ${name} has no choices`);
    return;
  }
  if (!(d.low <= d.high) || (d.log && d.low <= 0)) {
    throw new Error(
      `${model}: parameter ${name} has an invalid range [${d.low}, ${d.high}]${d.log ? ' (log scale needs low > 0)' : ''}`,
    );
  }
}

/** Position of a value in [0, 1] of its (possibly log) range, and back. */
function toUnit(d: Exclude<ParamDomain, { type: 'choice' }>, v: number): number {
  const [lo, hi, x] = d.log ? [Math.log(d.low), Math.log(d.high), Math.log(v)] : [d.low, d.high, v];
  return hi === lo ? 0.5 : (x - lo) / (hi - lo);
}
function fromUnit(d: Exclude<ParamDomain, { type: 'choice' }>, u: number): number {
  const clamped = Math.min(1, Math.max(0, u));
  const v = d.log
    ? Math.exp(Math.log(d.low) + clamped * (Math.log(d.high) - Math.log(d.low)))
    : d.low + clamped * (d.high - d.low);
  if (d.type === 'int') return Math.min(d.high, Math.max(d.low, Math.round(v)));
  return Number(v.toPrecision(6));
}

export function sampleSpace(space: ParamSpace, random: Random): HyperParams {
  const out: HyperParams = {};
  for (const [name, d] of Object.entries(space)) {
    out[name] =
      d.type === 'choice' ? d.values[Math.floor(random.next() * d.values.length)] : fromUnit(d, random.next());
  }
  return out;
}

const GAMMA = 0.25;
const CANDIDATES = 24;

function proposeTpe(space: ParamSpace, trials: Trial[], random: Random): HyperParams {
  const sorted = trials.slice().sort((a, b) => a.score - b.score);
  const nGood = Math.max(1, Math.ceil(GAMMA * sorted.length));
  const good = sorted.slice(0, nGood);
  const bad = sorted.slice(nGood);
  const out: HyperParams = {};
  for (const [name, d] of Object.entries(space)) {
    if (d.type === 'choice') {
      // Smoothed frequency of each choice among good vs bad trials.
      const weight = (group: Trial[], v: HyperParams[string]) =>
        (group.filter((t) => t.params[name] === v).length + 1) / (group.length + d.values.length);
      const ratios = d.values.map((v) => weight(good, v) / weight(bad, v));
      out[name] = d.values[ratios.indexOf(Math.max(...ratios))];
      continue;
    }
    const goodUnits = good.map((t) => toUnit(d, Number(t.params[name])));
    const badUnits = bad.map((t) => toUnit(d, Number(t.params[name])));
    const bandwidth = Math.max(0.05, 0.5 / Math.sqrt(goodUnits.length + 1));
    let bestU = 0.5;
    let bestRatio = -Infinity;
    for (let c = 0; c < CANDIDATES; c++) {
      const centre = goodUnits[Math.floor(random.next() * goodUnits.length)];
      const u = Math.min(1, Math.max(0, centre + bandwidth * random.normal()));
      const ratio = parzen(u, goodUnits, bandwidth) / parzen(u, badUnits, bandwidth);
      if (ratio > bestRatio) {
        bestRatio = ratio;
        bestU = u;
      }
    }
    out[name] = fromUnit(d, bestU);
  }
  return out;
}

/** Gaussian-kernel density on [0, 1] mixed with a uniform prior (so an empty group still has density). */
function parzen(u: number, centres: number[], bandwidth: number): number {
  let density = 1; // the uniform prior, weight 1 like one extra kernel
  for (const c of centres)
    density += Math.exp(-0.5 * ((u - c) / bandwidth) ** 2) / (bandwidth * Math.sqrt(2 * Math.PI));
  return density / (centres.length + 1);
}
