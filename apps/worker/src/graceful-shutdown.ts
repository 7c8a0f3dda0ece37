import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import { messageOf } from '@drydock/core';
import { BuildProcessor } from './build.processor.js';
import { ReconcilerTimer } from './reconciler-timer.js';

export interface GracefulShutdown {
  /** The whole budget: the process has exited by then, whatever it waits for (Redis or the database gone). */
  graceMs: number;
  /** What to finish before Nest's shutdown hooks close the connections (side by side), each given what is left of the grace period. */
  drains: Array<(graceMs: number) => Promise<void>>;
  log(line: string): void;
}

/**
 * SIGTERM or SIGINT: runs the drains (the API stops taking requests and finishes those in flight;
 * the worker takes no new job and lets its builds finish, handing back what is left), then
 * Nest's shutdown hooks, then exits. Nest's own signal handling would close the database and
 * Redis (onModuleDestroy) while requests and builds still use them, so it is not enabled. A
 * timer exits the process at the end of the grace period as the last resort; a second signal
 * exits at once.
 */
export function shutDownGracefully(app: INestApplicationContext, { graceMs, drains, log }: GracefulShutdown): void {
  let shuttingDown = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      log(`${signal} again: exiting now`);
      process.exit(1);
    }
    shuttingDown = true;
    const deadline = Date.now() + graceMs;
    setTimeout(() => {
      log(`still not stopped ${graceMs / 1000} s after ${signal}: exiting`);
      process.exit(1);
    }, graceMs).unref();
    log(`${signal}: shutting down (at most ${graceMs / 1000} s)`);
    void (async () => {
      await Promise.all(drains.map((drain) => drain(deadline - Date.now()).catch((err) => log(`shutdown: ${messageOf(err)}`))));
      await app.close();
    })().then(
      () => process.exit(0),
      (err) => {
        log(`shutdown failed: ${messageOf(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/** The part of the hard budget kept for handing builds back and closing, after the builds had their time. */
const handBackMarginMs = (graceMs: number): number => Math.min(15_000, graceMs / 4);

/**
 * The worker's drain: the reconciler stops and gives its lease up (another worker leads), the
 * queue's worker takes no new job and waits for the running ones, which are handed back to the
 * queue (running -> queued, a fresh job, their containers removed, "handed back: worker shutting
 * down" in the log) when the grace period is nearly over.
 */
export function workerDrain(app: INestApplicationContext, log: (line: string) => void): (graceMs: number) => Promise<void> {
  return async (graceMs) => {
    const processor = app.get(BuildProcessor, { strict: false });
    const reconciler = app.get(ReconcilerTimer, { strict: false });
    const closing = processor.worker.close(); // no new job from here on; resolves once the running ones returned
    void reconciler.stop().catch(() => undefined);
    const handBackIn = Math.max(graceMs - handBackMarginMs(graceMs), 0);
    if (processor.running > 0) log(`letting ${processor.running} build(s) finish, for at most ${Math.round(handBackIn / 1000)} s`);
    const timer = setTimeout(() => {
      const count = processor.handBackAll();
      if (count > 0) log(`grace period over: handing ${count} build(s) back to the queue`);
    }, handBackIn);
    try {
      await closing;
    } finally {
      clearTimeout(timer);
    }
  };
}

/** How long the API waits for requests in flight; a live log stream is ended by the shutdown after it. */
const HTTP_DRAIN_MS = 10_000;

/** The API's drain: no new connection, idle ones closed, and requests in flight finish (up to 10 s) before the database and Redis close. */
export function httpDrain(app: INestApplication): (graceMs: number) => Promise<void> {
  return async (graceMs) => {
    const server = app.getHttpServer() as Server;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await Promise.race([closed, sleep(Math.min(graceMs, HTTP_DRAIN_MS))]);
  };
}
