/**
 * Socket options (spec/wire.md §4): nanomsg's defaults under camelCase names, validation with
 * EINVAL, and ENOPROTOOPT for unknown options and options of another socket type.
 */
import { describe, it, expect } from 'vitest';
import { checkOption, defaultOptions, isOptionName, OPTION_SPECS, type OptionName } from '../../src/sp/options.js';
import { socket } from '../../src/index.js';
import { testSocket } from '../helpers/sockets.js';
import { expectSpError } from '../helpers/assert.js';


const check = (name: string, value: unknown, type = 'pair', raw = false) => checkOption(type, raw, name, value);

describe('defaultOptions', () => {
  it('has nanomsg defaults for every option', () => {
    expect(defaultOptions('7')).toEqual({
      sendTimeout: -1,
      recvTimeout: -1,
      linger: 1000,
      sendBuffer: 131072,
      recvBuffer: 131072,
      reconnectInterval: 100,
      reconnectIntervalMax: 0,
      sendPriority: 8,
      recvPriority: 8,
      ipv4Only: true,
      socketName: '7',
      recvMaxSize: 1048576,
      maxTtl: 8,
      tcpNoDelay: false,
      resendInterval: 60000,
      surveyDeadline: 1000,
      wsMessageType: 'binary',
      tls: undefined,
      listenBacklog: 100,
      reconnectJitter: 0,
    });
  });

  it('uses the socket name it is given', () => {
    expect(defaultOptions('my socket').socketName).toBe('my socket');
  });

  it('returns a fresh object each time', () => {
    const a = defaultOptions('0');
    const b = defaultOptions('0');
    expect(a).not.toBe(b);
    a.linger = 5;
    expect(b.linger).toBe(1000);
  });

  it('has a spec for exactly the options it defaults', () => {
    expect(Object.keys(OPTION_SPECS).sort()).toEqual(Object.keys(defaultOptions('0')).sort());
  });

  it('every default passes its own check (on a socket type that knows it)', () => {
    const defaults = defaultOptions('0') as unknown as Record<string, unknown>;
    for (const name of Object.keys(defaults)) {
      const type = name === 'resendInterval' ? 'req' : name === 'surveyDeadline' ? 'surveyor' : 'pair';
      expect(check(name, defaults[name], type), name).toEqual(defaults[name]);
    }
  });
});

describe('OPTION_SPECS', () => {
  it('carries nanomsg levels and option numbers', () => {
    const expected: Record<OptionName, [number, number, string]> = {
      linger: [0, 1, 'NN_LINGER'],
      sendBuffer: [0, 2, 'NN_SNDBUF'],
      recvBuffer: [0, 3, 'NN_RCVBUF'],
      sendTimeout: [0, 4, 'NN_SNDTIMEO'],
      recvTimeout: [0, 5, 'NN_RCVTIMEO'],
      reconnectInterval: [0, 6, 'NN_RECONNECT_IVL'],
      reconnectIntervalMax: [0, 7, 'NN_RECONNECT_IVL_MAX'],
      sendPriority: [0, 8, 'NN_SNDPRIO'],
      recvPriority: [0, 9, 'NN_RCVPRIO'],
      ipv4Only: [0, 14, 'NN_IPV4ONLY'],
      socketName: [0, 15, 'NN_SOCKET_NAME'],
      recvMaxSize: [0, 16, 'NN_RCVMAXSIZE'],
      maxTtl: [0, 17, 'NN_MAXTTL'],
      tcpNoDelay: [-3, 1, 'NN_TCP_NODELAY'],
      resendInterval: [48, 1, 'NN_REQ_RESEND_IVL'],
      surveyDeadline: [98, 1, 'NN_SURVEYOR_DEADLINE'],
      wsMessageType: [-4, 1, 'NN_WS_MSG_TYPE'],
      tls: [OPTION_SPECS.tls.level, OPTION_SPECS.tls.option, OPTION_SPECS.tls.nnName],
      // nanosp's own, at a level of their own
      listenBacklog: [-6, 1, 'NANOSP_LISTEN_BACKLOG'],
      reconnectJitter: [-6, 2, 'NANOSP_RECONNECT_JITTER'],
    };
    for (const [name, [level, option, nnName]] of Object.entries(expected)) {
      const spec = OPTION_SPECS[name as OptionName];
      expect([spec.level, spec.option, spec.nnName], name).toEqual([level, option, nnName]);
    }
  });
});

