/**
 * The browser transport (src/browser) on a scripted WebSocket, for what a real server cannot
 * be made to do on cue: the browser's buffer filling and draining, a page that stops reading,
 * a runtime without WebSocket, a server answering with another subprotocol. The same code in a
 * real Chromium against real peers: test/browser/.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { setWebSocketClass, socket, SpError, type SpSocket, type WebSocketLike } from '../../src/browser/index.js';

class FakeWebSocket implements WebSocketLike {
  static made: FakeWebSocket[] = [];
  binaryType = 'blob';
  bufferedAmount = 0;
  protocol = '';
  readyState = 0;
  onopen: WebSocketLike['onopen'] = null;
  onmessage: WebSocketLike['onmessage'] = null;
  onclose: WebSocketLike['onclose'] = null;
  onerror: WebSocketLike['onerror'] = null;
  readonly sent: Uint8Array[] = [];
  closedWith: { code: number | undefined; reason: string | undefined } | undefined;

  constructor(
    readonly url: string,
    readonly protocols?: string | string[],
  ) {
    FakeWebSocket.made.push(this);
  }

  /** The server accepted, naming `protocol` (by default the one asked for). */
  open(protocol = String(this.protocols)): void {
    this.protocol = protocol;
    this.readyState = 1;
    this.onopen?.({});
  }

  /** The server sent a message. */
  deliver(data: unknown): void {
    this.onmessage?.({ data });
  }

  /** The connection ended from the server's side (or failed before opening). */
  serverClose(code = 1006, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }

  send(data: Uint8Array): void {
    this.sent.push(new Uint8Array(data));
  }

  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason };
    this.readyState = 2;
  }
}

const sockets: SpSocket[] = [];

function make(type: Parameters<typeof socket>[0], options: Parameters<typeof socket>[1] = {}): SpSocket {
  const s = socket(type, { linger: 0, reconnectInterval: 10, ...options });
  sockets.push(s);
  return s;
}

afterEach(async () => {
  await Promise.all(sockets.splice(0).map((s) => s.close()));
  FakeWebSocket.made = [];
  setWebSocketClass(undefined);
});

/** The next WebSocket the socket makes. */
async function nextWebSocket(count: number): Promise<FakeWebSocket> {
  while (FakeWebSocket.made.length < count) await new Promise((resolve) => setTimeout(resolve, 1));
  return FakeWebSocket.made[count - 1] as FakeWebSocket;
}

function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

function arrayBuffer(data: Uint8Array): ArrayBuffer {
  return data.slice().buffer as ArrayBuffer;
}

