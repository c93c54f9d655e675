import { afterEach, describe, expect, it } from 'vitest';
import { device, socket, type SocketInit, type SocketType, type SpSocket } from '../../src/index.js';
import { linked, testSocket } from '../helpers/sockets.js';

/** Devices started by a test: their sockets are closed after it, and each must end with EBADF. */
const devices: { sockets: SpSocket[]; outcome: Promise<unknown> }[] = [];

afterEach(async () => {
  for (const { sockets, outcome } of devices.splice(0)) {
    await Promise.all(sockets.map((s) => s.close()));
    expect(await outcome).toMatchObject({ code: 'EBADF' });
  }
});

function startDevice(a: SpSocket, b: SpSocket): void {
  const outcome = device(a, b).then(
    () => new Error('device() resolved'),
    (err: unknown) => err,
  );
  devices.push({ sockets: [a, b], outcome });
}

/**
 * client → [raw server-type | raw client-type] device × hops → server, over TCP, every pipe
 * up before it returns.
 */
async function chain(
  clientType: SocketType,
  serverType: SocketType,
  hops: number,
  clientOptions: SocketInit = {},
  serverOptions: SocketInit = {},
): Promise<{ client: SpSocket; server: SpSocket }> {
  const server = testSocket(serverType, serverOptions);
  let upstream = server;
  for (let i = 0; i < hops; i++) {
    const back = testSocket(clientType, { raw: true });
    await linked(upstream, back);
    const front = testSocket(serverType, { raw: true });
    startDevice(front, back);
    upstream = front;
  }
  const client = testSocket(clientType, clientOptions);
  await linked(upstream, client);
  return { client, server };
}

describe('maxTtl option (nanomsg tests/reqttl.c, surveyttl.c)', () => {
  it.each(['rep', 'respondent', 'req', 'surveyor'] as const)('defaults to 8 on %s, cooked and raw', (type) => {
    const cooked = testSocket(type);
    const raw = testSocket(type, { raw: true });
    expect(cooked.getOption('maxTtl')).toBe(8);
    expect(raw.getOption('maxTtl')).toBe(8);
  });

  it.each([-1, 0, 256, 1.5, '2'])('refuses %s with EINVAL and keeps the old value', (value) => {
    const rep = testSocket('rep');
    expect(() => rep.setOption('maxTtl', value)).toThrow(expect.objectContaining({ code: 'EINVAL', errno: 22 }));
    expect(rep.getOption('maxTtl')).toBe(8);
    expect(() => socket('rep', { maxTtl: value as number })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });

  it('takes 1 and 255', () => {
    const respondent = testSocket('respondent');
    respondent.setOption('maxTtl', 1);
    expect(respondent.getOption('maxTtl')).toBe(1);
    respondent.setOption('maxTtl', 255);
    expect(respondent.getOption('maxTtl')).toBe(255);
  });
});

describe('maxTtl through a device chain over TCP', () => {
  it('maxTtl 1 still lets a direct request through (1 word)', async () => {
    const { client, server } = await chain('req', 'rep', 0, {}, { maxTtl: 1 });
    await client.send('direct');
    expect(String(await server.recv())).toBe('direct');
    await server.send('ok');
    expect(String(await client.recv())).toBe('ok');
    expect(server.stats.droppedMessages).toBe(0);
  });

  it('REQ → device → REP: maxTtl 1 drops the request, 2 lets it through', async () => {
    const { client, server } = await chain('req', 'rep', 1, {}, { maxTtl: 1 });
    await client.send('through one device');
    await expect(client.recv({ timeout: 200 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    expect(server.stats.droppedMessages).toBe(1);
    expect(() => server.tryRecv()).toThrow(expect.objectContaining({ code: 'EAGAIN' }));
    expect(server.pipes.length).toBe(1); // the pipe stays up
    server.setOption('maxTtl', 2);
    await client.send('again');
    const request = await server.recvMessage({ timeout: 2000 });
    expect(String(request.body)).toBe('again');
    expect(request.header.length).toBe(8); // the device's hop word + the request id
    await server.send('made it');
    expect(String(await client.recv({ timeout: 2000 }))).toBe('made it');
    expect(server.stats.droppedMessages).toBe(1);
  });

  it('SURVEYOR → device → RESPONDENT: maxTtl 1 drops the survey, 2 lets it through', async () => {
    const { client, server } = await chain('surveyor', 'respondent', 1, { surveyDeadline: 200 }, { maxTtl: 1 });
    await client.send('through one device');
    await expect(client.recv()).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    expect(server.stats.droppedMessages).toBe(1);
    expect(() => server.tryRecv()).toThrow(expect.objectContaining({ code: 'EAGAIN' }));
    expect(server.pipes.length).toBe(1);
    server.setOption('maxTtl', 2);
    await client.send('again');
    const survey = await server.recvMessage({ timeout: 2000 });
    expect(String(survey.body)).toBe('again');
    expect(survey.header.length).toBe(8);
    await server.send('made it');
    expect(String(await client.recv())).toBe('made it');
    expect(server.stats.droppedMessages).toBe(1);
  });

  it('REQ → 2 devices → REP: maxTtl 2 drops, 3 passes', async () => {
    const { client, server } = await chain('req', 'rep', 2, {}, { maxTtl: 2 });
    await client.send('two devices');
    await expect(client.recv({ timeout: 200 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    expect(server.stats.droppedMessages).toBe(1);
    server.setOption('maxTtl', 3);
    await client.send('again');
    expect(String(await server.recv({ timeout: 2000 }))).toBe('again');
    await server.send('made it');
    expect(String(await client.recv({ timeout: 2000 }))).toBe('made it');
  });
});