describe('checkOption: valid values', () => {
  it.each([
    ['sendTimeout', -1],
    ['sendTimeout', 0],
    ['sendTimeout', 2 ** 31 - 1],
    ['sendTimeout', -(2 ** 31)],
    ['recvTimeout', -1000],
    ['recvTimeout', 100],
    ['linger', 0],
    ['linger', -1],
    ['linger', 5000],
    ['sendBuffer', 1],
    ['sendBuffer', 2 ** 31 - 1],
    ['recvBuffer', 1],
    ['reconnectInterval', 0],
    ['reconnectInterval', 100],
    ['reconnectIntervalMax', 0],
    ['reconnectIntervalMax', 60_000],
    ['sendPriority', 1],
    ['sendPriority', 16],
    ['recvPriority', 1],
    ['recvPriority', 16],
    ['recvMaxSize', -1],
    ['recvMaxSize', 0],
    ['recvMaxSize', 1],
    ['recvMaxSize', 1024 * 1024 * 1024],
    ['maxTtl', 1],
    ['maxTtl', 255],
    ['socketName', ''],
    ['socketName', 'x'.repeat(63)],
  ] as const)('%s accepts %s', (name, value) => {
    expect(check(name, value)).toBe(value);
  });

  it('ipv4Only and tcpNoDelay take booleans or 0/1 and store booleans', () => {
    for (const name of ['ipv4Only', 'tcpNoDelay']) {
      expect(check(name, true)).toBe(true);
      expect(check(name, false)).toBe(false);
      expect(check(name, 1)).toBe(true);
      expect(check(name, 0)).toBe(false);
    }
  });

  it('wsMessageType takes the names or nanomsg numbers 0x01/0x02 and stores the name', () => {
    expect(check('wsMessageType', 'binary')).toBe('binary');
    expect(check('wsMessageType', 'text')).toBe('text');
    expect(check('wsMessageType', 0x02)).toBe('binary');
    expect(check('wsMessageType', 0x01)).toBe('text');
  });

  it('resendInterval is accepted on a cooked req, surveyDeadline on a cooked surveyor', () => {
    expect(check('resendInterval', 0, 'req')).toBe(0);
    expect(check('resendInterval', 1000, 'req')).toBe(1000);
    expect(check('surveyDeadline', 0, 'surveyor')).toBe(0);
    expect(check('surveyDeadline', 500, 'surveyor')).toBe(500);
  });

  it('socketName counts UTF-8 bytes: 21 three-byte characters (63 bytes) pass', () => {
    const name = '€'.repeat(21);
    expect(Buffer.byteLength(name)).toBe(63);
    expect(check('socketName', name)).toBe(name);
  });

  it('tls takes undefined or an object, and stores a copy', () => {
    expect(check('tls', undefined)).toBeUndefined();
    const tls = { rejectUnauthorized: false, servername: 'x' };
    const stored = check('tls', tls);
    expect(stored).toEqual(tls);
    expect(stored).not.toBe(tls);
  });
});

