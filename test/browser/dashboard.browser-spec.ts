import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chromium, type Browser, type Page } from 'playwright-core';
import { getBuild, pullRequestPayload, startE2eWorld, waitForBuild, type E2eWorld, type RepoFiles, type TempRepo } from '@drydock/testing';

// The dashboard in Debian's Chromium (scripts/services.sh install --with-browser) against a
// running stack with real builds. Screenshots land in docs/ for the README.
const TOKEN = 'browser-token-0123456789';
const SLOW: RepoFiles = {
  Dockerfile: 'FROM busybox:latest\n',
  '.drydock.yml': 'images:\n  - test: "for i in 1 2 3 4 5 6 7 8; do echo tick $i; sleep 1; done"\n',
};
const FAILS: RepoFiles = { Dockerfile: 'FROM busybox:latest\n', '.drydock.yml': 'images:\n  - test: "echo about to fail; exit 3"\n' };

let world: E2eWorld;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  world = await startE2eWorld({ env: { DRYDOCK_API_TOKEN: TOKEN, DRYDOCK_CONCURRENCY: '2' } });
  // The stack's DRYDOCK_PUBLIC_URL names the host drydock.test: here it resolves to the stack.
  const args = ['--headless', '--no-sandbox', '--host-resolver-rules=MAP drydock.test 127.0.0.1'];
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.addInitScript((token) => localStorage.setItem('drydock.apiToken', token), TOKEN);
});

afterAll(async () => {
  await browser?.close();
  await world?.stop();
});

const row = (id: number) => page.locator(`tr[data-build-id="${id}"]`);

