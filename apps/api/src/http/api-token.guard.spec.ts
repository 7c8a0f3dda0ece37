import { describe, expect, it } from '@jest/globals';
import { ApiTokenPolicy } from './api-token.guard.js';

const TOKEN = 'a-token-of-some-length';
const bearer = `Bearer ${TOKEN}`;

describe('ApiTokenPolicy', () => {
  it('needs the token for mutating calls, and lets reads, health and webhooks through', () => {
    const policy = new ApiTokenPolicy({ apiToken: TOKEN, readsNeedToken: false });
    expect(policy.allows('POST', '/api/builds', undefined)).toBe(false);
    expect(policy.allows('POST', '/api/builds', 'Bearer wrong')).toBe(false);
    expect(policy.allows('POST', '/api/builds', bearer)).toBe(true);
    expect(policy.allows('DELETE', '/api/builds/1', undefined)).toBe(false);
    expect(policy.allows('GET', '/api/builds', undefined)).toBe(true);
    expect(policy.allows('GET', '/api/docs-json', undefined)).toBe(true);
    expect(policy.allows('POST', '/webhooks/github', undefined)).toBe(true);
  });

  it('is closed when no token is configured', () => {
    const policy = new ApiTokenPolicy({ apiToken: undefined, readsNeedToken: false });
    expect(policy.allows('POST', '/api/builds', 'Bearer ')).toBe(false);
    expect(policy.allows('POST', '/api/builds/1/cancel', 'Bearer anything')).toBe(false);
  });

  it('needs the token for reads too when asked, except health checks and webhooks', () => {
    const policy = new ApiTokenPolicy({ apiToken: TOKEN, readsNeedToken: true });
    for (const path of ['/api/builds', '/api/builds/1/logs', '/api/docs', '/api/docs-json', '/metrics']) {
      expect(policy.allows('GET', path, undefined)).toBe(false);
      expect(policy.allows('GET', path, bearer)).toBe(true);
    }
    expect(policy.allows('GET', '/healthz', undefined)).toBe(true);
    expect(policy.allows('GET', '/readyz', undefined)).toBe(true);
    expect(policy.allows('POST', '/webhooks/github', undefined)).toBe(true);
  });
});
