import { describe, expect, it } from '@jest/globals';
import { aBuildLifecycle } from './testing/build-fixture.js';
import type { Terminal } from './terminal.js';
import { ProgressDisplay } from './wait-for-build.js';

function capture(isTTY: boolean): Terminal & { text: string } {
  const out = { isTTY, colour: false, text: '', write: (t: string) => void (out.text += t) };
  return out;
}

const [queued, cloning, building] = aBuildLifecycle(42, { status: 'success' });
const startedAt = Date.parse(cloning!.startedAt!);

describe('ProgressDisplay', () => {
  it('rewrites one line on a TTY with the step and the elapsed time, and clears it at the end', () => {
    const out = capture(true);
    const display = new ProgressDisplay(out);
    display.show(building!, startedAt + 17_400);
    display.show(building!, startedAt + 18_000);
    display.finish();
    expect(out.text).toBe('\r\x1b[2K#42 running · build · 00:17\r\x1b[2K#42 running · build · 00:18\r\x1b[2K');
  });

  it('prints a plain line only when the status or step changes when not on a TTY', () => {
    const out = capture(false);
    const display = new ProgressDisplay(out);
    for (const [build, at] of [[queued, 0], [cloning, 1000], [cloning, 2000], [building, 65_000]] as const) {
      display.show(build!, startedAt + at);
    }
    display.finish();
    expect(out.text).toBe('#42 queued · 00:00\n#42 running · clone · 00:01\n#42 running · build · 01:05\n');
  });
});
