import { isFinal } from '@drydock/core';
import type { ApiBuild, DrydockApi } from './api-client.js';
import { buildHeadline, stepsTable } from './build-view.js';
import type { Palette } from './colours.js';
import { humanDuration, span } from './format.js';
import type { Terminal } from './terminal.js';

/** Polls build `id` every `intervalMs` and shows its steps on `out` until it ends; resolves with the final build. */
export async function watchBuild(api: DrydockApi, id: number, out: Terminal, palette: Palette, intervalMs: number): Promise<ApiBuild> {
  const display = new StepsDisplay(out, palette);
  for (let build = await api.getBuild(id); ; build = await api.getBuild(id)) {
    display.show(build, Date.now());
    if (isFinal(build.status)) return build;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * A build's headline and steps, live. On a TTY: the whole block, redrawn in place on every poll
 * (and left on screen at the end). Otherwise, for CI logs and pipes: the headline when the build's
 * status changes and one line each time a step's status changes, nothing more.
 */
export class StepsDisplay {
  private drawnLines = 0;
  private lastStatus = '';
  private readonly stepStatus = new Map<string, string>();

  constructor(
    private readonly out: Terminal,
    private readonly palette: Palette,
  ) {}

  show(build: ApiBuild, now: number): void {
    if (this.out.isTTY) this.redraw(build, now);
    else this.printChanges(build, now);
  }

  private redraw(build: ApiBuild, now: number): void {
    const steps = build.steps.length ? stepsTable(build, now, this.palette, '  ') : `  ${this.palette.dim(waitingText(build))}\n`;
    const block = `${buildHeadline(build, this.palette)}\n${steps}`;
    const erase = this.drawnLines > 0 ? `\r\x1b[${this.drawnLines}A\x1b[J` : '';
    this.out.write(erase + block);
    this.drawnLines = block.split('\n').length - 1;
  }

  private printChanges(build: ApiBuild, now: number): void {
    if (build.status !== this.lastStatus) this.out.write(`${buildHeadline(build, this.palette)}\n`);
    this.lastStatus = build.status;
    for (const step of build.steps) {
      const key = `${step.name} ${step.image ?? ''}`;
      if (this.stepStatus.get(key) === step.status) continue;
      this.stepStatus.set(key, step.status);
      const took = step.finishedAt ? span(step.startedAt, step.finishedAt, now) : null;
      this.out.write(`  ${key.trim()} ${this.palette.status(step.status)(step.status)}${took === null ? '' : ` in ${humanDuration(took)}`}\n`);
    }
  }
}

const waitingText = (build: ApiBuild): string =>
  build.status === 'blocked' ? 'waiting for approval (drydock approve)' : build.status === 'queued' ? 'waiting in the queue' : 'no steps';
