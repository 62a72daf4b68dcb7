// Structural check of LightGBM's text model format, run before the text reaches LightGBM.
//
// WHY: LightGBM parses the trees in an OpenMP parallel loop and trusts the text: `tree_sizes` offsets are followed
// without a bounds check, a tree line without '=' is scanned past the end of the buffer, and a failure inside the
// parallel region ends in std::terminate ("terminate called without an active exception", exit 134), which no
// JavaScript try/catch can stop. A truncated or corrupted model file must give a LightGBMError instead, so this module
// re-reads the text the way LightGBM will (src/boosting/gbdt_model_text.cpp GBDT::LoadModelFromString and
// src/io/tree.cpp Tree::Tree) and rejects anything LightGBM would read out of bounds, fail on, or predict with out of
// range indices (child or feature indices beyond the arrays).
import { LightGBMError } from './errors';

const NUMBER = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)$/i;
const INTEGER = /^[+-]?\d+$/;
// Tree::Tree reads at most this many key=value lines per tree (LightGBM 4.x).
const MAX_TREE_LINES = 22;
// A categorical split (decision_type bit 0) stores an index into cat_boundaries in `threshold`.
const CATEGORICAL_MASK = 1;

export interface ModelTextSummary {
  numClass: number;
  numTreePerIteration: number;
  maxFeatureIdx: number;
  numTrees: number;
}

class ModelTextError extends LightGBMError {
  constructor(detail: string) {
    super(`invalid LightGBM model text: ${detail}`);
  }
}

function fail(detail: string): never {
  throw new ModelTextError(detail);
}

// One line as LightGBM's Common::GetLine sees it: up to '\r', '\n' or the end; `next` is past its line break.
interface Line {
  text: string;
  start: number;
  next: number;
}

function readLine(bytes: string, at: number): Line {
  let end = at;
  while (end < bytes.length && bytes[end] !== '\n' && bytes[end] !== '\r') end++;
  let next = end;
  if (bytes[next] === '\r') next++;
  if (bytes[next] === '\n') next++;
  return { text: bytes.slice(at, end), start: at, next };
}

function integer(value: string | undefined, what: string, min: number, max = 2 ** 31 - 1): number {
  if (value === undefined) fail(`${what} is missing`);
  if (!INTEGER.test(value)) fail(`${what} is not an integer (${clip(value)})`);
  const n = Number(value);
  if (n < min || n > max) fail(`${what} = ${n} is out of range [${min}, ${max}]`);
  return n;
}

function clip(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
}

// An array field: exactly `count` space-separated values, all numbers (or integers); LightGBM's StringToArray checks
// the count only for some fields and its fast parser does not reject garbage.
function numbers(fields: Map<string, string>, key: string, count: number, where: string, ints: boolean): number[] {
  const raw = fields.get(key);
  if (raw === undefined) fail(`${where}: ${key} is missing`);
  const parts = count === 0 && raw === '' ? [] : raw.split(' ');
  if (parts.length !== count) fail(`${where}: ${key} has ${parts.length} values, expected ${count}`);
  const pattern = ints ? INTEGER : NUMBER;
  return parts.map((p, i) => {
    if (!pattern.test(p)) fail(`${where}: ${key}[${i}] is not ${ints ? 'an integer' : 'a number'} (${clip(p)})`);
    return Number(p);
  });
}

function optionalNumbers(fields: Map<string, string>, key: string, count: number, where: string, ints: boolean): void {
  if (fields.has(key)) numbers(fields, key, count, where, ints);
}

function readHeader(bytes: string): { fields: Map<string, string>; treesAt: number } {
  const fields = new Map<string, string>();
  let at = 0;
  while (at < bytes.length) {
    const line = readLine(bytes, at);
    if (line.text.startsWith('Tree=')) return { fields, treesAt: line.start };
    if (line.text !== '') {
      const eq = line.text.indexOf('=');
      const key = eq < 0 ? line.text : line.text.slice(0, eq);
      const value = eq < 0 ? '' : line.text.slice(eq + 1);
      if (key !== 'feature_names' && value.includes('='))
        fail(`header line has more than one '=' (${clip(line.text)})`);
      if (key === 'end of trees') fail('no Tree= block before "end of trees"');
      fields.set(key, value);
    }
    at = line.next;
  }
  fail('no Tree= block (the text ends in the header: truncated?)');
}

