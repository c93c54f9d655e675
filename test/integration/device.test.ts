import { afterEach, describe, expect, it } from 'vitest';
import { device, type SocketInit, type SocketType, type SpSocket } from '../../src/index.js';
import { linked, next, testSocket } from '../helpers/sockets.js';

/** Devices started by a test: their sockets are closed after it, and each must end with EBADF. */
const devices: { sockets: SpSocket[]; outcome: Promise<unknown> }[] = [];

afterEach(async () => {
  for (const { sockets, outcome } of devices.splice(0)) {
    await Promise.all(sockets.map((s) => s.close()));
    expect(await outcome).toMatchObject({ code: 'EBADF' });
  }
});

/** Start a device; its outcome (the error it ends with) is checked after the test. */
function startDevice(a: SpSocket, b?: SpSocket): Promise<unknown> {
  const outcome = device(a, b).then(
    () => new Error('device() resolved'),
    (err: unknown) => err,
  );
  devices.push({ sockets: b ? [a, b] : [a], outcome });
  return outcome;
}

/** `promise`'s value, or 'still pending' if it has not settled within `ms`. */
async function within<T>(ms: number, promise: Promise<T>): Promise<T | 'still pending'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'still pending'>((resolve) => {
    timer = setTimeout(resolve, ms, 'still pending');
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves once `s` has at least `n` live pipes (state-based: safe to call at any time). */
function pipesUp(s: SpSocket, n: number): Promise<void> {
  if (s.pipes.length >= n) return Promise.resolve();
  return new Promise((resolve) => {
    const onPipe = (): void => {
      if (s.pipes.length < n) return;
      s.off('pipe', onPipe);
      resolve();
    };
    s.on('pipe', onPipe);
  });
}

/** client → [raw server-type | raw client-type] device × hops → servers, every pipe up. */
async function chain(
  clientType: SocketType,
  serverType: SocketType,
  hops: number,
  servers = 1,
  clientOptions: SocketInit = {},
): Promise<{ client: SpSocket; servers: SpSocket[] }> {
  const back = testSocket(clientType, { raw: true });
  const serverSockets = Array.from({ length: servers }, () => testSocket(serverType));
  for (const server of serverSockets) await linked(server, back);
  let upstream = testSocket(serverType, { raw: true });
  startDevice(upstream, back);
  for (let i = 1; i < hops; i++) {
    const nextBack = testSocket(clientType, { raw: true });
    await linked(upstream, nextBack);
    const front = testSocket(serverType, { raw: true });
    startDevice(front, nextBack);
    upstream = front;
  }
  const client = testSocket(clientType, clientOptions);
  await linked(upstream, client);
  return { client, servers: serverSockets };
}

describe('device() forwarding (nanomsg tests/device.c)', () => {
  it('raw PAIR ↔ raw PAIR: messages pass both ways', async () => {
    const devA = testSocket('pair', { raw: true });
    const devB = testSocket('pair', { raw: true });
    const left = testSocket('pair');
    const right = testSocket('pair');
    await linked(devA, left);
    await linked(devB, right);
    startDevice(devA, devB);
    await left.send('ABC');
    expect(String(await right.recv({ timeout: 2000 }))).toBe('ABC');
    await right.send('DEF');
    expect(String(await left.recv({ timeout: 2000 }))).toBe('DEF');
    for (let i = 0; i < 10; i++) await left.send(`m${i}`);
    for (let i = 0; i < 10; i++) expect(String(await right.recv({ timeout: 2000 }))).toBe(`m${i}`);
  });

  it.each([
    ['pull, push', true],
    ['push, pull', false],
  ])('raw PULL → raw PUSH, one way (device(%s))', async (_name, pullFirst) => {
    const devIn = testSocket('pull', { raw: true });
    const devOut = testSocket('push', { raw: true });
    const producer = testSocket('push');
    const consumer = testSocket('pull');
    await linked(devIn, producer);
    await linked(devOut, consumer);
    if (pullFirst) startDevice(devIn, devOut);
    else startDevice(devOut, devIn);
    await producer.send('GHI');
    expect(String(await consumer.recv({ timeout: 2000 }))).toBe('GHI');
    await producer.send('JKL');
    expect(String(await consumer.recv({ timeout: 2000 }))).toBe('JKL');
  });

  it('BUS loopback device(rawBus): a message reaches the other client and is not echoed to its sender', async () => {
    const hub = testSocket('bus', { raw: true });
    const ep = await hub.bind('tcp://127.0.0.1:0');
    const bus1 = testSocket('bus');
    const bus2 = testSocket('bus');
    const piped = Promise.all([pipesUp(hub, 2), next(bus1, 'pipe'), next(bus2, 'pipe')]);
    bus1.connect(ep.url);
    bus2.connect(ep.url);
    await piped;
    startDevice(hub);
    await bus1.send('JKL');
    expect(String(await bus2.recv({ timeout: 2000 }))).toBe('JKL');
    await expect(bus1.recv({ timeout: 100 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    await bus2.send('MNO');
    expect(String(await bus1.recv({ timeout: 2000 }))).toBe('MNO');
    await expect(bus2.recv({ timeout: 100 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  });
});

describe('device() on raw PAIR v1', () => {
  it('adds one hop per pass: a message through two devices arrives with hop count 3, and maxTtl 2 drops it', async () => {
    const { client, servers } = await chain('pair1', 'pair1', 2);
    const [server] = servers as [SpSocket];
    await client.send('through two devices');
    const message = await server.recvMessage({ timeout: 2000 });
    expect(String(message.body)).toBe('through two devices');
    expect([...message.header]).toEqual([0, 0, 0, 3]); // 1 from the client, one more per device
    server.setOption('maxTtl', 2);
    await client.send('one hop too many');
    await expect(server.recv({ timeout: 200 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    expect(server.stats.droppedMessages).toBe(1);
  });

  it('refuses to join PAIR v0 with PAIR v1: EINVAL', async () => {
    const v0 = testSocket('pair', { raw: true });
    const v1 = testSocket('pair1', { raw: true });
    await expect(device(v0, v1)).rejects.toMatchObject({ code: 'EINVAL' });
  });
});

describe('device() loopback on raw PAIR', () => {
  it('device(rawPair) sends every message back to its one peer', async () => {
    const mirror = testSocket('pair', { raw: true });
    const peer = testSocket('pair');
    await linked(mirror, peer);
    startDevice(mirror);
    await peer.send('echo');
    expect(String(await peer.recv({ timeout: 2000 }))).toBe('echo');
  });
});

describe('REQ/REP and SURVEYOR/RESPONDENT through devices (nanomsg tests/device4.c, device5.c, device6.c)', () => {
  it.each([1, 2])('REQ/REP through %i device(s): the backtrace grows one word per device', async (hops) => {
    const { client, servers } = await chain('req', 'rep', hops);
    const server = servers[0]!;
    for (let i = 0; i < 3; i++) {
      await client.send(`request ${i}`);
      const request = await server.recvMessage({ timeout: 2000 });
      expect(String(request.body)).toBe(`request ${i}`);
      expect(request.header.length).toBe(4 * (hops + 1));
      for (let w = 0; w < hops; w++) expect(request.header.readUInt32BE(4 * w) >>> 31).toBe(0);
      expect(request.header.readUInt32BE(4 * hops) >>> 31).toBe(1);
      await server.send(`reply ${i}`);
      expect(String(await client.recv({ timeout: 2000 }))).toBe(`reply ${i}`);
    }
  });

  it('REQ/REP through a device to two REPs: requests are load-balanced, replies come back', async () => {
    const { client, servers } = await chain('req', 'rep', 1, 2);
    const served: number[] = [];
    for (let i = 0; i < 4; i++) {
      await client.send(`r${i}`);
      // find which REP got it without leaving a receive pending on the other
      let got: { index: number; body: string } | undefined;
      while (!got) {
        for (const [index, server] of servers.entries()) {
          try {
            got = { index, body: String(server.tryRecv()) };
            break;
          } catch (err) {
            if ((err as { code?: string }).code !== 'EAGAIN') throw err;
          }
        }
        if (!got) await new Promise((resolve) => setImmediate(resolve));
      }
      expect(got.body).toBe(`r${i}`);
      served.push(got.index);
      await servers[got.index]!.send(`re:r${i}`);
      expect(String(await client.recv({ timeout: 2000 }))).toBe(`re:r${i}`);
    }
    expect(served[0]).not.toBe(served[1]);
    expect(served[1]).not.toBe(served[2]);
    expect(served[2]).not.toBe(served[3]);
  });

  it('SURVEYOR/RESPONDENT through a device: both respondents get the survey and both answers come back', async () => {
    const { client, servers } = await chain('surveyor', 'respondent', 1, 2, { surveyDeadline: 1000 });
    await client.send('census');
    for (const [i, server] of servers.entries()) {
      const survey = await server.recvMessage({ timeout: 2000 });
      expect(String(survey.body)).toBe('census');
      expect(survey.header.length).toBe(8);
      await server.send(`answer ${i}`);
    }
    const got = [String(await client.recv()), String(await client.recv())];
    expect(got.sort()).toEqual(['answer 0', 'answer 1']);
  });

  it('SURVEYOR/RESPONDENT through two devices (nanomsg tests/device6.c)', async () => {
    const { client, servers } = await chain('surveyor', 'respondent', 2, 1, { surveyDeadline: 1000 });
    const server = servers[0]!;
    await client.send('XYZ');
    const survey = await server.recvMessage({ timeout: 2000 });
    expect(String(survey.body)).toBe('XYZ');
    expect(survey.header.length).toBe(12);
    await server.send('ABC');
    expect(String(await client.recv())).toBe('ABC');
  });
});

describe('device() errors', () => {
  it('a cooked socket: EINVAL', async () => {
    const raw = testSocket('pair', { raw: true });
    const cooked = testSocket('pair');
    await expect(device(cooked, raw)).rejects.toMatchObject({ code: 'EINVAL', errno: 22 });
    await expect(device(raw, cooked)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(device(testSocket('bus'))).rejects.toMatchObject({ code: 'EINVAL' });
  });

  it('mismatched protocol families (raw PAIR + raw PUB): EINVAL', async () => {
    const pair = testSocket('pair', { raw: true });
    const pub = testSocket('pub', { raw: true });
    await expect(device(pair, pub)).rejects.toMatchObject({ code: 'EINVAL', errno: 22 });
    await expect(device(pub, pair)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(device(testSocket('req', { raw: true }), testSocket('respondent', { raw: true }))).rejects.toMatchObject({ code: 'EINVAL' });
  });

  it('nothing can flow (raw PUSH + raw PUSH): EINVAL', async () => {
    await expect(device(testSocket('push', { raw: true }), testSocket('push', { raw: true }))).rejects.toMatchObject({ code: 'EINVAL' });
  });

  it('a closed socket: EBADF', async () => {
    const a = testSocket('pair', { raw: true });
    const b = testSocket('pair', { raw: true });
    await b.close();
    await expect(device(a, b)).rejects.toMatchObject({ code: 'EBADF', errno: 9 });
    await expect(device(b, a)).rejects.toMatchObject({ code: 'EBADF' });
    await expect(device(b)).rejects.toMatchObject({ code: 'EBADF' });
  });

  it.each([
    ['first', 0],
    ['second', 1],
  ])('a running device ends with EBADF when its %s socket is closed', async (_name, which) => {
    const sockets = [testSocket('pair', { raw: true }), testSocket('pair', { raw: true })];
    const outcome = startDevice(sockets[0]!, sockets[1]!);
    await sockets[which]!.close();
    expect(await outcome).toMatchObject({ code: 'EBADF', errno: 9 });
  });

  it('a running loopback device ends with EBADF when its socket is closed', async () => {
    const hub = testSocket('bus', { raw: true });
    const outcome = startDevice(hub);
    await hub.close();
    expect(await outcome).toMatchObject({ code: 'EBADF' });
  });

  it('a running one-way device ends with EBADF when its receiving (PULL) socket is closed', async () => {
    const pull = testSocket('pull', { raw: true });
    const push = testSocket('push', { raw: true });
    const outcome = startDevice(pull, push);
    await pull.close();
    expect(await within(500, outcome)).toMatchObject({ code: 'EBADF' });
  });

  // A one-way device waits only in recvMessage on its receiving socket; closing the sending
  // socket must still end it at once, not when the next message arrives (and is lost).
  it('a running one-way device ends with EBADF when its sending (PUSH) socket is closed', async () => {
    const pull = testSocket('pull', { raw: true });
    const push = testSocket('push', { raw: true });
    const outcome = startDevice(pull, push);
    await push.close();
    expect(await within(500, outcome)).toMatchObject({ code: 'EBADF' });
  });
});
