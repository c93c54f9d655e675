/**
 * IPC specifics (spec/wire.md §1.3, nanomsg tests/ipc.c, NNG ipc_test.c): the socket file
 * lives exactly as long as the bound endpoint; a stale file left by a dead process is replaced,
 * but a live listener or a file that is not a socket is never touched (EADDRINUSE); relative
 * paths, the `unix://` alias and Linux `abstract://` names; the 107-byte path limit; and a
 * peer that sends a message type other than 0x01 loses its connection (EPROTO) while the
 * listener serves on.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { lstat, readFile, writeFile } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SpSocket } from '../../src/index.js';
import { uniqueIpcPath } from '../helpers/cat.js';
import { frame, spHeaderBytes } from '../helpers/raw-peer.js';
import { next, testSocket } from '../helpers/sockets.js';

const PAIR = 0x10;

/** What is at `path`: 'socket', 'file', … or undefined when nothing is. */
async function kindAt(path: string): Promise<'socket' | 'file' | 'other' | undefined> {
  try {
    const stat = await lstat(path);
    return stat.isSocket() ? 'socket' : stat.isFile() ? 'file' : 'other';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Connect `client` to `url` and wait until both sides have the pipe; check one message. */
async function pairUp(server: SpSocket, client: SpSocket, url: string, body = 'hello'): Promise<void> {
  const piped = Promise.all([next(server, 'pipe'), next(client, 'pipe')]);
  client.connect(url);
  await piped;
  await client.send(body);
  expect(String(await server.recv())).toBe(body);
}

/** A raw UNIX-socket client at `path`, collecting what it receives. */
async function rawIpc(path: string): Promise<{ socket: Socket; received: () => Buffer; bytes: (n: number) => Promise<Buffer>; closed: Promise<unknown> }> {
  const socket = connect({ path });
  let received = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
  });
  socket.on('error', () => {});
  const closed = once(socket, 'close');
  await once(socket, 'connect');
  return {
    socket,
    received: () => received,
    async bytes(n) {
      while (received.length < n) await once(socket, 'data');
      return received;
    },
    closed,
  };
}

/** An IPC frame: type byte, 8-byte big-endian length, payload. */
function ipcFrame(body: string, type = 0x01): Buffer {
  return Buffer.concat([Buffer.from([type]), frame(body)]);
}

