/**
 * The Docker engine as the pipeline sees it.
 *
 * Lifecycle: every call that starts something on the engine (a build, a test container,
 * a compose project) labels it `drydock.build=<buildId>` and cleans up after itself,
 * on success, failure and abort alike. `removeBuildResources` is the idempotent sweep
 * for anything a killed process left behind, and for the build's images: every image
 * `buildImage` made carries the label too, and the sweep removes it with all its tags (the
 * local `tags` and those `tagImage` added, pushed or not) and prunes dangling build images,
 * keeping the builder's layer cache; so does every image carrying one of the build's local names
 * (`localImageName` of @drydock/core), which is how an image `pullImage` fetched for the build goes with it.
 * Call it once the build has pushed (or failed).
 *
 * Aborting `signal` kills the client process at once and removes what it started;
 * the call then rejects with `DrydockError('cancelled')`.
 * Other failures reject with `DrydockError` codes `build_failed`, `push_failed` (the registry
 * refused), `unavailable` (the engine unreachable; the registry failing on its side, after the
 * retries below) or `infrastructure`; a test that exits non-zero is not an error, it resolves
 * with its exit code.
 *
 * Registry calls (`pushImage`, `pullImage`, with their login) are tried again with backoff while
 * the registry fails in a way that may pass (a 5xx, a connection refused or reset, EOF, a
 * timeout), each retry said on the call's `onLog`; a refusal (401, denied, unknown manifest) is
 * not retried. Only these calls get the worker's registry login.
 *
 * `engineInfo` starts nothing; a worker checks it once before building (see
 * `checkEngine`: BuildKit older than 0.12.5 is refused).
 */
export interface DockerEngine {
  /** The engine's version and its builder's BuildKit version; rejects `infrastructure` when unreachable. */
  engineInfo(): Promise<EngineInfo>;
  buildImage(options: BuildImageOptions): Promise<{ imageId: string }>;
  /** Runs `command` with `sh -c` in `image`, in the test box (limits, no-new-privileges); the container is removed afterwards. */
  runTestCommand(options: RunTestOptions): Promise<{ exitCode: number }>;
  /**
   * The compose file's model as compose resolves it (`docker compose config --format json`):
   * interpolated, `extends` merged, relative paths made absolute against `projectDir`. Starts
   * nothing, but reads the files the compose file names (check them first). Rejects
   * `config_invalid` when compose refuses the file.
   */
  composeConfig(options: ComposeTestOptions): Promise<unknown>;
  /**
   * Runs the `sut` service of a compose model that `composeConfig` resolved and the caller
   * checked (the pipeline allows only known, safe keys): the engine runs that model, not the
   * file, with the test box (limits, no-new-privileges, no added capabilities) put on every
   * service. The whole project is torn down afterwards. Rejects `config_invalid` without `sut`.
   */
  runComposeTest(options: ComposeRunOptions): Promise<{ exitCode: number }>;
  tagImage(source: string, target: string): Promise<void>;
  /** Pushes one tagged reference; resolves with the manifest digest the registry returned. */
  pushImage(reference: string, options: BuildScoped): Promise<{ digest: string }>;
  /**
   * Pulls `reference` (`repository@sha256:…`) and tags it `localName`, which must be one of the
   * build's local names (`localImageName` of @drydock/core) so the build's sweep removes it; resolves with the digest
   * the registry served, which docker checked the content against. Rejects `infrastructure` when
   * the registry refuses (an unknown manifest), `unavailable` when it is down.
   */
  pullImage(reference: string, localName: string, options: BuildScoped): Promise<{ digest: string }>;
  removeBuildResources(buildId: number): Promise<void>;
}

export const DOCKER_ENGINE = Symbol('DockerEngine');

export interface EngineInfo {
  /** Docker Engine's version as it reports it, e.g. `26.1.5+dfsg1`. */
  engineVersion: string;
  /**
   * The BuildKit version of the engine's own builder as it reports it, e.g. `v0.13.2`;
   * null when it reports none (Debian's builds say `v0.0.0+unknown`).
   */
  buildkitVersion: string | null;
}

export type LogSink = (line: string) => void;

export interface BuildScoped {
  buildId: number;
  /**
   * The run of the build making the call (a build may run more than once): what the call
   * starts under a name of its own (a compose project) is the run's, so a lost run cleaning up
   * never touches the next run's. Everything still carries `drydock.build=<buildId>`.
   */
  runId?: string;
  signal: AbortSignal;
  onLog: LogSink;
}

export interface BuildImageOptions extends BuildScoped {
  contextDir: string;
  /** Path of the Dockerfile, relative to the checkout root (or absolute). */
  dockerfile: string;
  /** The checkout root; when absent, the nearest directory above `contextDir` that holds `.git`, else `contextDir`. */
  checkoutDir?: string;
  target?: string;
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  /** Local tag(s) given to the result. */
  tags: string[];
  /**
   * BuildKit secrets (`--secret id=<id>,src=<src>`): a `RUN --mount=type=secret,id=<id>` step reads
   * the file `src` (on the client's machine) at /run/secrets/<id>; it is in no layer of the image
   * nor in the cache. An `id` must be a name of letters, digits, `_ . -`; a `src` must be absolute
   * and free of `,` `"` and line breaks, else the call rejects `infrastructure` before building.
   */
  secrets?: BuildSecretFile[];
}

export interface BuildSecretFile {
  id: string;
  src: string;
}

export interface RunTestOptions extends BuildScoped {
  image: string;
  command: string;
}

/** A compose model as `docker compose config --format json` prints it, once checked. */
export interface ComposeModel {
  services: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
}

export interface ComposeRunOptions extends BuildScoped {
  /** The checkout: compose's project directory (the model's paths are absolute already). */
  projectDir: string;
  /** The compose file the model came from, relative to `projectDir`, for messages. */
  composeFile: string;
  model: ComposeModel;
}

export interface ComposeTestOptions extends BuildScoped {
  projectDir: string;
  composeFile: string;
  /** Exposed to the compose file as `DRYDOCK_IMAGE`, so `sut` can use the built image. */
  image: string;
}
