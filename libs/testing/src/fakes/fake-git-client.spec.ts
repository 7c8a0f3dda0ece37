import { CONTRACT_CHECKOUT_LIMIT, CONTRACT_FILES, CONTRACT_HIDDEN_FILES, CONTRACT_NEXT_FILES, describeGitClientContract } from '../contracts/git-client.contract.js';
import { FakeGitClient } from './fake-git-client.js';

describeGitClientContract('FakeGitClient', async () => {
  const client = new FakeGitClient();
  const cloneUrl = 'https://github.com/acme/widget.git';
  const firstSha = client.commit(cloneUrl, 'refs/heads/main', CONTRACT_FILES);
  const tipSha = client.commit(cloneUrl, 'refs/heads/main', CONTRACT_NEXT_FILES);
  const offMainSha = client.commit(cloneUrl, 'refs/heads/other', { 'other.txt': 'x\n' });
  const hiddenSha = client.commit(cloneUrl, 'refs/pull/9/head', CONTRACT_HIDDEN_FILES);
  const limitedClient = new FakeGitClient({ maxCheckoutBytes: CONTRACT_CHECKOUT_LIMIT });
  limitedClient.commit(cloneUrl, 'refs/heads/main', CONTRACT_FILES);
  limitedClient.commit(cloneUrl, 'refs/heads/main', CONTRACT_NEXT_FILES);
  return { client, limitedClient, cloneUrl, firstSha, tipSha, offMainSha, hiddenSha, missingUrl: 'https://github.com/acme/gone.git', close: async () => undefined };
});
