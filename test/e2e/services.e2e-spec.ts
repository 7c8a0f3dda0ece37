import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import pg from 'pg';
import { testServices } from '@drydock/testing';

const run = promisify(execFile);
const services = testServices();
const docker = (...args: string[]) =>
  run(services.dockerCli, args, { env: { ...process.env, DOCKER_HOST: services.dockerHost } });

describe('test services (started by the global setup)', () => {
  it('Redis refuses a client without the password', async () => {
    const { hostname, port } = new URL(services.redisUrl);
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => socket.write('SET drydock-test:anonymous x\r\n'));
      socket.once('data', (data) => {
        resolve(data.toString());
        socket.destroy();
      });
      socket.once('error', reject);
    });
    expect(reply).toMatch(/^-NOAUTH/);
  });

  it('Redis answers PING', async () => {
    const redis = new Redis(services.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      expect(await redis.ping()).toBe('PONG');
    } finally {
      redis.disconnect();
    }
  });

  it('the test Docker engine answers and has busybox:latest', async () => {
    const { stdout: version } = await docker('version', '--format', '{{.Server.Version}}');
    expect(version.trim()).toMatch(/^\d+\.\d+/);
    const { stdout: image } = await docker('image', 'inspect', '--format', '{{.Config.Cmd}}', 'busybox:latest');
    expect(image.trim()).toBe('[sh]');
  });

  it('the registry speaks the distribution v2 API, to its user only', async () => {
    expect((await fetch(`http://${services.registry}/v2/`)).status).toBe(401);
    const { username, password } = services.registryCredentials;
    const res = await fetch(`http://${services.registry}/v2/`, { headers: { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
  });

  it('PostgreSQL runs queries in the test database', async () => {
    const client = new pg.Client({ connectionString: services.postgresUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ one: number; db: string }>('select 1 as one, current_database() as db');
      expect(rows).toEqual([{ one: 1, db: 'drydock_test' }]);
    } finally {
      await client.end();
    }
  });
});
