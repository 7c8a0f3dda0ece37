import type { CheckRunIds } from '@drydock/github';

/** CheckRunIds in memory, for the unit tier (held to the same contract as the Kysely one). */
export class InMemoryCheckRunIds implements CheckRunIds {
  private readonly ids = new Map<string, number>();

  async idOf(buildId: number, context: string): Promise<number | undefined> {
    return this.ids.get(`${buildId}\n${context}`);
  }

  async save(buildId: number, context: string, checkRunId: number): Promise<void> {
    this.ids.set(`${buildId}\n${context}`, checkRunId);
  }
}
