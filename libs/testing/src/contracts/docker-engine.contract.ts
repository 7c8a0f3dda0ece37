import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomInt } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { localImageName } from '@drydock/core';
import { checkEngine, type BuildScoped, type ComposeModel, type DockerEngine } from '@drydock/docker';
import { rejectionOf } from '../rejection.js';

/** The kinds of image the contract builds; a subject makes each mean the same on its engine. */
export type ContextKind = 'ok' | 'failing' | 'slow';

/** Dockerfiles that do on a real engine what their kind says (a fake is scripted to match). */
export const CONTRACT_DOCKERFILES: Record<ContextKind, string> = {
  ok: 'FROM busybox\nRUN echo built > /built\n',
  failing: 'FROM busybox\nRUN exit 7\n',
  slow: 'FROM busybox\nRUN sleep 120\n',
};

/** A compose file with a relative context, a relative and an absolute bind mount, and a named volume. */
const COMPOSE_CONTRACT_FILE = `services:
  sut:
    image: \${DRYDOCK_IMAGE}
    build: { context: sub, dockerfile: ../ok.Dockerfile }
    volumes: ['./data:/data', '/:/host', 'cache:/cache']
volumes:
  cache: {}
`;

export interface DockerEngineSubject {
  engine: DockerEngine;
  /** A registry the engine pushes to, and one where nothing answers. */
  registry: string;
  downRegistry: string;
  /** Whether the engine holds an image under this reference locally (a test's view, not the port's). */
  hasImage(reference: string): Promise<boolean>;
  /** Called once per kind with the Dockerfile's name (relative to `contextDir`), before it is built. */
  prepare?(kind: ContextKind, dockerfile: string): void;
  close?(): Promise<void>;
}

/**
 * What every DockerEngine must do, run against the scripted fake of the unit tier and the
 * real engine of the integration tier, so the pipeline's fast tests mean what they say.
 */
