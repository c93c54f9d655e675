// The npm `nanomsg` API surface, printed as JSON lines ({"k": key, "v": value}) so that the
// same script can run against the old native package and against nanosp/nanomsg.
// usage: node api.cjs <module path> <scratch dir>
'use strict';
const path = require('node:path');
const nano = require(process.argv[2]);
const dir = process.argv[3];

function out(k, v) {
  process.stdout.write(JSON.stringify({ k, v: v === undefined ? '<undefined>' : v }) + '\n');
}
function attempt(fn) {
  try {
    return { ok: fn() };
  } catch (err) {
    return { threw: err.constructor.name, message: err.message };
  }
}
/** Run fn, collecting 'error' events on sock; returns [result, error messages]. */
function withErrors(sock, fn) {
  const errors = [];
  const onError = (err) => errors.push(err.message);
  sock.on('error', onError);
  const result = attempt(fn);
  sock.removeListener('error', onError);
  return [result, errors];
}

const TYPES = ['pair', 'pub', 'sub', 'req', 'rep', 'push', 'pull', 'surveyor', 'respondent', 'bus'];
const GETTERS = ['linger', 'sndbuf', 'rcvbuf', 'sndtimeo', 'rcvtimeo', 'reconn', 'maxreconn', 'sndprio', 'rcvprio', 'rcvmaxsize', 'maxttl', 'ipv6', 'tcpnodelay', 'wsopt', 'dontwait'];

// ---- module ----------------------------------------------------------------------------
for (const name of ['socket', 'createSocket', 'Socket', 'device', 'createDevice', 'symbol', 'symbolInfo', 'term']) {
  out(`export.${name}`, typeof nano[name]);
}
out('export.aliases', [nano.socket === nano.createSocket, nano.device === nano.createDevice]);
const numeric = Object.keys(nano._bindings).filter((k) => typeof nano._bindings[k] === 'number').sort();
out('bindings', numeric.map((k) => [k, nano._bindings[k]]));

// ---- symbols ---------------------------------------------------------------------------
const infos = [];
for (let i = 0; i <= 125; i++) infos.push(nano.symbolInfo(i) === undefined ? null : nano.symbolInfo(i));
out('symbolInfo', infos);
const names = [];
for (let i = 0; i <= 121; i++) names.push(attempt(() => nano.symbol(i)));
out('symbol', names);
out('symbol.odd', [attempt(() => nano.symbol(-1)), attempt(() => nano.symbol('3')), attempt(() => nano.symbol(2.9)), attempt(() => nano.symbol(undefined))]);
out('symbolInfo.odd', [nano.symbolInfo(-1) === undefined, nano.symbolInfo('28')]);

// ---- socket types ----------------------------------------------------------------------
out('type.unknown', attempt(() => nano.socket('foo')));
out('type.missing', attempt(() => nano.socket()));
for (const type of TYPES) {
  for (const raw of [false, true]) {
    const s = nano.socket(type, raw ? { raw: true } : undefined);
    out(`type.${type}${raw ? '.raw' : ''}`, {
      type: s.type,
      af_domain: s.af_domain,
      protocol: s.protocol,
      sender: s.sender,
      receiver: s.receiver,
      channels: s.channels,
      bound: s.bound,
      connected: s.connected,
      nndontwait: s.nndontwait,
      binding: typeof s.binding,
      instanceOfSocket: s instanceof nano.Socket,
      readableObjectMode: s.readableObjectMode,
      writableObjectMode: s.writableObjectMode,
      getters: Object.fromEntries(GETTERS.map((g) => [g, attempt(() => s[g]())])),
    });
    s.close();
  }
}

