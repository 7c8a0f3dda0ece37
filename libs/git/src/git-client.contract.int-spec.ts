import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CONTRACT_CHECKOUT_LIMIT, CONTRACT_FILES, CONTRACT_NEXT_FILES, createTempRepo, describeGitClientContract, startGitHttpServer } from '@drydock/testing';
import { SimpleGitClient } from './simple-git-client.js';

describeGitClientContract('SimpleGitClient over git HTTP', async () => {
  const server = await startGitHttpServer();
  const repo = await createTempRepo(server, 'acme/widget', { files: CONTRACT_FILES });
  const offMainSha = await repo.commit({ 'other.txt': 'x\n' }, { branch: 'other', message: 'off main' });
  const tipSha = await repo.commit(CONTRACT_NEXT_FILES, { message: 'second' });
  const dataDir = await mkdtemp(path.join(tmpdir(), 'drydock-git-contract-data-'));
  return {
    client: new SimpleGitClient({ dataDir, githubApiUrl: 'https://api.github.com' }),
    limitedClient: new SimpleGitClient({ dataDir, githubApiUrl: 'https://api.github.com', maxCheckoutBytes: CONTRACT_CHECKOUT_LIMIT }),
    cloneUrl: repo.cloneUrl,
    firstSha: repo.sha,
    tipSha,
    offMainSha,
    missingUrl: `${server.url}/acme/gone.git`,
    close: async () => {
      await repo.dispose();
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});
