import { maskPrepared, secretsToMask } from '@drydock/core';
import type { BuildLogWriter } from '@drydock/logs';

/**
 * A build's log writer that also masks values learnt while the build runs (its build secrets,
 * known once `.drydock.yml` is read), on top of what the log masks itself.
 */
export class MaskedLog implements BuildLogWriter {
  private prepared: string[] = [];
  private values: string[] = [];

  constructor(private readonly inner: BuildLogWriter) {}

  /** Masks `values` in every line from now on, and in `mask`. */
  add(values: readonly string[]): void {
    this.values = [...this.values, ...values];
    this.prepared = secretsToMask(this.values);
  }

  /** `text` with every added value as `***`. */
  mask(text: string): string {
    return this.prepared.length > 0 ? maskPrepared(text, this.prepared) : text;
  }

  line(text: string): void {
    this.inner.line(this.mask(text));
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  abandon(): Promise<void> {
    return this.inner.abandon();
  }
}
