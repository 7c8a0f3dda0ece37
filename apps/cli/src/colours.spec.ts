import { describe, expect, it } from '@jest/globals';
import { buildsTable } from './build-view.js';
import { paletteOf, printable } from './colours.js';
import { aBuild, aBuildLifecycle } from './testing/build-fixture.js';
import { terminalOf, type Terminal } from './terminal.js';
import { StepsDisplay } from './watch-build.js';

const stream = (isTTY: boolean) => ({ isTTY, write: () => true }) as unknown as NodeJS.WriteStream;
const withoutColours = (text: string): string => text.replace(/\x1b\[[0-9;]*m/g, '');

function capture(isTTY: boolean): Terminal & { text: string } {
  const out = { isTTY, colour: isTTY, text: '', write: (t: string) => void (out.text += t) };
  return out;
}

describe('terminalOf', () => {
  it('colours a terminal only, and none when NO_COLOR is set to anything, even empty', () => {
    expect(terminalOf(stream(true), {}).colour).toBe(true);
    expect(terminalOf(stream(false), {}).colour).toBe(false);
    expect(terminalOf(stream(true), { NO_COLOR: '' }).colour).toBe(false);
    expect(terminalOf(stream(true), { NO_COLOR: '1' }).colour).toBe(false);
  });
});

describe('colours on a terminal', () => {
  const builds = [aBuild({ id: 10, status: 'failure' }), aBuild({ id: 9, status: 'success' }), aBuild({ id: 8, status: 'running', finishedAt: null })];

  it('colours the status words of the list and keeps its columns aligned', () => {
    const coloured = buildsTable(builds, Date.parse('2024-05-02T00:00:00Z'), paletteOf(capture(true)));
    expect(coloured).toContain('\x1b[31mfailure\x1b[39m');
    expect(coloured).toContain('\x1b[32msuccess\x1b[39m');
    expect(coloured).toContain('\x1b[33mrunning\x1b[39m');
    const plain = buildsTable(builds, Date.parse('2024-05-02T00:00:00Z'), paletteOf(capture(false)));
    expect(plain).not.toContain('\x1b');
    expect(withoutColours(coloured)).toBe(plain);
  });

  it('redraws the steps of a watched build in place, and prints changes line by line when piped', () => {
    const [queued, cloning, building, done] = aBuildLifecycle(42, { status: 'success' });
    const tty = capture(true);
    const display = new StepsDisplay(tty, paletteOf(tty));
    display.show(queued!, Date.now());
    display.show(cloning!, Date.now());
    expect(tty.text).toMatch(/^#42 \x1b\[2mqueued\x1b\[22m · acme\/app main 0123456\n {2}\x1b\[2mwaiting in the queue\x1b\[22m\n\r\x1b\[2A\x1b\[J#42 \x1b\[33mrunning/);
    const piped = capture(false);
    const lines = new StepsDisplay(piped, paletteOf(piped));
    for (const build of [queued, cloning, cloning, building, done]) lines.show(build!, Date.now());
    expect(piped.text.split('\n')).toEqual([
      '#42 queued · acme/app main 0123456',
      '#42 running · acme/app main 0123456',
      '  clone running',
      '  build running',
      '#42 success · acme/app main 0123456',
      '  clone success in 2s',
      '  build localhost:5000/acme/app success in 1m 03s',
      '',
    ]);
  });
});

describe('printable', () => {
  it('shows control characters as ? so a title cannot move the cursor or recolour the terminal', () => {
    expect(printable('a\x1b]0;owned\x07b\rc\u009bd')).toBe('a?]0;owned?b?c?d');
    expect(printable('line 1\nline\t2', true)).toBe('line 1\nline 2');
    expect(printable('line 1\nline 2')).toBe('line 1?line 2');
  });
});
