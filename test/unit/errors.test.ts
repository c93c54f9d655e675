/** SpError and nanomsg's errno names, numbers and texts (spec/wire.md §6.4, §6.5). */
import { describe, it, expect } from 'vitest';
import {
  SpError,
  spError,
  quietError,
  strerror,
  errnoOf,
  errnoName,
  errnoNameOf,
  isErrnoName,
  isDnsError,
  toSpError,
  NN_HAUSNUMERO,
  type ErrnoName,
} from '../../src/sp/errors.js';
import * as publicApi from '../../src/index.js';

describe('errno numbers (Linux values, nanomsg-specific ones from NN_HAUSNUMERO)', () => {
  it.each([
    ['EINTR', 4],
    ['EBADF', 9],
    ['EAGAIN', 11],
    ['ENOMEM', 12],
    ['EFAULT', 14],
    ['ENODEV', 19],
    ['EINVAL', 22],
    ['EMFILE', 24],
    ['ENAMETOOLONG', 36],
    ['EPROTO', 71],
    ['EMSGSIZE', 90],
    ['ENOPROTOOPT', 92],
    ['EPROTONOSUPPORT', 93],
    ['ENOTSUP', 95],
    ['EAFNOSUPPORT', 97],
    ['EADDRINUSE', 98],
    ['EADDRNOTAVAIL', 99],
    ['ECONNRESET', 104],
    ['EISCONN', 106],
    ['ETIMEDOUT', 110],
    ['ECONNREFUSED', 111],
    ['ETERM', 156384765],
    ['EFSM', 156384766],
  ] as const)('%s is %i', (name, number) => {
    expect(errnoOf(name)).toBe(number);
    expect(errnoName(number)).toBe(name);
  });

  it('NN_HAUSNUMERO is 156384712 and ETERM/EFSM are +53/+54', () => {
    expect(NN_HAUSNUMERO).toBe(156384712);
    expect(errnoOf('ETERM')).toBe(NN_HAUSNUMERO + 53);
    expect(errnoOf('EFSM')).toBe(NN_HAUSNUMERO + 54);
  });

  it('errnoName of an unknown number is undefined', () => {
    expect(errnoName(0)).toBeUndefined();
    expect(errnoName(99999)).toBeUndefined();
  });

  it('is re-exported from the package entry point', () => {
    expect(publicApi.SpError).toBe(SpError);
    expect(publicApi.strerror).toBe(strerror);
    expect(publicApi.NN_HAUSNUMERO).toBe(NN_HAUSNUMERO);
  });
});

describe('strerror (nn_strerror)', () => {
  it.each([
    ['ECONNREFUSED', 'Connection refused'],
    ['EINVAL', 'Invalid argument'],
    ['ETIMEDOUT', 'Connection timed out'],
    ['EAGAIN', 'Resource temporarily unavailable'],
    ['EBADF', 'Bad file descriptor'],
    ['EADDRINUSE', 'Address already in use'],
    ['ENOPROTOOPT', 'Protocol not available'],
    ['EPROTONOSUPPORT', 'Protocol not supported'],
    ['ENAMETOOLONG', 'File name too long'],
    ['ENODEV', 'No such device'],
    ['EMSGSIZE', 'Message too long'],
    ['EPROTO', 'Protocol error'],
    ['ENOTSUP', 'Operation not supported'],
    ['ETERM', 'Nanomsg library was terminated'],
    ['EFSM', 'Operation cannot be performed in this state'],
  ] as const)('%s → %j', (name, text) => {
    expect(strerror(name)).toBe(text);
    expect(strerror(errnoOf(name))).toBe(text);
  });

  it('EFSM by number 156384766 and ETERM by number 156384765', () => {
    expect(strerror(156384766)).toBe('Operation cannot be performed in this state');
    expect(strerror(156384765)).toBe('Nanomsg library was terminated');
  });

  it('an unknown number gives "Unknown error N"', () => {
    expect(strerror(12345)).toBe('Unknown error 12345');
  });
});

describe('SpError', () => {
  it('carries code, errno and a message of code, text and detail', () => {
    const err = new SpError('EINVAL', 'the port "x" must be a number');
    expect(err).toBeInstanceOf(Error);
    expect(err).toBeInstanceOf(SpError);
    expect(err.name).toBe('SpError');
    expect(err.code).toBe('EINVAL');
    expect(err.errno).toBe(22);
    expect(err.message).toBe('EINVAL (Invalid argument): the port "x" must be a number');
    expect(String(err)).toBe('SpError: EINVAL (Invalid argument): the port "x" must be a number');
  });

  it('EFSM and ETERM carry nanomsg numbers and texts', () => {
    const fsm = new SpError('EFSM', 'no request to reply to');
    expect(fsm.errno).toBe(156384766);
    expect(fsm.message).toBe('EFSM (Operation cannot be performed in this state): no request to reply to');
    const term = new SpError('ETERM', 'terminated');
    expect(term.errno).toBe(156384765);
    expect(term.message).toContain('Nanomsg library was terminated');
  });

  it('keeps a cause', () => {
    const cause = new Error('inner');
    expect(new SpError('EIO', 'x', { cause }).cause).toBe(cause);
    expect(spError('EIO', 'x', cause).cause).toBe(cause);
    expect(spError('EIO', 'x').cause).toBeUndefined();
    expect('cause' in spError('EIO', 'x')).toBe(false);
  });

  it('spError builds the same thing as new SpError', () => {
    const err = spError('ETIMEDOUT', 'recv timed out after 100 ms');
    expect(err).toBeInstanceOf(SpError);
    expect(err.code).toBe('ETIMEDOUT');
    expect(err.errno).toBe(110);
    expect(err.message).toBe('ETIMEDOUT (Connection timed out): recv timed out after 100 ms');
  });
});

