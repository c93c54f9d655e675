/**
 * Is a peer listening yet? For the runners that start peers as child processes: a free port
 * to give one, and a probe that looks without disturbing the listener.
 */
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Does something listen at `url` now? On Linux the kernel's socket tables say so without
 * touching the listener (a probe connection that closes at once can upset a listener: NNG's
 * IPC listener stalled on one); elsewhere a connection is opened and closed.
 */
export function probe(url: string): Promise<boolean> {
  const tcp = /^tcp:\/\/([^:]+):(\d+)$/.exec(url);
  if (process.platform === 'linux') {
    try {
      if (tcp) {
        const port = `:${Number(tcp[2]).toString(16).toUpperCase().padStart(4, '0')}`;
        // /proc/net/tcp rows: sl local_address rem_address st …; st 0A is LISTEN
        const listening = ['/proc/net/tcp', '/proc/net/tcp6'].some((table) =>
          readFileSync(table, 'utf8')
            .split('\n')
            .some((line) => {
              const f = line.trim().split(/\s+/);
              return f[1]?.endsWith(port) === true && f[3] === '0A';
            }),
        );
        return Promise.resolve(listening);
      }
      const path = url.slice('ipc://'.length);
      // /proc/net/unix rows: Num RefCount Protocol Flags Type St Inode Path; flag 00010000 is "accepting"
      const listening = readFileSync('/proc/net/unix', 'utf8')
        .split('\n')
        .some((line) => {
          const f = line.trim().split(/\s+/);
          return f[7] === path && f[3] === '00010000';
        });
      return Promise.resolve(listening);
    } catch {
      // no /proc: fall through to a connection
    }
  }
  return new Promise((resolve) => {
    const socket = tcp ? connect({ host: tcp[1] as string, port: Number(tcp[2]) }) : connect({ path: url.slice('ipc://'.length) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
