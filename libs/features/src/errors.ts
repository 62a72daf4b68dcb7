/** Bad input to the feature pipeline (unknown field, non-numeric value, incompatible saved state, ...). */
export class FeatureError extends Error {
  override name = 'FeatureError';

  /** For a batch of applicants (transformMany): the index of the applicant the error is about. */
  constructor(
    message: string,
    readonly applicant?: number,
  ) {
    super(message);
  }
}
