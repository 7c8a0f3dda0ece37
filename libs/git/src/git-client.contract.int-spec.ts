import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CONTRACT_CHECKOUT_LIMIT,
  CONTRACT_FILES,
  CONTRACT_FIRST_MESSAGE,
  CONTRACT_HIDDEN_FILES,
  CONTRACT_NEXT_AUTHOR,
  CONTRACT_NEXT_FILES,
  CONTRACT_NEXT_MESSAGE,
  CONTRACT_OFF_MAIN_MESSAGE,
  createTempRepo,
  describeGitClientContract,
  startGitHttpServer,
} from '@drydock/testing';
import { SimpleGitClient } from './simple-git-client.js';

describeGitClientContract('SimpleGitClient over git HTTP', async () => {
  const server = await startGitHttpServer();
  const repo = await createTempRepo(server, 'acme/widget', { files: CONTRACT_FILES, message: CONTRACT_FIRST_MESSAGE });
  const offMainSha = await repo.commit({ 'other.txt': 'x\n' }, { branch: 'other', message: CONTRACT_OFF_MAIN_MESSAGE });
  // only under refs/pull/9/head, as a force-pushed-away commit GitHub still serves by its sha
  const hiddenSha = await repo.commit({ 'hidden.txt': CONTRACT_HIDDEN_FILES['hidden.txt'] }, { branch: 'hidden', message: 'hidden' });
  await repo.pushRef('refs/pull/9/head', hiddenSha);
  await repo.deleteBranch('hidden');
  const tipSha = await repo.commit(CONTRACT_NEXT_FILES, { message: CONTRACT_NEXT_MESSAGE, author: CONTRACT_NEXT_AUTHOR });
  const dataDir = await mkdtemp(path.join(tmpdir(), 'drydock-git-contract-data-'));
  return {
    client: new SimpleGitClient({ dataDir, githubApiUrl: 'https://api.github.com' }),
    limitedClient: new SimpleGitClient({ dataDir, githubApiUrl: 'https://api.github.com', maxCheckoutBytes: CONTRACT_CHECKOUT_LIMIT }),
    cloneUrl: repo.cloneUrl,
    firstSha: repo.sha,
    tipSha,
    offMainSha,
    hiddenSha,
    missingUrl: `${server.url}/acme/gone.git`,
    close: async () => {
      await repo.dispose();
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});