describe('ipc transport', () => {
  describe('the socket file', () => {
    it('exists while bound and is removed when the endpoint closes, or the socket', async () => {
      const path = uniqueIpcPath();
      const s = testSocket('pair');
      const ep = await s.bind(`ipc://${path}`);
      expect(ep.url).toBe(`ipc://${path}`);
      expect(await kindAt(path)).toBe('socket');
      await ep.close();
      expect(await kindAt(path)).toBeUndefined();

      const again = await s.bind(`ipc://${path}`);
      expect(again.id).not.toBe(ep.id);
      expect(await kindAt(path)).toBe('socket');
      await s.close();
      expect(await kindAt(path)).toBeUndefined();
    });

    it('a stale socket file left by a killed process is replaced, and the new listener serves', async () => {
      const path = uniqueIpcPath('stale');
      // a process that listens on the path and is killed: its socket file stays, nobody answers
      const child = spawn(process.execPath, ['-e', "require('net').createServer().listen(process.argv[1], () => console.log('listening'))", path], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const exited = once(child, 'exit');
      const [line] = (await once(child.stdout, 'data')) as [Buffer];
      expect(String(line)).toContain('listening');
      child.kill('SIGKILL');
      await exited;
      expect(await kindAt(path)).toBe('socket');
      await expect(new Promise((resolve, reject) => connect({ path }).once('connect', resolve).once('error', reject))).rejects.toMatchObject({ code: 'ECONNREFUSED' });

      const server = testSocket('pair');
      await server.bind(`ipc://${path}`);
      expect(await kindAt(path)).toBe('socket');
      await pairUp(server, testSocket('pair'), `ipc://${path}`);
    });

    it('a live node:net listener on the path gives EADDRINUSE and keeps its file and its clients', async () => {
      const path = uniqueIpcPath('live');
      const other = createServer((socket) => {
        socket.on('error', () => {}); // nanosp's probe hangs up at once
        socket.end('still mine');
      });
      await new Promise<void>((resolve) => other.listen(path, resolve));
      try {
        await expect(testSocket('pair').bind(`ipc://${path}`)).rejects.toMatchObject({ name: 'SpError', code: 'EADDRINUSE' });
        expect(await kindAt(path)).toBe('socket');
        const client = await rawIpc(path);
        await client.closed;
        expect(String(client.received())).toBe('still mine');
      } finally {
        await new Promise<void>((resolve) => other.close(() => resolve()));
      }
    });

    it('a live nanosp listener on the path gives EADDRINUSE and keeps serving', async () => {
      const url = `ipc://${uniqueIpcPath('live')}`;
      const first = testSocket('pair');
      await first.bind(url);
      await expect(testSocket('pair').bind(url)).rejects.toMatchObject({ code: 'EADDRINUSE', errno: 98 });
      await pairUp(first, testSocket('pair'), url);
    });

    it('a regular file at the path is not removed, and the bind gives EADDRINUSE', async () => {
      const path = uniqueIpcPath('file');
      await writeFile(path, 'precious data');
      const s = testSocket('pair');
      await expect(s.bind(`ipc://${path}`)).rejects.toMatchObject({ name: 'SpError', code: 'EADDRINUSE' });
      expect(await kindAt(path)).toBe('file');
      expect(await readFile(path, 'utf8')).toBe('precious data');
      expect(s.endpoints).toEqual([]);
    });
  });

  describe('addresses', () => {
    it('takes a relative path, for bind and connect, relative to the working directory', async () => {
      const path = uniqueIpcPath('relative');
      const rel = relative(process.cwd(), path);
      expect(rel.startsWith('/')).toBe(false);
      const server = testSocket('pair');
      const ep = await server.bind(`ipc://${rel}`);
      expect(ep.url).toBe(`ipc://${rel}`);
      expect(await kindAt(path)).toBe('socket');
      await pairUp(server, testSocket('pair'), `ipc://${path}`, 'absolute to relative');
      await ep.close();
      expect(await kindAt(path)).toBeUndefined();

      const server2 = testSocket('pair');
      await server2.bind(`ipc://${path}`);
      await pairUp(server2, testSocket('pair'), `ipc://${rel}`, 'relative to absolute');
    });

    it('unix:// is an alias of ipc://, both ways (NNG)', async () => {
      const path = uniqueIpcPath('unix');
      const viaUnix = testSocket('pair');
      await viaUnix.bind(`unix://${path}`);
      expect(await kindAt(path)).toBe('socket');
      await pairUp(viaUnix, testSocket('pair'), `ipc://${path}`, 'ipc to unix');

      const path2 = uniqueIpcPath('unix');
      const viaIpc = testSocket('pair');
      await viaIpc.bind(`ipc://${path2}`);
      await pairUp(viaIpc, testSocket('pair'), `unix://${path2}`, 'unix to ipc');
    });

    it('abstract:// names: no file, the name is the abstract socket (percent-decoded), duplicates refused', async () => {
      const name = `nanosp test ${process.pid} ${Date.now()}`;
      const url = `abstract://${encodeURIComponent(name)}`;
      const server = testSocket('pair');
      await server.bind(url);
      expect(await kindAt(join(process.cwd(), encodeURIComponent(name)))).toBeUndefined();
      expect(await kindAt(join(process.cwd(), name))).toBeUndefined();
      await pairUp(server, testSocket('pair'), url);
      await expect(testSocket('pair').bind(url)).rejects.toMatchObject({ code: 'EADDRINUSE' });
      // a plain client on the decoded abstract name reaches the same listener
      const raw = await rawIpc(`\0${name}`);
      expect((await raw.bytes(8)).subarray(0, 8)).toEqual(spHeaderBytes(PAIR));
      raw.socket.destroy();
      await raw.closed;
      expect(() => testSocket('pair').connect('abstract://%zz')).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    });

    it('a path of 107 bytes binds; 108 bytes is ENAMETOOLONG for bind and connect (sun_path)', async () => {
      const dir = dirname(uniqueIpcPath());
      const fits = join(dir, 'f'.repeat(107 - dir.length - 1));
      expect(Buffer.byteLength(fits)).toBe(107);
      const server = testSocket('pair');
      await server.bind(`ipc://${fits}`);
      expect(await kindAt(fits)).toBe('socket');
      await pairUp(server, testSocket('pair'), `ipc://${fits}`);

      const tooLong = `${fits}g`;
      await expect(testSocket('pair').bind(`ipc://${tooLong}`)).rejects.toMatchObject({ code: 'ENAMETOOLONG', errno: 36 });
      expect(() => testSocket('pair').connect(`ipc://${tooLong}`)).toThrow(expect.objectContaining({ code: 'ENAMETOOLONG' }));
      // the limit is in bytes: '/' and 54 × 'é' are 55 characters but 109 bytes
      expect(() => testSocket('pair').connect(`ipc:///${'é'.repeat(54)}`)).toThrow(expect.objectContaining({ code: 'ENAMETOOLONG' }));
      expect(await kindAt(tooLong)).toBeUndefined();
    });
  });

  describe('framing', () => {
    it('a raw client: the 0x01 type byte frames a message; type 0x02 breaks the pipe (EPROTO); the listener serves on', async () => {
      const path = uniqueIpcPath('type');
      const server = testSocket('pair');
      await server.bind(`ipc://${path}`);
      const broken = next(server, 'pipe-broken');
      const piped = next(server, 'pipe');

      const raw = await rawIpc(path);
      raw.socket.write(spHeaderBytes(PAIR));
      expect((await raw.bytes(8)).subarray(0, 8)).toEqual(spHeaderBytes(PAIR));
      await piped;
      raw.socket.write(ipcFrame('in band'));
      expect(String(await server.recv())).toBe('in band');
      // and what nanosp sends carries the type byte too
      await server.send('back');
      expect((await raw.bytes(8 + 9 + 4)).subarray(8)).toEqual(ipcFrame('back'));

      raw.socket.write(ipcFrame('out of band', 0x02));
      const [event] = await broken;
      expect(event.error.code).toBe('EPROTO');
      expect(event.pipe).toBeDefined();
      await raw.closed;
      expect(server.stats.messagesReceived).toBe(1);
      expect(server.pipes).toHaveLength(0);

      // the listener keeps serving another client
      await pairUp(server, testSocket('pair'), `ipc://${path}`, 'next client');
      expect(server.stats.brokenConnections).toBe(1);
    });
  });
});
