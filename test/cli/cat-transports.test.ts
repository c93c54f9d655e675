/**
 * `nanosp cat` over its other addresses: nanocat's shorthands -X/-x (ipc://PATH) and -L/-l
 * (tcp://127.0.0.1:PORT) against nanocat and nngcat, which know the same letters, and
 * tls+tcp:// with nngcat's --cert/--key/--cacert against nngcat (NNG built with mbedTLS) and
 * against another nanosp cat (the key read from the certificate's file, --insecure).
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { whilePeerRuns } from '../helpers/interop.js';
import { describePeer, freePort, hasCommand } from '../helpers/peers.js';
import { exitOf, expectPrintedRepeats, hexOf, makeCertificate, printed, reference, startNanospCat, startRaw, useTempDir } from './cat-helpers.js';
import { FROM_NANOSP, FROM_PEER } from './cat-interop-cases.js';

const temp = useTempDir();
let fromNanosp = '';
let fromPeer = '';
beforeAll(() => {
  fromNanosp = temp.file('from-nanosp.bin', FROM_NANOSP);
  fromPeer = temp.file('from-peer.bin', FROM_PEER);
});

let ipcCount = 0;
const ipcPath = () => temp.path(`cat-${++ipcCount}.ipc`);

describePeer('nanocat', 'nanosp cat: -X/-x and -L/-l with nanocat', () => {
  it('-X PATH: nanosp cat PULL binds ipc://PATH, nanocat PUSH connects with -x PATH', async () => {
    const path = ipcPath();
    const cat = startNanospCat(['--pull', '-X', path, '-Q']);
    startRaw('nanocat', ['--push', '-x', path, '-F', fromPeer, '-i', '0.1']);
    await expectPrintedRepeats(cat, await reference('quoted', FROM_PEER));
  });

  it('-x PATH: nanosp cat PUSH connects to the ipc://PATH nanocat PULL binds with -X, sends once and ends', async () => {
    const path = ipcPath();
    const them = startRaw('nanocat', ['--pull', '-X', path, '--hex']);
    const cat = startNanospCat(['--push', '-x', path, '-F', fromNanosp]);
    await expectPrintedRepeats(them, await reference('hex', FROM_NANOSP));
    expect(await exitOf(cat)).toEqual({ code: 0, signal: null });
    expect(hexOf(printed(them))).toBe(hexOf(await reference('hex', FROM_NANOSP)));
  });

  it('-L PORT: PAIR, nanosp cat binding tcp://127.0.0.1:PORT, nanocat connecting with -l PORT', async () => {
    const port = String(await freePort());
    const cat = startNanospCat(['--pair', '-L', port, '-A', '-F', fromNanosp, '-i', '0.1']);
    const them = startRaw('nanocat', ['--pair', '-l', port, '-Q', '-F', fromPeer, '-i', '0.1']);
    await Promise.all([whilePeerRuns(them, expectPrintedRepeats(cat, await reference('ascii', FROM_PEER))), whilePeerRuns(cat, expectPrintedRepeats(them, await reference('quoted', FROM_NANOSP)))]);
  });

  it('-l PORT: PAIR, nanosp cat connecting to the tcp://127.0.0.1:PORT nanocat binds with -L PORT', async () => {
    const port2 = String(await freePort());
    const them2 = startRaw('nanocat', ['--pair', '-L', port2, '-Q', '-F', fromPeer, '-i', '0.1']);
    const cat2 = startNanospCat(['--pair', '-l', port2, '--msgpack', '-F', fromNanosp, '-i', '0.1']);
    await Promise.all([whilePeerRuns(them2, expectPrintedRepeats(cat2, await reference('msgpack', FROM_PEER))), whilePeerRuns(cat2, expectPrintedRepeats(them2, await reference('quoted', FROM_NANOSP)))]);
  });
});

describePeer('nngcat', 'nanosp cat: ipc:// with nngcat', () => {
  it('nanosp cat SUB binds with -X PATH, nngcat PUB dials ipc://PATH', async () => {
    const path = ipcPath();
    const cat = startNanospCat(['--sub', '-X', path, '--hex']);
    startRaw('nngcat', ['--pub0', '--async', '--dial', `ipc://${path}`, '-F', fromPeer, '-i', '1']);
    await expectPrintedRepeats(cat, await reference('hex', FROM_PEER));
  });

  it('nanosp cat PUSH dials with -x PATH the ipc://PATH nngcat PULL listens on, sends once and ends', async () => {
    const path2 = ipcPath();
    const them = startRaw('nngcat', ['--pull0', '--listen', `ipc://${path2}`, '--hex']);
    const pusher = startNanospCat(['--push', '-x', path2, '-F', fromNanosp]);
    await expectPrintedRepeats(them, await reference('hex', FROM_NANOSP));
    expect(await exitOf(pusher)).toEqual({ code: 0, signal: null });
  });
});

const describeTls = hasCommand('openssl') ? describe : describe.skip;

describeTls('nanosp cat: tls+tcp:// with --cert, --key, --cacert, --insecure', () => {
  let cert = { certFile: '', keyFile: '' };
  let combined = '';
  beforeAll(() => {
    cert = makeCertificate(temp, 'server');
    combined = temp.file('server-with-key.pem', Buffer.concat([readFileSync(cert.certFile), readFileSync(cert.keyFile)]));
  });

  describePeer('nngcat', 'with nngcat (NNG with mbedTLS)', () => {
    it('nanosp cat listens with --cert and --key; nngcat dials trusting it with --cacert', async () => {
      const port = await freePort();
      const cat = startNanospCat(['--pull', '--bind', `tls+tcp://127.0.0.1:${port}`, '--cert', cert.certFile, '--key', cert.keyFile, '-Q']);
      // by name: NNG's mbedTLS does not match 127.0.0.1 to the certificate's IP address (nngcat to nngcat fails alike)
      startRaw('nngcat', ['--push0', '--async', '--dial', `tls+tcp://localhost:${port}`, '--cacert', cert.certFile, '-F', fromPeer, '-i', '1']);
      await expectPrintedRepeats(cat, await reference('quoted', FROM_PEER));
      expect(cat.stderr).toBe('');
    });

    it('nngcat listens with its certificate; nanosp cat dials trusting it with --cacert, sends once and ends', async () => {
      const url = `tls+tcp://127.0.0.1:${await freePort()}`;
      const them = startRaw('nngcat', ['--pull0', '--listen', url, '--cert', cert.certFile, '--key', cert.keyFile, '--hex']);
      const cat = startNanospCat(['--push', '--connect', url, '--cacert', cert.certFile, '-F', fromNanosp]);
      await expectPrintedRepeats(them, await reference('hex', FROM_NANOSP));
      expect(await exitOf(cat)).toEqual({ code: 0, signal: null });
    });
  });

  it('nanosp cat to nanosp cat: the key read from the --cert file when --key is not given; --insecure dials without verifying', async () => {
    const url = `tls+tcp://127.0.0.1:${await freePort()}`;
    const server = startNanospCat(['--rep', '--bind', url, '--cert', combined, '-F', fromNanosp, '--hex']);
    const client = startNanospCat(['--req', '--connect', url, '--insecure', '-F', fromPeer, '--raw']);
    await expectPrintedRepeats(server, await reference('hex', FROM_PEER));
    expect(await exitOf(client)).toEqual({ code: 0, signal: null });
    expect(hexOf(printed(client))).toBe(hexOf(await reference('raw', FROM_NANOSP)));
  });

  it('a listener without a certificate: status 3 and what is missing', async () => {
    const cat = startNanospCat(['--pull', '--bind', `tls+tcp://127.0.0.1:${await freePort()}`]);
    expect(await exitOf(cat)).toEqual({ code: 3, signal: null });
    expect(cat.stderr).toMatch(/^Can't bind: Invalid argument\nnanosp cat: EINVAL .*certificate/);
  });
});
