import { startDrydock, type DrydockStack, type StackOptions } from './drydock-stack.js';
import { FakeGitHubServer } from './fake-github-server.js';
import { startGitHttpServer, type GitHttpServer } from './git-http-server.js';

/** What an end-to-end test talks to: a GitHub stand-in, a git server and a running Drydock wired to both. */
export interface E2eWorld {
  github: FakeGitHubServer;
  git: GitHttpServer;
  drydock: DrydockStack;
  stop(): Promise<void>;
}

export async function startE2eWorld(options: Omit<StackOptions, 'githubApiUrl'> = {}): Promise<E2eWorld> {
  const github = await new FakeGitHubServer().start();
  const git = await startGitHttpServer();
  const drydock = await startDrydock({ ...options, githubApiUrl: github.url });
  return {
    github,
    git,
    drydock,
    stop: async () => {
      await drydock.stop();
      await git.close();
      await github.stop();
    },
  };
}
