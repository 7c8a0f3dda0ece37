import {
  CONTRACT_CHECKOUT_LIMIT,
  CONTRACT_FILES,
  CONTRACT_FIRST_AUTHOR,
  CONTRACT_FIRST_MESSAGE,
  CONTRACT_HIDDEN_FILES,
  CONTRACT_NEXT_AUTHOR,
  CONTRACT_NEXT_FILES,
  CONTRACT_NEXT_MESSAGE,
  CONTRACT_OFF_MAIN_MESSAGE,
  describeGitClientContract,
} from '../contracts/git-client.contract.js';
import { FakeGitClient } from './fake-git-client.js';

describeGitClientContract('FakeGitClient', async () => {
  const client = new FakeGitClient();
  const cloneUrl = 'https://github.com/acme/widget.git';
  const first = { message: CONTRACT_FIRST_MESSAGE, author: CONTRACT_FIRST_AUTHOR };
  const next = { message: CONTRACT_NEXT_MESSAGE, author: CONTRACT_NEXT_AUTHOR };
  const firstSha = client.commit(cloneUrl, 'refs/heads/main', CONTRACT_FILES, first);
  const tipSha = client.commit(cloneUrl, 'refs/heads/main', CONTRACT_NEXT_FILES, next);
  const offMainSha = client.commit(cloneUrl, 'refs/heads/other', { 'other.txt': 'x\n' }, { message: CONTRACT_OFF_MAIN_MESSAGE });
  const hiddenSha = client.commit(cloneUrl, 'refs/pull/9/head', CONTRACT_HIDDEN_FILES);
  const limitedClient = new FakeGitClient({ maxCheckoutBytes: CONTRACT_CHECKOUT_LIMIT });
  limitedClient.commit(cloneUrl, 'refs/heads/main', CONTRACT_FILES, first);
  limitedClient.commit(cloneUrl, 'refs/heads/main', CONTRACT_NEXT_FILES, next);
  return { client, limitedClient, cloneUrl, firstSha, tipSha, offMainSha, hiddenSha, missingUrl: 'https://github.com/acme/gone.git', close: async () => undefined };
});
