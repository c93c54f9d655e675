import { describe, expect, it, vi } from 'vitest';
import { device, poll, POLLIN, socket, SpError, type SpSocket } from '../../src/index.js';
import { freePort } from '../helpers/peers.js';
import { linked, next, testSocket } from '../helpers/sockets.js';

describe('socket and endpoint lifecycle', () => {
  it('bind on port 0 reports the real port; endpoint ids count from 1 per socket', async () => {
    const s = testSocket('pull');
    const a = await s.bind('tcp://127.0.0.1:0');
    const b = await s.bind('tcp://*:0');
    expect(a.id).toBe(1);
    expect(b.id).toBe(2);
    expect(a.url).toMatch(/^tcp:\/\/127\.0\.0\.1:[1-9][0-9]*$/);
    expect(b.url).toMatch(/^tcp:\/\/\*:[1-9][0-9]*$/);
    expect(s.endpoints.map((e) => e.id)).toEqual([1, 2]);
    const c = s.connect('tcp://127.0.0.1:1');
    expect(c.id).toBe(3);
  });

  it('a second bind of the same address fails with EADDRINUSE; bad addresses reject at once', async () => {
    const s = testSocket('pair');
    const ep = await s.bind('tcp://127.0.0.1:0');
    await expect(testSocket('pair').bind(ep.url)).rejects.toMatchObject({ code: 'EADDRINUSE', errno: 98 });
    await expect(s.bind('tcp://eth10000:5555')).rejects.toMatchObject({ code: 'ENODEV' });
    await expect(s.bind('tcp://127.0.0.1:')).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(s.bind('foo://x')).rejects.toMatchObject({ code: 'EPROTONOSUPPORT' });
    expect(() => s.connect('tcp://-hostname:5555')).toThrow(SpError);
    expect(() => s.connect(`tcp://${'a'.repeat(130)}:5555`)).toThrow(expect.objectContaining({ code: 'ENAMETOOLONG' }));
  });

  it('connects from a local interface (tcp://127.0.0.1;127.0.0.1:port, nanomsg tests/tcp.c)', async () => {
    const server = testSocket('pair');
    const ep = await server.bind('tcp://127.0.0.1:0');
    const client = testSocket('pair');
    const piped = next(server, 'pipe');
    client.connect(ep.url.replace('tcp://', 'tcp://127.0.0.1;'));
    const [pipe] = await piped;
    expect(pipe.remoteAddress).toMatch(/^127\.0\.0\.1:/);
    await client.send('via local iface');
    expect(String(await server.recv())).toBe('via local iface');
  });

  it('speaks IPv6 when ipv4Only is false, and refuses IPv6 literals when it is true', async () => {
    const server = testSocket('pair', { ipv4Only: false });
    const ep = await server.bind('tcp://[::1]:0');
    expect(ep.url).toMatch(/^tcp:\/\/\[::1\]:[1-9][0-9]*$/);
    expect(() => testSocket('pair').connect(ep.url)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    const client = testSocket('pair', { ipv4Only: false });
    const piped = next(server, 'pipe');
    client.connect(ep.url);
    await piped;
    await client.send('over IPv6');
    expect(String(await server.recv())).toBe('over IPv6');
  });

  it('connect before bind: the dialer retries until the listener appears', async () => {
    const port = await freePort();
    const client = testSocket('pair', { reconnectInterval: 20 });
    const failed = next(client, 'connect-failed');
    client.connect(`tcp://127.0.0.1:${port}`);
    const [failure] = await failed;
    expect(failure.error.code).toBe('ECONNREFUSED');
    const server = testSocket('pair');
    const piped = next(client, 'pipe');
    await server.bind(`tcp://127.0.0.1:${port}`);
    await piped;
    await client.send('late');
    expect(String(await server.recv())).toBe('late');
    expect(client.stats.connectErrors).toBeGreaterThanOrEqual(1);
    expect(client.stats.establishedConnections).toBe(1);
    expect(client.stats.currentEpErrors).toBe(0);
  });

  it('reports an endpoint error once while it repeats, and clears it on success (nanomsg ep.c)', async () => {
    const port = await freePort();
    const client = testSocket('push', { reconnectInterval: 5 });
    const errors: (string | undefined)[] = [];
    client.on('endpoint-error', (e) => errors.push(e.error?.code));
    let failures = 0;
    const threeFailures = new Promise<void>((resolve) => client.on('connect-failed', () => ++failures === 3 && resolve()));
    client.connect(`tcp://127.0.0.1:${port}`);
    await threeFailures;
    expect(errors).toEqual(['ECONNREFUSED']);
    expect(client.stats.currentEpErrors).toBe(1);
    const server = testSocket('pull');
    const piped = next(client, 'pipe');
    await server.bind(`tcp://127.0.0.1:${port}`);
    await piped;
    expect(errors).toEqual(['ECONNREFUSED', undefined]);
    expect(client.stats.currentEpErrors).toBe(0);
  });

  it('Endpoint.close() (nn_shutdown) drops that endpoint and its pipes only', async () => {
    const server = testSocket('pull');
    const client = testSocket('push');
    const url = await linked(server, client);
    const other = await server.bind('tcp://127.0.0.1:0');
    const dropped = next(server, 'pipe-removed');
    await server.endpoints[0]!.close();
    const [pipe, reason] = await dropped;
    expect(reason).toBe('dropped');
    expect(pipe.endpoint.url).toBe(url);
    expect(server.stats.droppedConnections).toBe(1);
    expect(server.stats.currentConnections).toBe(0);
    expect(server.endpoints.map((e) => e.id)).toEqual([other.id]);
  });

  it('close() rejects pending calls with EBADF, and every later call too', async () => {
    const s = socket('pair');
    const pendingRecv = s.recv();
    const pendingSend = s.send('x');
    const closed = vi.fn();
    s.on('close', closed);
    const closing = s.close();
    await expect(pendingRecv).rejects.toMatchObject({ code: 'EBADF', errno: 9 });
    await expect(pendingSend).rejects.toMatchObject({ code: 'EBADF' });
    await closing;
    expect(closed).toHaveBeenCalledOnce();
    await expect(s.recv()).rejects.toMatchObject({ code: 'EBADF' });
    await expect(s.send('y')).rejects.toMatchObject({ code: 'EBADF' });
    await expect(s.bind('tcp://127.0.0.1:0')).rejects.toMatchObject({ code: 'EBADF' });
    expect(() => s.connect('tcp://127.0.0.1:5555')).toThrow(expect.objectContaining({ code: 'EBADF' }));
    expect(() => s.setOption('linger', 0)).toThrow(expect.objectContaining({ code: 'EBADF' }));
    expect(s.close()).toBe(closing); // idempotent
  });

  it('close() flushes queued messages within linger', async () => {
    const pull = testSocket('pull');
    const ep = await pull.bind('tcp://127.0.0.1:0');
    const push = socket('push', { linger: 5000 });
    const piped = next(push, 'pipe');
    push.connect(ep.url);
    await piped;
    const body = Buffer.alloc(1000, 3);
    for (let i = 0; i < 500; i++) push.trySend(body);
    await push.close();
    for (let i = 0; i < 500; i++) expect((await pull.recv({ timeout: 2000 })).length).toBe(1000);
  });

  it('recv and send honour timeouts, AbortSignal and the socket options', async () => {
    const s = testSocket('pair', { recvTimeout: 30 });
    await expect(s.recv()).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    expect(() => s.tryRecv()).toThrow(expect.objectContaining({ code: 'EAGAIN' }));
    await expect(s.recv({ timeout: 0 })).rejects.toMatchObject({ code: 'EAGAIN' });
    const controller = new AbortController();
    const waiting = s.recv({ timeout: -1, signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toMatchObject({ code: 'EINTR' });
    await expect(s.recv({ signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'EINTR' });
    s.setOption('sendTimeout', 20);
    await expect(s.send('x')).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  });

  it('a timeout option of 0 is a deadline already passed (ETIMEDOUT); a call with { timeout: 0 } is NN_DONTWAIT (EAGAIN)', async () => {
    const s = testSocket('pair', { recvTimeout: 0, sendTimeout: 0 });
    await expect(s.recv()).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    await expect(s.send('x')).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    await expect(s.recv({ timeout: 0 })).rejects.toMatchObject({ code: 'EAGAIN' });
    await expect(s.send('x', { timeout: 0 })).rejects.toMatchObject({ code: 'EAGAIN' });
  });

  it('an aborted or timed-out receive does not steal the next message', async () => {
    const a = testSocket('pair');
    const b = testSocket('pair');
    await linked(a, b);
    await expect(a.recv({ timeout: 10 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    const second = a.recv();
    await b.send('one');
    expect(String(await second)).toBe('one');
  });

  it('for await yields every message and ends when the socket closes', async () => {
    const pull = testSocket('pull');
    const push = testSocket('push');
    await linked(pull, push);
    for (const m of ['a', 'b', 'c']) await push.send(m);
    const got: string[] = [];
    for await (const m of pull) {
      got.push(String(m));
      if (got.length === 3) void pull.close();
    }
    expect(got).toEqual(['a', 'b', 'c']);
  });

  it('supports await using, socket numbers and the default socketName', async () => {
    let index: number;
    {
      await using s = socket('pair');
      index = s.index;
      expect(s.getOption('socketName')).toBe(String(s.index));
    }
    const again = testSocket('pair');
    expect(again.index).toBe(index); // the slot was freed, as nanomsg reuses socket numbers
  });

  it('a peer that closes makes the pipe broken and the dialer reconnect', async () => {
    const server = testSocket('pair');
    const ep = await server.bind('tcp://127.0.0.1:0');
    const client = testSocket('pair', { reconnectInterval: 10 });
    let piped = next(client, 'pipe');
    client.connect(ep.url);
    await piped;
    const broken = next(client, 'pipe-broken');
    const reconnected = new Promise<void>((resolve) => client.on('pipe', () => resolve()));
    await server.close();
    const [event] = await broken;
    expect(event.error.code).toBe('ECONNRESET');
    expect(client.stats.brokenConnections).toBe(1);
    const server2 = testSocket('pair');
    await server2.bind(ep.url);
    await reconnected;
    await client.send('again');
    expect(String(await server2.recv())).toBe('again');
    piped = Promise.resolve([] as never);
  });
});

describe('bad arguments get an SpError, never a TypeError or a call that waits for ever', () => {
  it.each([
    ['recv with a NaN timeout', (s: SpSocket) => s.recv({ timeout: NaN })],
    ['recv with a string timeout', (s: SpSocket) => s.recv({ timeout: '10' as never })],
    ['recv with a signal that is not an AbortSignal', (s: SpSocket) => s.recv({ signal: {} as never })],
    ['send with a NaN timeout', (s: SpSocket) => s.send('x', { timeout: NaN })],
    ['sendMessage(null)', (s: SpSocket) => s.sendMessage(null as never)],
    ['poll(null)', () => poll(null as never)],
    ['poll with an item that has no socket', () => poll([{}] as never)],
    ['poll with a NaN timeout', (s: SpSocket) => poll([{ socket: s, events: POLLIN }], { timeout: NaN })],
    ['device with something that is not a socket', () => device({} as never)],
  ] as const)('%s: EINVAL', async (_name, call) => {
    await expect(call(testSocket('pair'))).rejects.toMatchObject({ name: 'SpError', code: 'EINVAL' });
  });
});
