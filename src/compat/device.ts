/**
 * The old package's Device: nn_device between two raw compat sockets (or one, as a loopback),
 * started on the next turn of the event loop. nn_device only ever returns by failing, so the
 * Device's one event is 'error', with the message `lib err: <errno>\n<text>`: EBADF (9) once
 * a socket is closed or `term()` closed them all, EINVAL (22) for sockets that are not raw or
 * not of one protocol family.
 */
import { EventEmitter } from 'node:events';
import { device as runDevice } from '../sp/device.js';
import { deviceError } from './errors.js';
import { Socket } from './socket.js';

export interface DeviceEventMap {
  error: [error: Error];
}

export class Device extends EventEmitter<DeviceEventMap> {
  /** The sockets as given. */
  readonly sock1: Socket;
  readonly sock2: unknown;
  /** Their descriptors; -1 for a missing second socket (loopback). */
  readonly s1: number;
  readonly s2: number;

  constructor(sock1: Socket, sock2?: Socket) {
    if (!(sock1 instanceof Socket)) throw new Error('expected at least one Socket argument');
    super();
    this.sock1 = sock1;
    this.sock2 = sock2;
    this.s1 = sock1.binding;
    const second = sock2 instanceof Socket ? sock2 : undefined;
    this.s2 = second ? second.binding : -1;
    setImmediate(() => {
      runDevice(sock1.sp, second?.sp).catch((err: unknown) => {
        // outside the promise chain: with no 'error' listener this is an uncaught exception
        process.nextTick(() => this.emit('error', deviceError(err)));
      });
    });
  }
}
