/**
 * Where a build's whole log is kept once it ends (the store implements it). `save`
 * replaces any earlier log of the build (a retry); `read` returns undefined when none was
 * saved. A saved log means its build has finished writing. Both reject with
 * `DrydockError('infrastructure')` when the archive is unreachable.
 */
export interface LogArchive {
  save(buildId: number, text: string): Promise<void>;
  read(buildId: number): Promise<string | undefined>;
}

export const LOG_ARCHIVE = Symbol('LogArchive');
