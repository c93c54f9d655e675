/**
 * The old package's "sockopt API": one method per option, a getter without an argument and a
 * setter with one. The integer options read back a number (undefined once the socket is
 * closed) and their setters return true or throw `Error('<strerror>: <type><option>@<value>\n')`;
 * `ipv6`, `tcpnodelay` and `dontwait` take any truthy value and return the boolean set;
 * `wsopt` takes 'text' or 'binary'. Installed on Socket.prototype by socket.ts.
 */
import type { SpSocket } from '../sp/socket.js';
import { nnError } from './errors.js';
import { INT_OPTIONS, toInt32, WS_MSG_TYPES, type IntOptionName } from './options.js';

/** What the option methods need of a socket. */
interface OptionHost {
  readonly sp: SpSocket;
  readonly type: string;
  nndontwait: number;
}

export interface SockoptMethods {
  /** ms that close keeps flushing; reads back 0 as libnanomsg 1.1 does. */
  linger(): number;
  linger(ms: number): boolean;
  /** NN_SNDBUF in bytes (default 131072). */
  sndbuf(): number;
  sndbuf(bytes: number): boolean;
  /** NN_RCVBUF in bytes (default 131072). */
  rcvbuf(): number;
  rcvbuf(bytes: number): boolean;
  /** NN_SNDTIMEO in ms (default -1). */
  sndtimeo(): number;
  sndtimeo(ms: number): boolean;
  /** NN_RCVTIMEO in ms (default -1). */
  rcvtimeo(): number;
  rcvtimeo(ms: number): boolean;
  /** NN_RECONNECT_IVL in ms (default 100). */
  reconn(): number;
  reconn(ms: number): boolean;
  /** NN_RECONNECT_IVL_MAX in ms (default 0). */
  maxreconn(): number;
  maxreconn(ms: number): boolean;
  /** NN_SNDPRIO, 1 (highest) to 16 (default 8). */
  sndprio(): number;
  sndprio(priority: number): boolean;
  /** NN_RCVPRIO, 1 (highest) to 16 (default 8). */
  rcvprio(): number;
  rcvprio(priority: number): boolean;
  /** NN_RCVMAXSIZE in bytes, -1 for unlimited (default 1048576). */
  rcvmaxsize(): number;
  rcvmaxsize(bytes: number): boolean;
  /** NN_MAXTTL, 1 to 255 hops (default 8). */
  maxttl(): number;
  maxttl(hops: number): boolean;
  /** IPv6 addresses allowed (the inverse of NN_IPV4ONLY; default false). Setting returns the new value. */
  ipv6(): boolean;
  ipv6(enable: unknown): boolean;
  /** NN_TCP_NODELAY (default false). Setting returns the new value. */
  tcpnodelay(): boolean;
  tcpnodelay(enable: unknown): boolean;
  /** NN_WS_MSG_TYPE: 'binary' (default) or 'text'. Setting returns true or throws. */
  wsopt(): 'text' | 'binary';
  wsopt(type: 'text' | 'binary'): boolean;
  /** NN_DONTWAIT for receives and stream writes (default true, PUSH false). Setting returns the new value. */
  dontwait(): boolean;
  dontwait(enable: unknown): boolean;
}

/** An integer option: get when `value` is undefined (as the old `typeof value === 'undefined'`), else set. */
function intOption(host: OptionHost, name: IntOptionName, value: unknown): number | boolean | undefined {
  if (value === undefined) {
    if (host.sp.closed) return undefined;
    // libnanomsg 1.1 keeps no linger value: it always reads back 0
    return name === 'linger' ? 0 : (host.sp.getOption(INT_OPTIONS[name]) as number);
  }
  try {
    host.sp.setOption(INT_OPTIONS[name], toInt32(value));
  } catch (err) {
    throw nnError(err, `: ${host.type}${name}@${String(value)}\n`);
  }
  return true;
}

/** A boolean option (`ipv6`, `tcpnodelay`): get without an argument, else set by truthiness. */
function flagOption(host: OptionHost, args: unknown[], label: string, get: () => boolean, set: (on: boolean) => void): boolean {
  if (args.length > 0) {
    const on = Boolean(args[0]);
    try {
      set(on);
    } catch (err) {
      throw nnError(err, `: ${host.type} ${label}@${on ? 'activing' : 'deactiving'}\n`);
    }
    return on;
  }
  try {
    return get();
  } catch (err) {
    throw nnError(err, `: ${host.type} ${label}@getsockopt\n`);
  }
}

const methods: Record<string, (this: OptionHost, ...args: unknown[]) => unknown> = {
  ipv6(...args) {
    const sp = this.sp;
    return flagOption(this, args, 'ipv6', () => !sp.getOption('ipv4Only'), (on) => sp.setOption('ipv4Only', !on));
  },
  tcpnodelay(...args) {
    const sp = this.sp;
    return flagOption(this, args, 'nodelay', () => sp.getOption('tcpNoDelay'), (on) => sp.setOption('tcpNoDelay', on));
  },
  wsopt(...args) {
    if (args.length > 0) {
      const name = String(args[0]);
      try {
        this.sp.setOption('wsMessageType', Object.hasOwn(WS_MSG_TYPES, name) ? WS_MSG_TYPES[name] : 0);
      } catch (err) {
        throw nnError(err, `: ${this.type} wsopt@${name}\n`);
      }
      return true;
    }
    try {
      return this.sp.getOption('wsMessageType');
    } catch (err) {
      throw nnError(err, `: ${this.type} wsopt@getsockopt\n`);
    }
  },
  dontwait(...args) {
    if (args.length > 0) {
      this.nndontwait = args[0] ? 1 : 0;
      return this.nndontwait === 1;
    }
    return Boolean(this.nndontwait);
  },
};
for (const name of Object.keys(INT_OPTIONS) as IntOptionName[]) {
  methods[name] = function (this: OptionHost, value?: unknown) {
    return intOption(this, name, value);
  };
}

/** Put the option methods on `prototype`, as class methods are (not enumerable). */
export function installSockoptMethods(prototype: object): void {
  for (const [name, method] of Object.entries(methods)) {
    Object.defineProperty(prototype, name, { value: method, writable: true, configurable: true, enumerable: false });
  }
}
