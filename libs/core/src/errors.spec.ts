import { describe, expect, it } from '@jest/globals';
import { retriesStep, type ErrorCode } from './errors.js';

describe('retriesStep: which failures get one automatic retry of their step', () => {
  it('retries a step only when a service it needs was unavailable', () => {
    expect(retriesStep('unavailable')).toBe(true);
  });

  it.each<ErrorCode>(['test_failed', 'build_failed', 'config_invalid', 'push_failed', 'clone_failed', 'cancelled', 'timeout', 'infrastructure', 'forbidden'])(
    'never retries %s',
    (code) => {
      expect(retriesStep(code)).toBe(false);
    },
  );
});