export function describeDockerEngineContract(name: string, open: () => Promise<DockerEngineSubject>): void {
  describe(`DockerEngine contract: ${name}`, () => {
    let subject: DockerEngineSubject;
    let contextDir: string;
    const buildId = 800_000 + randomInt(99_999);
    const local = `drydock-contract/build-${buildId}:0`;
    const logs: string[] = [];
    const scoped = (signal = new AbortController().signal): BuildScoped => ({ buildId, signal, onLog: (line) => logs.push(line) });
    const build = (kind: ContextKind, signal?: AbortSignal) =>
      subject.engine.buildImage({ ...scoped(signal), contextDir, dockerfile: `${kind}.Dockerfile`, buildArgs: {}, labels: {}, tags: [local] });

    beforeAll(async () => {
      subject = await open();
      contextDir = await mkdtemp(path.join(tmpdir(), 'drydock-engine-contract-'));
      for (const kind of Object.keys(CONTRACT_DOCKERFILES) as ContextKind[]) {
        await writeFile(path.join(contextDir, `${kind}.Dockerfile`), CONTRACT_DOCKERFILES[kind]);
        subject.prepare?.(kind, `${kind}.Dockerfile`);
      }
    });
    afterAll(async () => {
      await subject?.engine.removeBuildResources(buildId);
      await subject?.close?.();
      await rm(contextDir, { recursive: true, force: true });
    });

    it('reports an engine a worker may build on', async () => {
      const info = await subject.engine.engineInfo();
      expect(info.engineVersion).not.toBe('');
      expect(checkEngine(info, false)).toBeNull();
    });

    it('builds an image and runs test commands in it, resolving with their exit codes', async () => {
      await expect(build('ok')).resolves.toEqual({ imageId: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
      await expect(subject.engine.runTestCommand({ ...scoped(), image: local, command: 'exit 0' })).resolves.toEqual({ exitCode: 0 });
      await expect(subject.engine.runTestCommand({ ...scoped(), image: local, command: 'exit 3' })).resolves.toEqual({ exitCode: 3 });
    });

    it('resolves a compose file\'s model with absolute build contexts and bind sources, starting nothing', async () => {
      const composeFile = path.join(contextDir, 'compose-contract.yml');
      await writeFile(composeFile, COMPOSE_CONTRACT_FILE);
      const model = await subject.engine.composeConfig({ ...scoped(), projectDir: contextDir, composeFile, image: local });
      expect(model).toMatchObject({ services: { sut: { image: local, build: { context: path.join(contextDir, 'sub'), dockerfile: '../ok.Dockerfile' } } } });
      const volumes = (model as { services: { sut: { volumes: unknown[] } } }).services.sut.volumes;
      expect(volumes).toEqual([
        expect.objectContaining({ type: 'bind', source: path.join(contextDir, 'data'), target: '/data' }),
        expect.objectContaining({ type: 'bind', source: '/', target: '/host' }),
        expect.objectContaining({ type: 'volume', source: 'cache', target: '/cache' }),
      ]);
      await writeFile(composeFile, 'services: [unclosed\n');
      expect((await rejectionOf(subject.engine.composeConfig({ ...scoped(), projectDir: contextDir, composeFile, image: local }))).code).toBe('config_invalid');
    });

    it('runs the sut of a resolved model, resolving with its exit code; a model without sut is config_invalid', async () => {
      await build('ok');
      const composeFile = path.join(contextDir, 'compose-run.yml');
      await writeFile(composeFile, 'services:\n  sut:\n    image: ${DRYDOCK_IMAGE}\n    command: ["sh", "-c", "test -f /built"]\n');
      const model = (await subject.engine.composeConfig({ ...scoped(), projectDir: contextDir, composeFile, image: local })) as ComposeModel;
      await expect(subject.engine.runComposeTest({ ...scoped(), projectDir: contextDir, composeFile: 'compose-run.yml', model })).resolves.toEqual({ exitCode: 0 });
      const withoutSut = { ...model, services: {} };
      expect((await rejectionOf(subject.engine.runComposeTest({ ...scoped(), projectDir: contextDir, composeFile: 'compose-run.yml', model: withoutSut }))).code).toBe('config_invalid');
    });

    it('rejects a failing build with build_failed', async () => {
      expect((await rejectionOf(build('failing'))).code).toBe('build_failed');
    });

    it('rejects with cancelled as soon as the signal aborts', async () => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 300);
      expect((await rejectionOf(build('slow', controller.signal))).code).toBe('cancelled');
    });

    it('pushes tagged references, each resolving with the same manifest digest', async () => {
      await build('ok');
      const repository = `${subject.registry}/contract/engine-${buildId}`;
      const digests: string[] = [];
      for (const tag of ['one', 'two']) {
        await subject.engine.tagImage(local, `${repository}:${tag}`);
        digests.push((await subject.engine.pushImage(`${repository}:${tag}`, scoped())).digest);
      }
      expect(digests[0]).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(digests[1]).toBe(digests[0]);
    });

    it('rejects a push to a registry that is down with unavailable, naming the reference', async () => {
      await build('ok');
      const reference = `${subject.downRegistry}/contract/engine:${buildId}`;
      await subject.engine.tagImage(local, reference);
      const err = await rejectionOf(subject.engine.pushImage(reference, scoped()));
      expect(err.code).toBe('unavailable');
      expect(err.message).toContain(`push of ${reference} failed: `);
    });

    it('pulls a pushed image by digest under a local name of the build, which the sweep removes', async () => {
      await build('ok');
      const repository = `${subject.registry}/contract/engine-${buildId}`;
      await subject.engine.tagImage(local, `${repository}:kept`);
      const { digest } = await subject.engine.pushImage(`${repository}:kept`, scoped());
      const pulledBy = buildId + 1; // another build of the same engine reuses it
      const localName = localImageName(pulledBy, 'contract', 0);
      await expect(subject.engine.pullImage(`${repository}@${digest}`, localName, { ...scoped(), buildId: pulledBy })).resolves.toEqual({ digest });
      expect(await subject.hasImage(localName)).toBe(true);
      await subject.engine.removeBuildResources(pulledBy);
      expect(await subject.hasImage(localName)).toBe(false);
    });

    it('rejects the pull of a digest the registry does not hold with infrastructure', async () => {
      const reference = `${subject.registry}/contract/engine-${buildId}@sha256:${'0'.repeat(64)}`;
      const err = await rejectionOf(subject.engine.pullImage(reference, localImageName(buildId, 'contract', 1), scoped()));
      expect(err.code).toBe('infrastructure');
      expect(err.message).toContain('manifest unknown');
    });

    it('sweeps a build\'s resources idempotently, its images with every tag they got', async () => {
      await build('ok');
      const pushed = `${subject.registry}/contract/engine-${buildId}:swept`;
      await subject.engine.tagImage(local, pushed);
      expect(await subject.hasImage(pushed)).toBe(true);
      await expect(subject.engine.removeBuildResources(buildId)).resolves.toBeUndefined();
      expect(await subject.hasImage(local)).toBe(false);
      expect(await subject.hasImage(pushed)).toBe(false);
      await expect(subject.engine.removeBuildResources(buildId)).resolves.toBeUndefined();
    });
  });
}
