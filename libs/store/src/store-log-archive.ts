import type { LogArchive } from '@drydock/logs';
import type { BuildStore } from './build-store.js';

/** LogArchive on the build store: the log is kept in the build's row. */
export class StoreLogArchive implements LogArchive {
  constructor(private readonly store: BuildStore) {}

  save(buildId: number, text: string): Promise<void> {
    return this.store.saveLog(buildId, text);
  }

  read(buildId: number): Promise<string | undefined> {
    return this.store.readLog(buildId);
  }
}
