import { isFinal } from '@drydock/core';
import type { ApiBuild, DrydockApi } from './api-client.js';
import { clock, span } from './format.js';
import type { Terminal } from './terminal.js';

export const POLL_INTERVAL_MS = 1000;

/** Polls the build until it is final, showing progress on `progress`; returns the final build. */
export async function waitForBuild(api: DrydockApi, build: ApiBuild, progress: Terminal): Promise<ApiBuild> {
  const display = new ProgressDisplay(progress);
  let current = build;
  while (!isFinal(current.status)) {
    display.show(current, Date.now());
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    current = await api.getBuild(current.id);
  }
  display.finish();
  return current;
}

/**
 * On a TTY: one line, rewritten on every poll (`#42 running · build · 00:17`).
 * Otherwise: a plain line each time the status or the current step changes, for CI logs.
 */
export class ProgressDisplay {
  private lastLabel = '';
  private drawn = false;

  constructor(private readonly out: Terminal) {}

  show(build: ApiBuild, now: number): void {
    const label = progressLabel(build);
    const line = `${label} · ${clock(span(build.startedAt ?? build.createdAt, null, now) ?? 0)}`;
    if (this.out.isTTY) {
      this.out.write(`\r\x1b[2K${line}`);
      this.drawn = true;
    } else if (label !== this.lastLabel) {
      this.out.write(`${line}\n`);
    }
    this.lastLabel = label;
  }

  finish(): void {
    if (this.drawn) this.out.write('\r\x1b[2K');
    this.drawn = false;
  }
}

/** `#42 queued`, `#42 running · build`: the status and the step in progress. */
export function progressLabel(build: ApiBuild): string {
  const step = build.steps.find((s) => s.status === 'running');
  return `#${build.id} ${build.status}${step ? ` · ${step.name}` : ''}`;
}