describe('the dashboard', () => {
  it('shows a new build in the list without reload, streams its log and ends with its status', async () => {
    const repo = await world.repo(SLOW, 'web');
    await page.goto(`${world.drydock.url}/`);
    await page.getByRole('heading', { name: 'Builds' }).waitFor();
    const id = await world.push(repo);
    await row(id).waitFor({ timeout: 30_000 });
    expect(await row(id).textContent()).toContain(repo.fullName);

    await row(id).getByRole('link', { name: `#${id}` }).click();
    expect(new URL(page.url()).pathname).toBe(`/builds/${id}`);
    await page.getByTestId('log').getByText('tick 2', { exact: false }).first().waitFor({ timeout: 90_000 });
    expect(await page.locator('.build-head [data-status]').getAttribute('data-status')).toBe('running');
    await page.screenshot({ path: 'docs/dashboard-running.png' });
    await page.locator('.build-head [data-status="success"]').waitFor({ timeout: 120_000 });
    expect(await page.getByTestId('log').textContent()).toContain('tick 8');
  });

  it('shows a failed build with its error, and rebuilds it from its page', async () => {
    const repo = await world.repo(FAILS, 'web');
    const id = await world.push(repo);
    await waitForBuild(world.drydock.url, id);
    await page.goto(`${world.drydock.url}/builds/${id}`);
    await page.locator('.build-head [data-status="failure"]').waitFor({ timeout: 30_000 });
    await page.getByRole('alert').filter({ hasText: 'Why it failed' }).waitFor();
    await page.getByTestId('log').getByText('about to fail').first().waitFor();
    await page.screenshot({ path: 'docs/dashboard-failed.png' });

    await page.getByRole('button', { name: 'Rebuild' }).click();
    await page.waitForURL((url) => /^\/builds\/\d+$/.test(url.pathname) && url.pathname !== `/builds/${id}`);
    const rebuilt = Number(new URL(page.url()).pathname.split('/').pop());
    const build = await waitForBuild(world.drydock.url, rebuilt);
    expect(build.rebuildOf).toBe(id);
    expect(build.sha).toBe(repo.sha);
  });

  it('keeps filters in the URL and filters the list', async () => {
    await page.goto(`${world.drydock.url}/`);
    await page.locator('tr[data-build-id]').nth(2).waitFor();
    await page.screenshot({ path: 'docs/dashboard-list.png' });
    await page.getByLabel('Status').selectOption('failure');
    await page.waitForURL((url) => url.searchParams.get('status') === 'failure');
    await page.locator('tbody tr').first().waitFor();
    const statuses = await page.locator('tbody tr [data-status]').evaluateAll((els) => els.map((e) => e.getAttribute('data-status')));
    expect(statuses.length).toBeGreaterThan(0);
    expect(new Set(statuses)).toEqual(new Set(['failure']));

    await page.reload();
    expect(await page.getByLabel('Status').inputValue()).toBe('failure');
  });

  it('opens the build page from the GitHub status link', async () => {
    const repo = await world.repo({ Dockerfile: 'FROM busybox:latest\n' }, 'web');
    const id = await world.push(repo);
    await waitForBuild(world.drydock.url, id);
    const status = await world.github.waitForStatus(repo.sha, 'success');
    await page.goto(status.target_url);
    await page.getByRole('heading', { name: new RegExp(`^#${id}\\b`) }).waitFor();
    expect(await page.locator('.build-head [data-status]').getAttribute('data-status')).toBe('success');
  });

  it('shows a repository: its builds, success rate, latest image per branch, and the badge with its Markdown', async () => {
    const repo = await world.repo({ Dockerfile: 'FROM busybox:latest\n' }, 'repo');
    const id = await world.push(repo);
    expect((await waitForBuild(world.drydock.url, id)).status).toBe('success');
    await page.goto(`${world.drydock.url}/repos/${repo.fullName}`);
    await page.getByRole('heading', { name: repo.fullName }).waitFor();
    await page.locator('.stats').getByText('100%').waitFor();
    expect(await page.locator('.stats').textContent()).toContain('1 builds');
    expect(await page.locator('.branch-images').first().textContent()).toContain('main');
    expect(await page.locator('.branch-images').first().textContent()).toContain(`sha-${repo.sha.slice(0, 7)}`);
    const markdown = (await page.locator('.copy-block').textContent()) ?? '';
    expect(markdown).toBe(`[![build](${world.drydock.url}/badge/${repo.fullName}.svg)](${world.drydock.url}/repos/${repo.fullName})`);
    const badge = await page.request.get(`${world.drydock.url}/badge/${repo.fullName}.svg`);
    expect(badge.headers()['content-type']).toMatch(/^image\/svg\+xml/);
    expect(await badge.text()).toContain('passing');
  });

  it('lists running builds and the workers running them in the queue view, live', async () => {
    const repo = await world.repo(SLOW, 'queue');
    await page.goto(`${world.drydock.url}/queue`);
    await page.getByRole('heading', { name: 'Queue' }).waitFor();
    const id = await world.push(repo);
    const running = page.locator('section').filter({ has: page.getByRole('heading', { name: /^Running/ }) });
    await running.getByRole('link', { name: `#${id}` }).waitFor({ timeout: 60_000 });
    expect(await page.locator('section').filter({ has: page.getByRole('heading', { name: 'Workers' }) }).textContent()).toMatch(/\/\d+ · [1-9]\d* running/);
    await waitForBuild(world.drydock.url, id);
  });

  it('approves and declines a fork\'s waiting builds from their pages, asking once for the API token', async () => {
    const repo = await world.repo({ Dockerfile: 'FROM busybox:latest\n' }, 'fork');
    const first = await forkPullRequest(repo, 5);
    const second = await forkPullRequest(repo, 6);
    const visitor = await browser.newPage({ viewport: { width: 1280, height: 800 } }); // no token stored yet
    const prompts: string[] = [];
    visitor.on('dialog', (dialog) => {
      prompts.push(dialog.message());
      void dialog.accept(TOKEN);
    });
    try {
      await visitor.goto(`${world.drydock.url}/builds/${first}`);
      await visitor.locator('.build-head [data-status="blocked"]').waitFor();
      await visitor.getByRole('button', { name: 'Approve' }).click();
      await visitor.locator('.build-head [data-status]:not([data-status="blocked"])').waitFor({ timeout: 30_000 });
      expect((await getBuild(world.drydock.url, first)).approvedBy).not.toBeNull();

      await visitor.goto(`${world.drydock.url}/builds/${second}`);
      await visitor.getByRole('button', { name: 'Decline' }).click();
      await visitor.locator('.build-head [data-status="cancelled"]').waitFor({ timeout: 30_000 });
      expect(prompts).toHaveLength(1);
      expect(prompts[0]).toContain('API token');
    } finally {
      await visitor.close();
    }
  });

  it('fits a phone\'s width, and a build opens from the keyboard', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
    try {
      await phone.goto(`${world.drydock.url}/`);
      await phone.locator('tr[data-build-id]').first().waitFor();
      expect(await phone.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      const focusedHref = () => phone.evaluate<string>('document.activeElement?.href ?? ""');
      for (let i = 0; i < 40 && !/\/builds\/\d+$/.test(await focusedHref()); i++) {
        await phone.keyboard.press('Tab');
      }
      await phone.keyboard.press('Enter');
      await phone.waitForURL((url) => /^\/builds\/\d+$/.test(url.pathname));
      await phone.locator('.build-head [data-status]').waitFor();
    } finally {
      await phone.close();
    }
  });
});

/** A pull request from a fork of `repo`: its build waits for approval. */
async function forkPullRequest(repo: TempRepo, number: number): Promise<number> {
  const head = await repo.commit({ [`patch-${number}.txt`]: 'x\n' }, { branch: `contrib-${number}` });
  await repo.pushRef(`refs/pull/${number}/head`, head);
  const payload = pullRequestPayload({ action: 'opened', number, fullName: repo.fullName, cloneUrl: repo.cloneUrl, headSha: head, baseSha: repo.sha, headRepo: 'stranger/widget' });
  const res = await world.deliver('pull_request', payload);
  const body = (await res.json()) as { builds: Array<{ id: number; status: string }> };
  if (res.status !== 202 || body.builds[0]?.status !== 'blocked') throw new Error(`pull_request answered ${res.status} ${JSON.stringify(body)}`);
  return body.builds[0].id;
}
