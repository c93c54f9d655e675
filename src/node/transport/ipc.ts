/**
 * IPC (`ipc://path`, relative or absolute; NNG's `unix://` alias; Linux `abstract://name`):
 * UNIX-domain stream sockets with the SP header and a 0x01 message-type byte before every
 * length. A stale socket file is replaced only when nothing answers on it (nanomsg's bipc.c),
 * and the file goes away when the endpoint closes. An over-long path is refused with
 * ENAMETOOLONG where nanomsg would abort.
 */
import { lstat, unlink } from 'node:fs/promises';
import { connect } from 'node:net';
import type { SplitAddress } from '../../sp/address.js';
import { spError, toSpError } from '../../sp/errors.js';
import { SlabReader } from './read-slab.js';
import { closeServer, connected, listening, streamPipe, streamServer } from './tcp.js';
import type { Dialer, Listener, Transport } from '../../sp/transport/transport.js';

/** Linux sun_path holds 108 bytes including the terminating NUL. */
const SUN_PATH_MAX = 107;

interface IpcPath {
  /** What node:net takes: a file path, or '\0name' for an abstract name. */
  readonly path: string;
  readonly abstract: boolean;
}

export function parseIpcAddress(address: SplitAddress): IpcPath {
  let path = address.rest;
  const abstract = address.scheme === 'abstract';
  if (abstract) {
    try {
      path = `\0${decodeURIComponent(path)}`; // NNG percent-encodes abstract names
    } catch {
      throw spError('EINVAL', `the abstract name in ${JSON.stringify(address.url)} has a bad percent-encoding`);
    }
  } else if (path === '') {
    throw spError('EINVAL', `the address ${JSON.stringify(address.url)} has no path`);
  }
  const bytes = Buffer.byteLength(path);
  if (bytes > SUN_PATH_MAX) {
    throw spError('ENAMETOOLONG', `the IPC path in ${JSON.stringify(address.url)} is ${bytes} bytes; a UNIX socket path holds at most ${SUN_PATH_MAX}`);
  }
  return { path, abstract };
}

/** Is something serving `path`? (A refused connection means a stale file.) */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect({ path });
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

/** Make room for a new listener at `path`, removing only a socket file nobody answers on. */
async function clearStale(path: string, url: string): Promise<void> {
  let stat;
  try {
    stat = await lstat(path);
  } catch {
    return; // nothing there
  }
  if (!stat.isSocket()) throw spError('EADDRINUSE', `cannot bind ${url}: ${path} exists and is not a socket`);
  if (await answers(path)) throw spError('EADDRINUSE', `cannot bind ${url}: another process serves ${path}`);
  await unlink(path).catch(() => undefined);
}

export const ipc: Transport = {
  schemes: ['ipc', 'unix', 'abstract'],

  async listen(address, context, events): Promise<Listener> {
    const { path, abstract } = parseIpcAddress(address);
    if (!abstract) await clearStale(path, address.url);
    const server = streamServer((socket, reader) => events.accepted(streamPipe(socket, context, address.rest, true, reader)));
    await listening(server, { path, backlog: context.options.listenBacklog }, `cannot bind ${address.url}`);
    server.on('error', (err) => events.acceptFailed(toSpError(err, `accept on ${address.url} failed`)));
    // node:net removes the socket file when the server closes
    return { url: address.url, close: () => closeServer(server) };
  },

  dialer(address, context): Dialer {
    const { path } = parseIpcAddress(address);
    return {
      async dial(signal) {
        const reader = new SlabReader();
        const socket = connect({ path, onread: reader.onread });
        await connected(socket, signal, `cannot connect to ${address.url}`);
        return streamPipe(socket, context, address.rest, true, reader);
      },
    };
  },
};
