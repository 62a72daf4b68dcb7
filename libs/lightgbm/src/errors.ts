/** A failure reported by LightGBM itself; the message is LightGBM's own (LGBM_GetLastError). */
export class LightGBMError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LightGBMError';
  }
}