// ---- option setters (test/sockoptapi.js and more) ---------------------------------------
{
  const s = nano.socket('push', { tcpnodelay: true, linger: 3000, sndbuf: 202400 });
  out('ctor.opts', [s.tcpnodelay(), s.linger(), s.sndbuf()]);
  const sets = [
    ['tcpnodelay', false], ['tcpnodelay', true], ['tcpnodelay', 'yes'], ['tcpnodelay', 0],
    ['linger', 5000], ['linger', 'x'], ['sndbuf', 1024], ['sndbuf', 0], ['sndbuf', -1],
    ['rcvbuf', 102400], ['sndtimeo', 500], ['sndtimeo', 1.7], ['rcvtimeo', 200], ['rcvtimeo', -5],
    ['reconn', 500], ['reconn', -5], ['maxreconn', 100000], ['maxreconn', -1],
    ['sndprio', 3], ['sndprio', 0], ['sndprio', 17], ['sndprio', 'abc'], ['rcvprio', 10], ['rcvprio', 16],
    ['rcvmaxsize', 10000000], ['rcvmaxsize', -1], ['rcvmaxsize', -2],
    ['ipv6', true], ['ipv6', 0], ['maxttl', 12], ['maxttl', 0], ['maxttl', 256], ['maxttl', 255],
    ['wsopt', 'text'], ['wsopt', 'binary'], ['wsopt', 'foo'], ['wsopt', 'constructor'],
    ['dontwait', true], ['dontwait', 0], ['dontwait', 'y'],
  ];
  for (const [name, value] of sets) {
    out(`set.${name}(${JSON.stringify(value)})`, [attempt(() => s[name](value)), attempt(() => s[name]())]);
  }
  out('get.undefined-arg', [attempt(() => s.sndbuf(undefined)), attempt(() => s.ipv6(undefined)), s.ipv6()]);
  s.close();
  const pull = nano.socket('pull');
  out('dontwait.pull', [pull.dontwait(), pull.nndontwait]);
  pull.close();
  const p2 = nano.socket('push', { dontwait: true });
  const p3 = nano.socket('pull', { dontwait: false });
  out('dontwait.ctor', [p2.dontwait(), p2.nndontwait, p3.dontwait(), p3.nndontwait]);
  p2.close();
  p3.close();
  out('ctor.bad-option', attempt(() => nano.socket('pub', { sndprio: 99 })));
  out('ctor.bad-chan', attempt(() => nano.socket('sub', { chan: 'x' })));
  out('ctor.chan-on-pub', attempt(() => nano.socket('pub', { chan: ['x'] })));
  const all = nano.socket('sub', {
    chan: ['x', 'y'], encoding: 'utf8', linger: 500, sndbuf: 1000, rcvbuf: 2000, sndtimeo: 10, rcvtimeo: 20,
    reconn: 30, maxreconn: 40, sndprio: 2, rcvprio: 3, rcvmaxsize: 5000, maxttl: 9, ipv6: true, tcpnodelay: true,
    dontwait: false,
  });
  out('ctor.all', {
    channels: all.channels, encoding: all.readableEncoding,
    values: Object.fromEntries(GETTERS.map((g) => [g, all[g]()])),
  });
  all.close();
  const ws = nano.socket('pair', { wsopt: 'text' });
  out('ctor.wsopt', ws.wsopt());
  ws.close();
  const om = nano.socket('pair', { objectMode: false });
  out('ctor.objectMode-false', [om.readableObjectMode, om.writableObjectMode]);
  om.close();
}

// ---- subscriptions (test/chan.js) -------------------------------------------------------
{
  const sub = nano.socket('sub');
  const steps = [];
  const snap = (what) => steps.push([what, Object.keys(sub.channels).sort()]);
  snap('default');
  sub.chan(['a', 'b']);
  snap("chan(['a','b'])");
  sub.rmchan('a', 'zzz');
  snap("rmchan('a','zzz')");
  sub.chan(['']);
  snap("chan([''])");
  sub.chan([5]);
  snap('chan([5])');
  sub.rmchan('b', '5', '');
  snap("rmchan('b','5','')");
  out('chan.steps', steps);
  out('chan.not-array', attempt(() => sub.chan('a')));
  sub.close();
  const closedSub = nano.socket('sub', { chan: [] });
  out('chan.empty-ctor', closedSub.channels);
  closedSub.close();
  out('chan.after-close', withErrors(closedSub, () => closedSub.chan(['q'])));
  const pub = nano.socket('pub');
  out('chan.on-pub', withErrors(pub, () => pub.chan(['a'])));
  out('rmchan.on-pub', withErrors(pub, () => pub.rmchan('a')));
  pub.close();
}

