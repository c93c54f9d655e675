/**
 * A node:http server of a test on a free loopback port, and a close that does not wait for
 * clients: it ends every connection still open, upgraded (WebSocket) ones included, which
 * `server.close()` alone would wait for.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export interface Listening {
  readonly port: number;
  /** Stop listening and destroy every connection; the same promise on every call. */
  close(): Promise<void>;
}

export async function listenOnLoopback(server: Server): Promise<Listening> {
  const connections = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as { port: number };
  let closing: Promise<void> | undefined;
  return {
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of connections) socket.destroy();
      });
      return closing;
    },
  };
}
