import { formatSeconds } from './progress';

describe('formatSeconds', () => {
  it.each([
    [0.04, '0.0s'],
    [12.34, '12.3s'],
    [59.96, '1m00s'],
    [179.6, '3m00s'],
    [245, '4m05s'],
  ])('%d s → %s', (seconds, text) => expect(formatSeconds(seconds)).toBe(text));
});
