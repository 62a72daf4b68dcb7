/** LightGBM parameters, like Python's params dict: `{ objective: 'binary', metric: ['auc', 'binary_logloss'] }`. */
export type Params = Record<string, string | number | boolean | Array<string | number>>;

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

function formatValue(key: string, value: string | number | boolean): string {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new Error(`LightGBM parameter "${key}" must be a finite number, got ${value}`);
  }
  const text = String(value);
  // The C API splits "k=v k2=v2" on whitespace: a value containing blanks would silently become two parameters.
  if (/\s/.test(text) || text === '') {
    throw new Error(`LightGBM parameter "${key}" has an empty value or one containing whitespace: "${text}"`);
  }
  return text;
}

/** Serialises params to the C API's "k=v k2=v2" form (arrays joined by commas, as Python's _param_dict_to_str). */
export function paramsToString(params: Params): string {
  const pairs: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    if (!KEY.test(key)) throw new Error(`invalid LightGBM parameter name "${key}"`);
    const text = Array.isArray(value) ? value.map((v) => formatValue(key, v)).join(',') : formatValue(key, value);
    pairs.push(`${key}=${text}`);
  }
  return pairs.join(' ');
}

/** Removes every alias of a parameter and returns the value found first (main name wins), as Python's
 *  _choose_param_value does. */
export function takeParam(params: Params, aliases: readonly string[]): Params[string] | undefined {
  let found: Params[string] | undefined;
  for (const name of aliases) {
    if (name in params) {
      if (found === undefined) found = params[name];
      delete params[name];
    }
  }
  return found;
}

// Alias lists from LightGBM's docs/Parameters.rst (main name first).
export const NUM_ITERATIONS_ALIASES = [
  'num_iterations',
  'num_iteration',
  'n_iter',
  'num_tree',
  'num_trees',
  'num_round',
  'num_rounds',
  'nrounds',
  'num_boost_round',
  'n_estimators',
  'max_iter',
] as const;
export const EARLY_STOPPING_ALIASES = [
  'early_stopping_round',
  'early_stopping_rounds',
  'early_stopping',
  'n_iter_no_change',
] as const;
export const CATEGORICAL_ALIASES = [
  'categorical_feature',
  'cat_feature',
  'categorical_column',
  'cat_column',
  'categorical_features',
] as const;
export const LINEAR_TREE_ALIASES = ['linear_tree', 'linear_trees'] as const;

/** Whether LightGBM reads these params as linear trees (its config reads "true" or "+", in any case, as true). */
export function isLinearTree(params: Params): boolean {
  return LINEAR_TREE_ALIASES.some(
    (name) => name in params && ['true', '+'].includes(String(params[name]).toLowerCase()),
  );
}

/**
 * LightGBM's dataset-level parameters and their aliases (the list Python's Dataset.get_params keeps): they fix the
 * bins, so a booster must see the values its dataset was built with; every other parameter belongs to train().
 */
const DATASET_PARAMS: ReadonlySet<string> = new Set([
  ...['bin_construct_sample_cnt', 'subsample_for_bin', 'data_random_seed', 'data_seed'],
  ...CATEGORICAL_ALIASES,
  ...['enable_bundle', 'bundle', 'is_enable_bundle', 'feature_pre_filter', 'forcedbins_filename'],
  ...['group_column', 'group', 'group_id', 'query', 'query_column', 'query_id', 'header', 'has_header'],
  ...['ignore_column', 'blacklist', 'ignore_feature', 'label_column', 'label', 'weight_column', 'weight'],
  ...['is_enable_sparse', 'enable_sparse', 'is_sparse', 'sparse', ...LINEAR_TREE_ALIASES],
  ...['max_bin', 'max_bins', 'max_bin_by_feature', 'min_data_in_bin', 'pre_partition', 'is_pre_partition'],
  ...['precise_float_parser', 'two_round', 'two_round_loading', 'use_two_round_loading'],
  ...['use_missing', 'zero_as_missing'],
]);

/** Only the dataset-level entries of `params`. */
export function datasetLevelParams(params: Params): Params {
  return Object.fromEntries(Object.entries(params).filter(([key]) => DATASET_PARAMS.has(key)));
}
