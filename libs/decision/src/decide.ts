import type { Numbers } from './validate';

/** What the lender does with an application. */
export type Decision = 'granted' | 'refused';

/**
 * The decision rule, shared by the trainer's threshold search and the API: refuse when the probability of default
 * reaches the threshold (>=, so a threshold of 0 refuses everyone and one above 1 nobody).
 */
export function decide(probability: number, threshold: number): Decision {
  return probability >= threshold ? 'refused' : 'granted';
}

/** The same rule over many applicants as 0/1 labels (1 = refuse, i.e. predicted default), as the metrics read them. */
export function decideAll(prob: Numbers, threshold: number): Uint8Array {
  const out = new Uint8Array(prob.length);
  for (let i = 0; i < prob.length; i++) out[i] = prob[i] >= threshold ? 1 : 0;
  return out;
}