describe('isErrnoName / errnoNameOf / isDnsError', () => {
  it('isErrnoName knows only real names (own properties)', () => {
    expect(isErrnoName('EINVAL')).toBe(true);
    expect(isErrnoName('EFSM')).toBe(true);
    expect(isErrnoName('einval')).toBe(false);
    expect(isErrnoName('toString')).toBe(false);
    expect(isErrnoName('ERR_SOCKET_CLOSED')).toBe(false);
  });

  it('errnoNameOf reads Node error codes, maps aliases, and falls back', () => {
    const nodeErr = (code: string) => Object.assign(new Error(code), { code });
    expect(errnoNameOf(nodeErr('ECONNRESET'))).toBe('ECONNRESET');
    expect(errnoNameOf(nodeErr('EWOULDBLOCK'))).toBe('EAGAIN');
    expect(errnoNameOf(nodeErr('EOPNOTSUPP'))).toBe('ENOTSUP');
    expect(errnoNameOf(nodeErr('ERR_STREAM_DESTROYED'))).toBe('EIO');
    expect(errnoNameOf(nodeErr('ERR_STREAM_DESTROYED'), 'ECONNRESET')).toBe('ECONNRESET');
    expect(errnoNameOf(new SpError('EFSM', 'x'))).toBe('EFSM');
    expect(errnoNameOf(null)).toBe('EIO');
    expect(errnoNameOf(undefined)).toBe('EIO');
    expect(errnoNameOf('ECONNREFUSED')).toBe('EIO');
    expect(errnoNameOf({ code: 111 })).toBe('EIO');
  });

  it('isDnsError recognises getaddrinfo failures only', () => {
    expect(isDnsError({ code: 'ENOTFOUND' })).toBe(true);
    expect(isDnsError({ code: 'EAI_AGAIN' })).toBe(true);
    expect(isDnsError({ code: 'EAI_NONAME' })).toBe(true);
    expect(isDnsError({ code: 'ECONNREFUSED' })).toBe(false);
    expect(isDnsError(null)).toBe(false);
    expect(isDnsError(new Error('ENOTFOUND'))).toBe(false);
  });
});

describe('toSpError', () => {
  it('maps a Node error with code ECONNREFUSED, keeping what was being done and the cause', () => {
    const nodeErr = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5555'), { code: 'ECONNREFUSED', errno: -111, syscall: 'connect' });
    const err = toSpError(nodeErr, 'connecting to tcp://127.0.0.1:5555');
    expect(err).toBeInstanceOf(SpError);
    expect(err.code).toBe('ECONNREFUSED');
    expect(err.errno).toBe(111); // nanomsg's positive errno, not Node's -111
    expect(err.message).toBe('ECONNREFUSED (Connection refused): connecting to tcp://127.0.0.1:5555: connect ECONNREFUSED 127.0.0.1:5555');
    expect(err.cause).toBe(nodeErr);
  });

  it('returns an SpError unchanged', () => {
    const original = new SpError('EADDRINUSE', 'busy');
    expect(toSpError(original, 'binding')).toBe(original);
  });

  it('uses the fallback for errors without a known code, and stringifies non-errors', () => {
    const a = toSpError(new Error('weird'), 'reading');
    expect(a.code).toBe('EIO');
    expect(a.errno).toBe(5);
    expect(a.message).toBe('EIO (Input/output error): reading: weird');
    const b = toSpError('plain string', 'writing', 'ECONNRESET');
    expect(b.code).toBe('ECONNRESET');
    expect(b.message).toContain('writing: plain string');
  });

  it('every name has a number and a text', () => {
    const names: ErrnoName[] = ['EPERM', 'ENOENT', 'EIO', 'EACCES', 'EPIPE', 'ENOTSOCK', 'ENOBUFS', 'EHOSTUNREACH'];
    for (const name of names) {
      expect(errnoOf(name)).toBeGreaterThan(0);
      expect(strerror(name)).not.toMatch(/^Unknown error/);
      expect(errnoName(errnoOf(name))).toBe(name);
    }
  });
});

describe('quietError', () => {
  it('is an SpError like any other, without stack frames, and leaves Error.stackTraceLimit as it was', () => {
    const before = Error.stackTraceLimit;
    const err = quietError('EAGAIN', 'no message is ready to be received');
    expect(err).toBeInstanceOf(SpError);
    expect(err.code).toBe('EAGAIN');
    expect(err.errno).toBe(11);
    expect(err.message).toContain('no message is ready to be received');
    expect(err.stack ?? '').not.toMatch(/\n\s+at /);
    expect(Error.stackTraceLimit).toBe(before);
    // an ordinary one still has its frames
    expect(new Error('x').stack).toMatch(/\n\s+at /);
  });
});
