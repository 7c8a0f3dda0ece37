/** The longest line passed on whole; longer ones are cut here and the cut marked. */
export const MAX_LINE_BYTES = 64 * 1024;
export const LINE_CUT_MARK = '… [line cut at 64 KiB]';

/**
 * Splits a byte stream into lines (`\n`, `\r\n` or a lone `\r`) without ever holding more than
 * `maxBytes` of one line: a longer line is passed on as its first `maxBytes` (cut on a UTF-8
 * character boundary) followed by `LINE_CUT_MARK`, and the rest of it is skipped as it arrives.
 * A stream printing one endless line costs `maxBytes` of memory, not the line.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private held = 0;
  /** Inside a line already cut: skip bytes up to its end. */
  private skipping = false;
  /** The last chunk ended with `\r`: a `\n` opening the next one belongs to it. */
  private afterCr = false;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxBytes = MAX_LINE_BYTES,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    if (this.afterCr && chunk.length > 0) {
      this.afterCr = false;
      if (chunk[0] === 0x0a) start = 1;
    }
    while (start < chunk.length) {
      const end = lineEnd(chunk, start);
      if (end < 0) {
        this.hold(chunk.subarray(start));
        return;
      }
      this.hold(chunk.subarray(start, end));
      this.finishLine();
      start = end + 1;
      if (chunk[end] === 0x0d) {
        if (start === chunk.length) {
          this.afterCr = true;
          return;
        }
        if (chunk[start] === 0x0a) start++;
      }
    }
  }

  /** Passes on the last line when the stream did not end with a line break. */
  end(): void {
    if (this.held > 0 || this.skipping) this.finishLine();
    this.afterCr = false;
  }

  private hold(bytes: Buffer): void {
    if (this.skipping || bytes.length === 0) return;
    const room = this.maxBytes - this.held;
    if (bytes.length <= room) {
      this.parts.push(Buffer.from(bytes)); // a copy: the stream may reuse its chunk
      this.held += bytes.length;
      return;
    }
    this.parts.push(Buffer.from(bytes.subarray(0, utf8Boundary(bytes, room))));
    const line = Buffer.concat(this.parts).toString('utf8');
    this.parts = [];
    this.held = 0;
    this.skipping = true;
    this.onLine(`${line}${LINE_CUT_MARK}`);
  }

  private finishLine(): void {
    if (this.skipping) {
      this.skipping = false;
      return;
    }
    const line = Buffer.concat(this.parts).toString('utf8');
    this.parts = [];
    this.held = 0;
    this.onLine(line);
  }
}

function lineEnd(chunk: Buffer, from: number): number {
  const lf = chunk.indexOf(0x0a, from);
  const cr = chunk.indexOf(0x0d, from);
  if (cr < 0) return lf;
  if (lf < 0) return cr;
  return Math.min(lf, cr);
}

/** The largest cut at or before `at` that does not split a UTF-8 character. */
function utf8Boundary(bytes: Buffer, at: number): number {
  let cut = Math.min(at, bytes.length);
  while (cut > 0 && cut < bytes.length && (bytes[cut] & 0xc0) === 0x80) cut--;
  return cut;
}