function checkHeader(fields: Map<string, string>): Omit<ModelTextSummary, 'numTrees'> {
  if (!fields.has('tree')) fail('the first line "tree" is missing');
  if (!fields.has('version')) fail('version is missing');
  const numClass = integer(fields.get('num_class'), 'num_class', 1);
  const numTreePerIteration = integer(
    fields.get('num_tree_per_iteration') ?? String(numClass),
    'num_tree_per_iteration',
    1,
  );
  integer(fields.get('label_index'), 'label_index', 0);
  const maxFeatureIdx = integer(fields.get('max_feature_idx'), 'max_feature_idx', 0);
  for (const key of ['feature_names', 'feature_infos']) {
    const value = fields.get(key);
    if (value === undefined) fail(`${key} is missing`);
    const count = value.split(' ').length;
    if (count !== maxFeatureIdx + 1) fail(`${key} has ${count} entries, max_feature_idx says ${maxFeatureIdx + 1}`);
  }
  if (!fields.has('tree_sizes')) fail('tree_sizes is missing');
  return { numClass, numTreePerIteration, maxFeatureIdx };
}

function treeSizes(raw: string): number[] {
  if (raw === '') return [];
  return raw.split(' ').map((part, i) => integer(part, `tree_sizes[${i}]`, 1));
}

// The key=value lines of one tree block, as Tree::Tree reads them (up to a blank line).
function treeFields(block: string, where: string): Map<string, string> {
  const header = readLine(block, 0);
  if (!/^Tree=\d+$/.test(header.text)) fail(`${where}: expected a "Tree=<n>" line, found ${clip(header.text)}`);
  const fields = new Map<string, string>();
  let at = header.next;
  for (;;) {
    if (at >= block.length) fail(`${where}: the block ends before the blank line that closes a tree (truncated?)`);
    const line = readLine(block, at);
    if (line.text === '') break;
    const eq = line.text.indexOf('=');
    if (eq <= 0) fail(`${where}: line without "key=" (${clip(line.text)})`);
    if (fields.size === MAX_TREE_LINES) fail(`${where}: more than ${MAX_TREE_LINES} lines`);
    const key = line.text.slice(0, eq);
    if (fields.has(key)) fail(`${where}: ${key} appears twice`);
    fields.set(key, line.text.slice(eq + 1));
    at = line.next;
  }
  if (!/^[\r\n]*$/.test(block.slice(at))) fail(`${where}: unexpected text after the tree (tree_sizes do not match)`);
  return fields;
}

// Every internal node but the root, and every leaf, must be the child of exactly one node: no cycles (an endless
// prediction loop), no dangling index (an out-of-bounds read).
function checkTopology(left: number[], right: number[], numLeaves: number, where: string): void {
  const internalSeen = new Uint8Array(numLeaves - 1);
  const leafSeen = new Uint8Array(numLeaves);
  internalSeen[0] = 1;
  for (const child of [...left, ...right]) {
    if (child >= 0) {
      if (child >= numLeaves - 1 || child === 0 || internalSeen[child]) fail(`${where}: bad child index ${child}`);
      internalSeen[child] = 1;
    } else {
      const leaf = ~child;
      if (leaf >= numLeaves || leafSeen[leaf]) fail(`${where}: bad leaf index ${child}`);
      leafSeen[leaf] = 1;
    }
  }
}

function checkTree(fields: Map<string, string>, maxFeatureIdx: number, where: string): void {
  const numLeaves = integer(fields.get('num_leaves'), `${where}: num_leaves`, 1);
  const numCat = integer(fields.get('num_cat'), `${where}: num_cat`, 0);
  numbers(fields, 'leaf_value', numLeaves, where, false);
  if (fields.has('shrinkage') && !NUMBER.test(fields.get('shrinkage') ?? ''))
    fail(`${where}: shrinkage is not a number`);
  const isLinear = fields.has('is_linear') ? integer(fields.get('is_linear'), `${where}: is_linear`, 0, 1) : 0;
  if (isLinear === 1) checkLinear(fields, numLeaves, maxFeatureIdx, where);
  if (numLeaves === 1) return;
  const internal = numLeaves - 1;
  const left = numbers(fields, 'left_child', internal, where, true);
  const right = numbers(fields, 'right_child', internal, where, true);
  checkTopology(left, right, numLeaves, where);
  const features = numbers(fields, 'split_feature', internal, where, true);
  const bad = features.find((f) => f < 0 || f > maxFeatureIdx);
  if (bad !== undefined) fail(`${where}: split_feature ${bad} is beyond max_feature_idx ${maxFeatureIdx}`);
  const thresholds = numbers(fields, 'threshold', internal, where, false);
  for (const key of ['split_gain', 'internal_value', 'internal_weight'])
    optionalNumbers(fields, key, internal, where, false);
  optionalNumbers(fields, 'internal_count', internal, where, true);
  optionalNumbers(fields, 'leaf_weight', numLeaves, where, false);
  optionalNumbers(fields, 'leaf_count', numLeaves, where, true);
  const decisions = fields.has('decision_type') ? numbers(fields, 'decision_type', internal, where, true) : [];
  if (decisions.some((d) => d < -128 || d > 127)) fail(`${where}: decision_type out of the int8 range`);
  checkCategorical(fields, numCat, decisions, thresholds, where);
}

