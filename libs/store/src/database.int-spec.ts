import { createConnection, createServer, type Socket } from 'node:net';
import { describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { freePort, testServices } from '@drydock/testing';
import { createDatabase } from './database.js';

describe('createDatabase on PostgreSQL', () => {
  it('survives the server dropping a connection that is checked out between two queries, and the next query reconnects', async () => {
    const url = new URL(testServices().postgresUrl);
    const target = { host: url.hostname, port: Number(url.port) };
    const sockets: Socket[] = [];
    const proxy = createServer((client) => {
      const upstream = createConnection(target);
      for (const socket of [client, upstream]) {
        sockets.push(socket);
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    url.port = String(await freePort());
    await new Promise<void>((resolve) => proxy.listen(Number(url.port), '127.0.0.1', resolve));
    const database = createDatabase(url.toString());
    const uncaught: Error[] = [];
    const onUncaught = (err: Error) => uncaught.push(err);
    process.prependListener('uncaughtException', onUncaught);
    try {
      // A connection held by a transaction (or a claim) is not in the pool's idle list: the reset arrives with no query running.
      const failed = await database.db
        .connection()
        .execute(async (connection) => {
          await sql`select 1`.execute(connection);
          for (const socket of sockets) socket.resetAndDestroy();
          await new Promise((r) => setTimeout(r, 300));
          await sql`select 1`.execute(connection);
        })
        .then(
          () => undefined,
          (err: Error) => err,
        );
      expect(failed?.message).toMatch(/Connection terminated|not queryable|ECONNRESET/);
      expect(uncaught).toEqual([]);
      const { rows } = await sql<{ one: number }>`select 1 as one`.execute(database.db);
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      process.removeListener('uncaughtException', onUncaught);
      await database.db.destroy();
      proxy.close();
    }
  });
});