describe('checkOption: invalid values give EINVAL naming the option and the value', () => {
  it.each([
    ['sendBuffer', 0],
    ['sendBuffer', -1],
    ['sendBuffer', 1.5],
    ['sendBuffer', 'x'],
    ['sendBuffer', '131072'],
    ['sendBuffer', NaN],
    ['sendBuffer', Infinity],
    ['sendBuffer', null],
    ['sendBuffer', undefined],
    ['sendBuffer', 2 ** 31],
    ['recvBuffer', 0],
    ['sendTimeout', 1.5],
    ['sendTimeout', '100'],
    ['sendTimeout', 2 ** 31],
    ['recvTimeout', true],
    ['linger', 'x'],
    ['reconnectInterval', -1],
    ['reconnectInterval', 0.5],
    ['reconnectIntervalMax', -1],
    ['sendPriority', 0],
    ['sendPriority', 17],
    ['sendPriority', 8.5],
    ['recvPriority', 0],
    ['recvPriority', 17],
    ['recvMaxSize', -2],
    ['recvMaxSize', 1.5],
    ['maxTtl', 0],
    ['maxTtl', 256],
    ['maxTtl', -1],
    ['ipv4Only', 2],
    ['ipv4Only', 'true'],
    ['ipv4Only', -1],
    ['tcpNoDelay', 2],
    ['tcpNoDelay', null],
    ['socketName', 42],
    ['socketName', 'x'.repeat(64)],
    ['wsMessageType', 3],
    ['wsMessageType', 0],
    ['wsMessageType', 'Binary'],
    ['tls', null],
    ['tls', 'cert'],
    ['tls', []],
    ['listenBacklog', 0],
    ['listenBacklog', 65_536],
    ['listenBacklog', 1.5],
    ['reconnectJitter', -0.1],
    ['reconnectJitter', 1.01],
    ['reconnectJitter', Number.NaN],
    ['reconnectJitter', '0.5'],
  ] as const)('%s refuses %s', (name, value) => {
    const err = expectSpError(() => check(name, value), 'EINVAL', 22);
    expect(err.message).toContain(name);
  });

  it('shows the bad value in the message', () => {
    expect(expectSpError(() => check('sendPriority', 17), 'EINVAL', 22).message).toContain('17');
    expect(expectSpError(() => check('linger', 'x'), 'EINVAL', 22).message).toContain('"x"');
    expect(expectSpError(() => check('maxTtl', 256), 'EINVAL', 22).message).toContain('256');
  });

  it('socketName counts UTF-8 bytes, not characters: 32 × "é" is 64 bytes and too long', () => {
    const name = 'é'.repeat(32);
    expect(name.length).toBe(32);
    const err = expectSpError(() => check('socketName', name), 'EINVAL', 22);
    expect(err.message).toContain('64');
  });

  it('refuses negative resendInterval and surveyDeadline', () => {
    expectSpError(() => check('resendInterval', -1, 'req'), 'EINVAL', 22);
    expectSpError(() => check('surveyDeadline', -1, 'surveyor'), 'EINVAL', 22);
  });
});

describe('checkOption: ENOPROTOOPT', () => {
  it.each(['nope', 'SNDBUF', 'sndbuf', 'send_timeout', '', 'toString', 'constructor', '__proto__', 'subscribe'])(
    'refuses the unknown option %j',
    (name) => {
      const err = expectSpError(() => check(name, 1), 'ENOPROTOOPT', 92);
      expect(err.message).toContain(JSON.stringify(name));
    },
  );

  it('isOptionName knows exactly the option names', () => {
    expect(isOptionName('linger')).toBe(true);
    expect(isOptionName('toString')).toBe(false);
    expect(isOptionName('hasOwnProperty')).toBe(false);
  });

  it.each(['pair', 'pub', 'sub', 'rep', 'push', 'pull', 'surveyor', 'respondent', 'bus'])('refuses resendInterval on %s', (type) => {
    const err = expectSpError(() => check('resendInterval', 1000, type), 'ENOPROTOOPT', 92);
    expect(err.message).toContain(type);
  });

  it('refuses resendInterval on a raw req', () => {
    const err = expectSpError(() => check('resendInterval', 1000, 'req', true), 'ENOPROTOOPT', 92);
    expect(err.message).toContain('raw');
  });

  it.each(['pair', 'pub', 'sub', 'req', 'rep', 'push', 'pull', 'respondent', 'bus'])('refuses surveyDeadline on %s', (type) => {
    expectSpError(() => check('surveyDeadline', 1000, type), 'ENOPROTOOPT', 92);
  });

  it('refuses surveyDeadline on a raw surveyor', () => {
    expectSpError(() => check('surveyDeadline', 1000, 'surveyor', true), 'ENOPROTOOPT', 92);
  });

  it('reports the wrong socket type before a bad value (ENOPROTOOPT wins over EINVAL)', () => {
    expectSpError(() => check('resendInterval', 'bad', 'pair'), 'ENOPROTOOPT', 92);
  });

  it('socket-level options are known on every socket type, cooked or raw', () => {
    for (const type of ['pair', 'pub', 'sub', 'req', 'rep', 'push', 'pull', 'surveyor', 'respondent', 'bus']) {
      for (const raw of [false, true]) expect(checkOption(type, raw, 'maxTtl', 4)).toBe(4);
    }
  });
});

