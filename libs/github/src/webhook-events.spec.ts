import { describe, expect, it } from '@jest/globals';
import { Webhooks } from '@octokit/webhooks';
import { DrydockError } from '@drydock/core';
import { examplePayload } from '@drydock/testing';
import { parseWebhook, verifyWebhookSignature } from './webhook-events.js';

describe('verifyWebhookSignature', () => {
  const body = JSON.stringify(examplePayload('ping'));

  it('accepts GitHub’s HMAC and refuses anything else', async () => {
    const signature = await new Webhooks({ secret: 's3cret' }).sign(body);
    expect(await verifyWebhookSignature('s3cret', body, signature)).toBe(true);
    expect(await verifyWebhookSignature('other', body, signature)).toBe(false);
    expect(await verifyWebhookSignature('s3cret', `${body} `, signature)).toBe(false);
    expect(await verifyWebhookSignature('s3cret', body, undefined)).toBe(false);
    expect(await verifyWebhookSignature('s3cret', body, 'sha256=zz')).toBe(false);
  });
});

describe('parseWebhook', () => {
  it('turns a branch push into a push build of the head commit', () => {
    const payload = examplePayload('push', (p) => p.ref === 'refs/heads/master');
    expect(parseWebhook('push', payload)).toEqual({
      kind: 'build',
      requests: [
        {
          repo: 'Codertocat/Hello-World',
          cloneUrl: 'https://github.com/Codertocat/Hello-World.git',
          ref: 'refs/heads/master',
          sha: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
          event: 'push',
          defaultBranch: 'master',
          before: payload.before,
        },
      ],
    });
  });

  it('drops credentials from the clone URL', () => {
    const payload = examplePayload('push', (p) => p.ref === 'refs/heads/master');
    Object.assign(payload.repository as object, { clone_url: 'https://x-access-token:ghs_leaked@github.com/Codertocat/Hello-World.git' });
    expect(parseWebhook('push', payload)).toMatchObject({ requests: [{ cloneUrl: 'https://github.com/Codertocat/Hello-World.git' }] });
  });

  it('builds a tag push as a tag event and ignores deletions', () => {
    const created = examplePayload('push', (p) => p.ref === 'refs/tags/simple-tag' && p.deleted === false);
    expect(parseWebhook('push', created)).toMatchObject({ kind: 'build', requests: [{ event: 'tag', ref: 'refs/tags/simple-tag' }] });
    const deleted = examplePayload('push', (p) => p.deleted === true);
    expect(parseWebhook('push', deleted)).toEqual({ kind: 'ignored', reason: 'refs/tags/simple-tag was deleted' });
  });

  it('answers ping and ignores events it does not build', () => {
    expect(parseWebhook('ping', examplePayload('ping'))).toMatchObject({ kind: 'ping' });
    expect(parseWebhook('star', examplePayload('star'))).toEqual({ kind: 'ignored', reason: 'event "star" is not built' });
  });

  it('names the missing field of a malformed push', () => {
    const payload = examplePayload('push', (p) => p.ref === 'refs/heads/master');
    delete (payload.repository as Record<string, unknown>).clone_url;
    expect(() => parseWebhook('push', payload)).toThrow(new DrydockError('invalid_request', 'malformed push payload: repository.clone_url: Invalid input: expected string, received undefined'));
  });
});