// ---- endpoints (test/bind.js, test/connect.js, test/shutdown.js) ----------------------
{
  const long = 'inproc://' + new Array(nano._bindings.NN_SOCKADDR_MAX + 1).join('a');
  const bad = ['inproc:/missing_first_slash', long, 'tcp://', 'tcp://127.0.0.1:port', 'tcp://127.0.0.1:65536', 'zmq://127.0.0.1:6000', 'tcp://eth99:555', 'tcp://127.0.0.1', 'tcp://::1:5555', 'ws://127.0.0.1', 'tcp://127.0.0.1:0'];
  for (const verb of ['bind', 'connect']) {
    const s = nano.socket('pub');
    for (const addr of bad) out(`${verb}.bad ${addr.slice(0, 40)}`, withErrors(s, () => s[verb](addr)));
    s.close();
  }
  const s = nano.socket('pair');
  const ipc = 'ipc://' + path.join(dir, 'api.ipc');
  const results = [
    withErrors(s, () => s.bind('inproc://api-1')),
    withErrors(s, () => s.bind('tcp://127.0.0.1:port')),
    withErrors(s, () => s.bind(ipc)),
    withErrors(s, () => s.connect('inproc://api-2')),
    withErrors(s, () => s.connect('tcp://127.0.0.1:1')),
    withErrors(s, () => s.connect('tcp://nonexistent.invalid:5555')),
    withErrors(s, () => s.connect('ipc:///nonexistent/dir/x.ipc')),
  ];
  out('endpoints.ids', results);
  out('endpoints.maps', [s.bound, s.connected].map((m) => Object.entries(m).map(([a, e]) => [a.startsWith('ipc://' + dir) ? 'ipc://<dir>' : a, e])));
  out('shutdown', [
    withErrors(s, () => s.shutdown('inproc://api-1')),
    withErrors(s, () => s.shutdown('inproc://api-1')),
    withErrors(s, () => s.shutdown('inproc://never')),
    withErrors(s, () => s.shutdown('tcp://127.0.0.1:port')),
    withErrors(s, () => s.shutdown('tcp://127.0.0.1:1')),
    withErrors(s, () => s.shutdown(ipc)),
  ]);
  out('shutdown.maps', [Object.keys(s.bound), Object.keys(s.connected)]);
  s.close();
}

// ---- send (test/send.js) ----------------------------------------------------------------
{
  const pub = nano.socket('pub');
  pub.bind('inproc://api-send');
  out('send.returns', [
    pub.send('ABC'),
    pub.send('héllo'),
    pub.send(Buffer.from('héllo')),
    pub.send(Math.pow(2, 42)),
    pub.send(new Uint16Array([1, 2])),
    pub.send(''),
    pub.send('x', nano._bindings.NN_DONTWAIT),
  ]);
  out('send.unbound', nano.socket('pub').send('ABC'));
  pub.close();
}

// ---- close (test/close.js) --------------------------------------------------------------
{
  const s = nano.socket('pub');
  let closes = 0;
  s.on('close', () => closes++);
  const rc = s.close();
  out('close.first', [rc, closes]);
  const rc2 = s.close();
  out('close.second', [rc2, closes, s.closed]);
  out('closed.getters', GETTERS.map((g) => [g, attempt(() => s[g]())]));
  out('closed.setters', ['sndbuf', 'linger', 'ipv6', 'tcpnodelay', 'wsopt'].map((g) => [g, attempt(() => s[g](g === 'wsopt' ? 'text' : 100))]));
  out('closed.bind', withErrors(s, () => s.bind('inproc://after-close')));
  out('closed.connect', withErrors(s, () => s.connect('inproc://after-close')));
  out('closed.maps', [s.bound, s.connected]);
  // (send() after close is left out: the old package crashes there, see the vitest suite)
}
out('end', true);