function checkCategorical(
  fields: Map<string, string>,
  numCat: number,
  decisions: number[],
  thresholds: number[],
  where: string,
): void {
  const categorical = decisions
    .map((d, i) => ((d & CATEGORICAL_MASK) !== 0 ? thresholds[i] : -1))
    .filter((t) => t >= 0);
  if (numCat === 0) {
    if (categorical.length > 0) fail(`${where}: a categorical split but num_cat=0`);
    return;
  }
  const bounds = numbers(fields, 'cat_boundaries', numCat + 1, where, true);
  if (bounds[0] !== 0 || bounds.some((b, i) => i > 0 && b < bounds[i - 1])) {
    fail(`${where}: cat_boundaries must start at 0 and not decrease`);
  }
  numbers(fields, 'cat_threshold', bounds[numCat], where, true);
  if (categorical.some((t) => !Number.isInteger(t) || t >= numCat))
    fail(`${where}: categorical threshold out of range`);
}

function checkLinear(fields: Map<string, string>, numLeaves: number, maxFeatureIdx: number, where: string): void {
  optionalNumbers(fields, 'leaf_const', numLeaves, where, false);
  if (!fields.has('num_features')) return;
  const perLeaf = numbers(fields, 'num_features', numLeaves, where, true);
  if (perLeaf.some((n) => n < 0)) fail(`${where}: negative num_features`);
  const total = perLeaf.reduce((a, b) => a + b, 0);
  if (fields.has('leaf_features')) {
    const used = numbers(fields, 'leaf_features', total, where, true);
    if (used.some((f) => f < 0 || f > maxFeatureIdx)) fail(`${where}: leaf_features beyond max_feature_idx`);
  }
  optionalNumbers(fields, 'leaf_coeff', total, where, false);
}

// After the trees: "end of trees", and a parameters section, when present, closed by "end of parameters". Both are
// the last lines LightGBM writes, so their absence is the sign of a truncated file.
function checkTrailer(bytes: string, at: number): void {
  const rest = bytes.slice(at).replace(/^[\r\n]+/, '');
  if (!rest.startsWith('end of trees')) fail('"end of trees" does not follow the last tree (truncated?)');
  if (rest.includes('\nparameters:') && !/\nend of parameters(?:\r?\n|$)/.test(rest)) {
    fail('the parameters section is not closed by "end of parameters" (truncated?)');
  }
}

/**
 * Checks that `model` is a complete, consistent LightGBM text model before LightGBM parses it; throws a LightGBMError
 * naming the first defect. Offsets are in bytes (tree_sizes counts UTF-8 bytes), so the text is read as bytes.
 */
export function validateModelText(model: string): ModelTextSummary {
  const bytes = Buffer.from(model, 'utf8').toString('latin1');
  if (bytes.includes('\0')) fail('the text contains a NUL byte');
  const { fields, treesAt } = readHeader(bytes);
  const header = checkHeader(fields);
  const sizes = treeSizes(fields.get('tree_sizes') ?? '');
  if (sizes.length % header.numTreePerIteration !== 0) {
    fail(`${sizes.length} trees is not a multiple of num_tree_per_iteration ${header.numTreePerIteration}`);
  }
  let at = treesAt;
  sizes.forEach((size, i) => {
    const where = `tree ${i}`;
    if (at + size > bytes.length) fail(`${where}: tree_sizes runs past the end of the text (truncated?)`);
    checkTree(treeFields(bytes.slice(at, at + size), where), header.maxFeatureIdx, where);
    at += size;
  });
  checkTrailer(bytes, at);
  return { ...header, numTrees: sizes.length };
}
