/** Bad input to the feature pipeline (unknown field, non-numeric value, incompatible saved state, ...). */
export class FeatureError extends Error {
  override name = 'FeatureError';
}
