/** A bounded number of long-lived streams: `reserve` gives a release (idempotent), or null when all are taken. */
export class StreamSlots {
  private open = 0;

  constructor(private readonly limit: number) {}

  reserve(): (() => void) | null {
    if (this.open >= this.limit) return null;
    this.open++;
    let released = false;
    return () => {
      if (!released) this.open--;
      released = true;
    };
  }
}
