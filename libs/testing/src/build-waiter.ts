import type { Build } from '@drydock/core';

const FINAL = ['success', 'failure', 'error', 'cancelled'];

export async function getBuild(apiUrl: string, id: number): Promise<Build> {
  const res = await fetch(`${apiUrl}/api/builds/${id}`);
  if (!res.ok) throw new Error(`GET build ${id}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Build;
}

/** Polls the API until the build reaches a final status (or `until` holds). */
export async function waitForBuild(apiUrl: string, id: number, options: { timeoutMs?: number; until?: (b: Build) => boolean } = {}): Promise<Build> {
  const until = options.until ?? ((b: Build) => FINAL.includes(b.status));
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    const build = await getBuild(apiUrl, id);
    if (until(build)) return build;
    if (Date.now() > deadline) throw new Error(`build ${id} still ${build.status} after ${options.timeoutMs ?? 120_000} ms: ${JSON.stringify(build.steps)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
