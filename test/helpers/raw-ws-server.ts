/**
 * A hand-driven WebSocket server for bad-input tests: a bare node:http 'upgrade' handler that
 * answers each connection as the test says (any subprotocol or none, then exactly the frame
 * bytes it is given), written from RFC 6455 here rather than with nanosp's own code, so a
 * test can break the rules a real server keeps. Counts upgrade requests, so a test can wait
 * for a client's reconnect. Closed (with every connection) after the current test.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach } from 'vitest';
import { listenOnLoopback } from './loopback-server.js';

export const OP_TEXT = 0x1;
export const OP_BINARY = 0x2;

/** One upgrade request, for the test to answer. */
export interface RawUpgrade {
  /** 1 for the first connection, 2 for the next, … */
  readonly index: number;
  /** What the client offered in Sec-WebSocket-Protocol. */
  readonly offered: string | undefined;
  readonly socket: Socket;
  /** Answer 101 with `protocol` in Sec-WebSocket-Protocol (none when undefined). */
  accept(protocol: string | undefined): void;
  /** Write raw bytes; resolves once they were handed to the kernel. */
  write(bytes: Uint8Array): Promise<void>;
}

export interface RawWsServer {
  /** `ws://127.0.0.1:<port><path>` */
  url(path: string): string;
  /** Upgrade requests so far. */
  readonly upgrades: number;
  /** Resolves once at least `count` upgrade requests came in. */
  untilUpgrades(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** A server-to-client frame (unmasked) with FIN set, announcing `payload.length` bytes. */
export function frameHead(opcode: number, length: number): Buffer {
  if (length < 126) return Buffer.from([0x80 | opcode, length]);
  if (length < 0x10000) {
    const head = Buffer.from([0x80 | opcode, 126, 0, 0]);
    head.writeUInt16BE(length, 2);
    return head;
  }
  const head = Buffer.alloc(10);
  head[0] = 0x80 | opcode;
  head[1] = 127;
  head.writeBigUInt64BE(BigInt(length), 2);
  return head;
}

/** A whole server frame. */
export function serverFrame(opcode: number, payload: Uint8Array | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : Buffer.from(payload);
  return Buffer.concat([frameHead(opcode, body.length), body]);
}

const open = new Set<RawWsServer>();

afterEach(async () => {
  await Promise.all([...open].map((server) => server.close()));
  open.clear();
});

/** Start a raw WebSocket server on a free loopback port; `onUpgrade` answers each connection. */
export async function startRawWs(onUpgrade: (upgrade: RawUpgrade) => void): Promise<RawWsServer> {
  let upgrades = 0;
  let waiters: { count: number; resolve: () => void }[] = [];
  const server = createServer((_req, res) => {
    res.writeHead(426, { 'Content-Type': 'text/plain' });
    res.end('WebSocket only\n');
  });
  server.on('upgrade', (req: IncomingMessage, duplex) => {
    const socket = duplex as Socket;
    socket.on('error', () => {});
    const index = ++upgrades;
    const key = req.headers['sec-websocket-key'] ?? '';
    const upgrade: RawUpgrade = {
      index,
      offered: req.headers['sec-websocket-protocol'],
      socket,
      accept(protocol) {
        const accept = createHash('sha1').update(key + GUID).digest('base64');
        const lines = ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${accept}`];
        if (protocol !== undefined) lines.push(`Sec-WebSocket-Protocol: ${protocol}`);
        socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      },
      write: (bytes) => new Promise<void>((resolve, reject) => socket.write(bytes, (err) => (err ? reject(err) : resolve()))),
    };
    onUpgrade(upgrade);
    waiters = waiters.filter((w) => (upgrades >= w.count ? (w.resolve(), false) : true));
  });
  const { port, close } = await listenOnLoopback(server);
  const raw: RawWsServer = {
    url: (path) => `ws://127.0.0.1:${port}${path}`,
    get upgrades() {
      return upgrades;
    },
    untilUpgrades(count, timeoutMs = 10_000) {
      if (upgrades >= count) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${upgrades} upgrade requests within ${timeoutMs} ms, expected ${count}`)), timeoutMs);
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
    close,
  };
  open.add(raw);
  return raw;
}