describe('the browser WebSocket transport', () => {
  it('asks for the server’s protocol, sends binary with the SP header inline, and hands back Uint8Arrays', async () => {
    setWebSocketClass(FakeWebSocket);
    const req = make('req');
    const piped = new Promise((resolve) => req.once('pipe', resolve));
    req.connect('ws://example.test:8080/rpc');
    const ws = await nextWebSocket(1);
    expect(ws.url).toBe('ws://example.test:8080/rpc');
    expect(ws.protocols).toBe('rep.sp.nanomsg.org');
    expect(ws.binaryType).toBe('arraybuffer');
    ws.open();
    await piped;
    await req.send('question');
    const frame = ws.sent[0]!;
    expect(frame.length).toBe(4 + 8);
    expect(frame[0]! & 0x80).toBe(0x80); // the request id's top bit
    expect(new TextDecoder().decode(frame.subarray(4))).toBe('question');
    const reply = new Uint8Array(4 + 6);
    reply.set(frame.subarray(0, 4));
    reply.set(bytes('answer'), 4);
    ws.deliver(arrayBuffer(reply));
    const got = await req.recv();
    expect(got).toBeInstanceOf(Uint8Array);
    expect(new TextDecoder().decode(got)).toBe('answer');
    // something that is neither text nor an ArrayBuffer (binaryType changed behind our back)
    const broken = new Promise<{ error: SpError }>((resolve) => req.once('pipe-broken', resolve));
    ws.deliver(new Blob([]));
    const { error } = await broken;
    expect(error.code).toBe('EPROTO');
    expect(error.message).toContain('not an ArrayBuffer');
  });

  it('takes a text message as its UTF-8 bytes', async () => {
    setWebSocketClass(FakeWebSocket);
    const pair = make('pair');
    const piped = new Promise((resolve) => pair.once('pipe', resolve));
    pair.connect('ws://example.test/p');
    const ws = await nextWebSocket(1);
    expect(ws.protocols).toBe('pair.sp.nanomsg.org');
    ws.open();
    await piped;
    ws.deliver('grüße');
    expect(Array.from(await pair.recv())).toEqual(Array.from(bytes('grüße')));
  });

  it('counts a server that answers with another subprotocol as a connect error, closes it and dials again', async () => {
    setWebSocketClass(FakeWebSocket);
    const sub = make('sub');
    const failed = new Promise<{ error: SpError }>((resolve) => sub.once('connect-failed', resolve));
    sub.connect('ws://example.test/feed');
    const ws = await nextWebSocket(1);
    expect(ws.protocols).toBe('pub.sp.nanomsg.org');
    ws.open('rep.sp.nanomsg.org');
    const { error } = await failed;
    expect(error.code).toBe('EPROTO');
    expect(error.message).toContain('answered with the subprotocol "rep.sp.nanomsg.org"; this socket needs a peer that serves "pub.sp.nanomsg.org"');
    expect(ws.closedWith).toBeDefined();
    expect(sub.stats.connectErrors).toBe(1);
    await nextWebSocket(2);
  });

  it('a connection that closes before it opens is ECONNREFUSED with the close code', async () => {
    setWebSocketClass(FakeWebSocket);
    const req = make('req');
    const failed = new Promise<{ error: SpError }>((resolve) => req.once('connect-failed', resolve));
    req.connect('ws://example.test/');
    (await nextWebSocket(1)).serverClose(1006);
    const { error } = await failed;
    expect(error.code).toBe('ECONNREFUSED');
    expect(error.message).toMatch(/closed before it opened \(code 1006/);
  });

  it('a message over recvMaxSize drops the connection (EMSGSIZE) and the socket dials again', async () => {
    setWebSocketClass(FakeWebSocket);
    const pair = make('pair', { recvMaxSize: 16 });
    const broken = new Promise<{ error: SpError }>((resolve) => pair.once('pipe-broken', resolve));
    const piped = new Promise((resolve) => pair.once('pipe', resolve));
    pair.connect('ws://example.test/p');
    const ws = await nextWebSocket(1);
    ws.open();
    await piped;
    ws.deliver(new ArrayBuffer(17));
    const { error } = await broken;
    expect(error.code).toBe('EMSGSIZE');
    expect(error.message).toContain('17 bytes, over recvMaxSize 16');
    expect(ws.closedWith?.code).toBe(1000);
    expect(new TextEncoder().encode(ws.closedWith!.reason).length).toBeLessThanOrEqual(123);
    const again = await nextWebSocket(2);
    again.open();
    again.deliver(arrayBuffer(bytes('small')));
    expect(new TextDecoder().decode(await pair.recv())).toBe('small');
  });

  it('keeps what arrives while the protocol is paused, and drops a page that falls 8 × recvBuffer behind', async () => {
    setWebSocketClass(FakeWebSocket);
    const pull = make('pull', { recvBuffer: 1024 });
    const piped = new Promise((resolve) => pull.once('pipe', resolve));
    pull.connect('ws://example.test/p');
    const ws = await nextWebSocket(1);
    ws.open();
    await piped;
    // fill the protocol's queue until it pauses the pipe, then the pipe's own inbox
    for (let i = 0; i < 8; i++) ws.deliver(new ArrayBuffer(1000));
    expect(pull.stats.brokenConnections).toBe(0);
    const broken = new Promise<{ error: SpError }>((resolve) => pull.once('pipe-broken', resolve));
    for (let i = 0; i < 8 && pull.stats.brokenConnections === 0; i++) ws.deliver(new ArrayBuffer(1000));
    const { error } = await broken;
    expect(error.code).toBe('ENOBUFS');
    expect(error.message).toMatch(/the page fell \d+ bytes behind this WebSocket/);
    expect(ws.closedWith?.code).toBe(1000);
    // and it dials again
    await nextWebSocket(2);
  });

  it('stops sending while the browser’s buffer is over sendBuffer, and goes on once it drains', async () => {
    setWebSocketClass(FakeWebSocket);
    const push = make('push', { sendBuffer: 1000 });
    const piped = new Promise((resolve) => push.once('pipe', resolve));
    push.connect('ws://example.test/p');
    const ws = await nextWebSocket(1);
    ws.open();
    await piped;
    ws.bufferedAmount = 5000;
    // the pipe counts as ready until a send finds the browser's buffer full
    push.trySend('first');
    expect(() => push.trySend('second')).toThrow(expect.objectContaining({ code: 'EAGAIN' }));
    const sent = push.send('second');
    ws.bufferedAmount = 0;
    await sent;
    expect(ws.sent.map((m) => new TextDecoder().decode(m))).toEqual(['first', 'second']);
  });

  it('with linger, close waits for the browser’s buffer to drain before closing the WebSocket', async () => {
    setWebSocketClass(FakeWebSocket);
    const push = make('push', { linger: 5000 });
    const piped = new Promise((resolve) => push.once('pipe', resolve));
    push.connect('ws://example.test/p');
    const ws = await nextWebSocket(1);
    ws.open();
    await piped;
    await push.send('last words');
    ws.bufferedAmount = 10;
    let closed = false;
    const closing = push.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(closed).toBe(false);
    expect(ws.closedWith).toBeUndefined();
    ws.bufferedAmount = 0;
    await closing;
    expect(ws.closedWith?.code).toBe(1000);
  });

  it('says what is wrong: no WebSocket in this runtime, a malformed URL, bind, another transport', async () => {
    setWebSocketClass(undefined);
    const hadGlobal = 'WebSocket' in globalThis;
    const req = make('req');
    if (!hadGlobal) {
      const failed = new Promise<{ error: SpError }>((resolve) => req.once('connect-failed', resolve));
      req.connect('ws://example.test/');
      const { error } = await failed;
      expect(error.code).toBe('ENOTSUP');
      expect(error.message).toContain('this runtime has no global WebSocket');
    }
    expect(() => req.connect('ws://exa mple.test/')).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => req.connect('ws://example.test/#frag')).toThrow(/#fragment/);
    await expect(req.bind('ws://127.0.0.1:0/')).rejects.toMatchObject({ code: 'ENOTSUP', message: /a web page cannot listen/ });
    expect(() => req.connect('tcp://127.0.0.1:5555')).toThrow(expect.objectContaining({ code: 'EPROTONOSUPPORT' }));
    expect(() => req.connect('ipc:///tmp/x')).toThrow(/it knows inproc, ws, wss/);
  });
});