describe('options through the socket API', () => {
  it('a new socket has the defaults, named after its number', () => {
    const s = testSocket('pair');
    expect(s.getOption('sendTimeout')).toBe(-1);
    expect(s.getOption('recvMaxSize')).toBe(1048576);
    expect(s.getOption('socketName')).toBe(String(s.index));
    expect(s.getOption('ipv4Only')).toBe(true);
  });

  it('socket() with an invalid option throws EINVAL and opens nothing', () => {
    const err = expectSpError(() => socket('pair', { sendPriority: 17 }), 'EINVAL', 22);
    expect(err.message).toContain('sendPriority');
    // the failed socket did not keep its number: the next socket gets the lowest free one
    const a = testSocket('pair');
    expectSpError(() => socket('pair', { maxTtl: 0 }), 'EINVAL', 22);
    const b = testSocket('pair');
    expect(b.index).toBe(a.index + 1);
  });

  it('socket() with an unknown option throws ENOPROTOOPT', () => {
    expectSpError(() => socket('pair', { nope: 1 } as never), 'ENOPROTOOPT', 92);
  });

  it('socket() applies valid options and normalises them', () => {
    const s = testSocket('pub', { sendPriority: 1, ipv4Only: 0 as unknown as boolean, socketName: 'feed' });
    expect(s.getOption('sendPriority')).toBe(1);
    expect(s.getOption('ipv4Only')).toBe(false);
    expect(s.getOption('socketName')).toBe('feed');
  });

  it('setOption validates and stores; getOption reads back', () => {
    const s = testSocket('pair');
    s.setOption('recvTimeout', 250);
    expect(s.getOption('recvTimeout')).toBe(250);
    s.setOption('wsMessageType', 1 as never);
    expect(s.getOption('wsMessageType')).toBe('text');
  });

  it("setOption('linger', 'x') throws EINVAL and keeps the old value", () => {
    const s = testSocket('pair');
    s.setOption('linger', 200);
    expectSpError(() => s.setOption('linger', 'x'), 'EINVAL', 22);
    expect(s.getOption('linger')).toBe(200);
  });

  it("getOption('nope') and setOption('nope') throw ENOPROTOOPT", () => {
    const s = testSocket('pair');
    expectSpError(() => s.getOption('nope'), 'ENOPROTOOPT', 92);
    expectSpError(() => s.setOption('nope', 1), 'ENOPROTOOPT', 92);
  });

  it('refuses protocol options of other socket types through the socket too', () => {
    const s = testSocket('push');
    expectSpError(() => s.getOption('resendInterval'), 'ENOPROTOOPT', 92);
    expectSpError(() => s.setOption('surveyDeadline', 10), 'ENOPROTOOPT', 92);
  });

  it('getOption hands out a copy of tls, not the live object', () => {
    const s = testSocket('pair', { tls: { servername: 'a' } });
    const got = s.getOption('tls') as { servername?: string };
    got.servername = 'b';
    expect((s.getOption('tls') as { servername?: string }).servername).toBe('a');
  });

  it('options on a closed socket throw EBADF', async () => {
    const s = socket('pair', { linger: 0 });
    await s.close();
    expectSpError(() => s.getOption('linger'), 'EBADF', 9);
    expectSpError(() => s.setOption('linger', 0), 'EBADF', 9);
  });
});
