// Messaging with the npm `nanomsg` API: the old package's README example and the scenarios of
// its test suite, printed as JSON lines ({"k": scenario, "v": what was received}) so that the
// same script runs against the old native package and against nanosp/nanomsg.
// usage: node messaging.cjs <module path> <scratch dir> <JSON array of 16 free TCP ports>
'use strict';
const path = require('node:path');
const { Readable } = require('node:stream');
const nano = require(process.argv[2]);
const dir = process.argv[3];
const ports = JSON.parse(process.argv[4]);
const tcp = (i) => `tcp://127.0.0.1:${ports[i]}`;
const ws = (i) => `ws://127.0.0.1:${ports[i]}`;

function out(k, v) {
  process.stdout.write(JSON.stringify({ k, v: v === undefined ? '<undefined>' : v }) + '\n');
}

const scenarios = [];
function scenario(name, body) {
  scenarios.push([name, body]);
}

/** Call fn every `ms` until stop() (for peers that may not be connected yet: PUB, BUS, SURVEYOR). */
function every(ms, fn) {
  fn();
  const timer = setInterval(fn, ms);
  return () => clearInterval(timer);
}

async function main() {
  for (const [name, body] of scenarios) {
    const result = await new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ timeout: true }), 10000);
      body((value) => {
        clearTimeout(timer);
        resolve(value);
      });
    });
    out(name, result);
  }
}

// README "check it out"
scenario('readme.pubsub', (done) => {
  const pub = nano.socket('pub');
  const sub = nano.socket('sub');
  const addr = tcp(0);
  pub.bind(addr);
  sub.connect(addr);
  let stop;
  sub.on('data', (buf) => {
    stop();
    pub.close();
    sub.close();
    done(String(buf));
  });
  stop = every(20, () => pub.send('Hello from nanomsg!'));
});

for (const [transport, addr] of [['inproc', 'inproc://msg-pubsub'], ['tcp', tcp(1)], ['ipc', 'ipc://' + path.join(dir, 'pubsub.ipc')], ['ws', ws(12)]]) {
  scenario(`${transport}.pubsub`, (done) => {
    const pub = nano.socket('pub');
    const subs = [nano.socket('sub'), nano.socket('sub'), nano.socket('sub')];
    pub.bind(addr);
    const got = new Set();
    let stop;
    subs.forEach((sub, i) => {
      sub.connect(addr);
      sub.on('data', (buf) => {
        got.add(`sub${i}:${buf}`);
        if (got.size === 3) {
          stop();
          pub.close();
          subs.forEach((s) => s.close());
          done([...got].sort());
        }
      });
    });
    stop = every(20, () => pub.send('hello world'));
  });
}

for (const [transport, addr] of [['inproc', 'inproc://msg-pair'], ['tcp', tcp(2)], ['ipc', 'ipc://' + path.join(dir, 'pair.ipc')], ['ws', ws(13)]]) {
  scenario(`${transport}.pair`, (done) => {
    const s1 = nano.socket('pair');
    const s2 = nano.socket('pair');
    s1.bind(addr);
    s2.connect(addr);
    const got = [];
    s1.on('data', (buf) => {
      got.push(`s1:${buf}`);
      s1.send('back');
    });
    s2.on('data', (buf) => {
      got.push(`s2:${buf}`);
      s1.close();
      s2.close();
      done(got);
    });
    s2.send('hello world');
  });
}

for (const [transport, addr] of [['inproc', 'inproc://msg-reqrep'], ['tcp', tcp(3)], ['ws', ws(14)]]) {
  scenario(`${transport}.reqrep`, (done) => {
    const req = nano.socket('req');
    const rep = nano.socket('rep');
    rep.bind(addr);
    req.connect(addr);
    const got = [];
    rep.on('data', (buf) => {
      got.push(`rep:${buf}`);
      rep.send(`who's there? (${buf})`);
    });
    let n = 0;
    req.on('data', (buf) => {
      got.push(`req:${buf}`);
      if (++n === 3) {
        req.close();
        rep.close();
        done(got);
      } else {
        req.send(`knock ${n}`);
      }
    });
    req.send('knock 0');
  });
}

scenario('tcp.reqrep.two-clients', (done) => {
  // test/bug105.js: two REQ sockets hammering one REP
  const server = nano.socket('rep', { encoding: 'utf8' });
  server.bind(tcp(4));
  const clients = [nano.socket('req', { encoding: 'utf8' }), nano.socket('req', { encoding: 'utf8' })];
  let answered = 0;
  const stops = [];
  server.on('data', (data) => {
    server.send(data);
    if (++answered === 10) {
      stops.forEach((stop) => stop());
      clients.forEach((c) => c.close());
      server.close();
      done({ answered, type: typeof data });
    }
  });
  clients.forEach((c, i) => {
    c.connect(tcp(4));
    stops.push(every(5, () => c.send(String(i))));
  });
});

scenario('inproc.survey', (done) => {
  const sur = nano.socket('surveyor');
  const resps = [nano.socket('respondent'), nano.socket('respondent'), nano.socket('respondent')];
  sur.bind('inproc://msg-survey');
  resps.forEach((r, i) => {
    r.connect('inproc://msg-survey');
    r.on('data', (buf) => r.send(`r${i}: who's there? (${buf})`));
  });
  const got = new Set();
  let stop;
  sur.on('data', (buf) => {
    got.add(String(buf));
    if (got.size === 3) {
      stop();
      sur.close();
      resps.forEach((r) => r.close());
      done([...got].sort());
    }
  });
  // a survey that went out before all respondents were connected misses some: ask again
  stop = every(300, () => {
    got.clear();
    sur.send('knock knock');
  });
});

scenario('inproc.bus', (done) => {
  const addrs = ['inproc://msg-bus0', 'inproc://msg-bus1', 'inproc://msg-bus2'];
  const buses = addrs.map((addr) => {
    const bus = nano.socket('bus');
    bus.bind(addr);
    return bus;
  });
  for (let i = 0; i < 3; i++) for (let j = i + 1; j < 3; j++) buses[i].connect(addrs[j]);
  const heard = buses.map(() => new Set());
  let stop;
  buses.forEach((bus, i) => {
    bus.on('data', (buf) => {
      heard[i].add(String(buf));
      if (heard.every((h) => h.size === 2)) {
        stop();
        buses.forEach((b) => b.close());
        done(heard.map((h) => [...h].sort()));
      }
    });
  });
  stop = every(20, () => buses.forEach((bus, i) => bus.send(addrs[i])));
});

// WebSocket text frames (README: socket.wsopt)
scenario('ws.wsopt-text', (done) => {
  const a = nano.socket('pair');
  const b = nano.socket('pair', { encoding: 'utf8' });
  const set = a.wsopt('text');
  a.bind(ws(15));
  b.connect(ws(15));
  b.on('data', (m) => {
    const now = a.wsopt();
    a.close();
    b.close();
    done({ set, now, m });
  });
  a.send('héllo in a text frame');
});

// test/chan.js
scenario('chan.registered-by-constructor', (done) => {
  const pub = nano.socket('pub');
  const sub = nano.socket('sub', { chan: ['foo', 'hello'] });
  pub.bind('inproc://msg-prefixed1');
  sub.connect('inproc://msg-prefixed1');
  const got = [];
  sub.on('data', (buf) => {
    got.push(String(buf));
    if (got.length === 2) {
      sub.close();
      pub.close();
      done(got);
    }
  });
  pub.send('foo world');
  pub.send('bar world');
  pub.send('hi world');
  process.nextTick(() => pub.send('hello world'));
});

scenario('chan.registered-after-creation', (done) => {
  const pub = nano.socket('pub');
  const sub = nano.socket('sub');
  pub.bind('inproc://msg-prefixed2');
  sub.connect('inproc://msg-prefixed2');
  sub.chan(['foo', 'hello']);
  const got = [];
  sub.on('data', (buf) => {
    got.push(String(buf));
    if (got.length === 2) {
      sub.close();
      pub.close();
      done(got);
    }
  });
  pub.send('foo world');
  pub.send('bar world');
  pub.send('hi world');
  process.nextTick(() => pub.send('hello world'));
});

scenario('chan.rmchan-one-by-one', (done) => {
  const pub = nano.socket('pub');
  const sub = nano.socket('sub', { chan: ['foo', 'bar', 'hi', 'hello'] });
  pub.bind('inproc://msg-prefixed3');
  sub.connect('inproc://msg-prefixed3');
  const got = [];
  sub.on('data', (buf) => {
    const msg = String(buf);
    got.push(msg);
    if (got.length === 1) sub.rmchan('foo');
    else if (got.length === 2) sub.rmchan('bar');
    else if (got.length === 3) sub.rmchan('hi');
    else if (got.length === 5) {
      sub.close();
      pub.close();
      done(got);
    }
  });
  // each step waits for the previous message, so that rmchan has run before the next batch
  const batches = [['foo world'], ['bar world', 'foo world'], ['hi world', 'bar world', 'foo world'], ['hello world', 'hi world', 'bar world', 'foo world'], ['hi world', 'bar world', 'foo world', 'hello world']];
  let step = 0;
  const sendBatch = () => batches[step++].forEach((m) => pub.send(m));
  sub.on('data', () => {
    if (step < batches.length) sendBatch();
  });
  sendBatch();
});

scenario('chan.default-gets-everything', (done) => {
  const pub = nano.socket('pub');
  const sub = nano.socket('sub');
  pub.bind('inproc://msg-default');
  sub.connect('inproc://msg-default');
  const got = [];
  sub.on('data', (buf) => {
    got.push(String(buf));
    if (got.length === 1) pub.send('bar world');
    if (got.length === 2) {
      sub.close();
      pub.close();
      done(got);
    }
  });
  pub.send('foo world');
});

// test/send.js
scenario('send.payloads', (done) => {
  const pub = nano.socket('pub');
  const sub = nano.socket('sub');
  pub.bind('inproc://msg-send');
  sub.connect('inproc://msg-send');
  const sent = ['hi', Buffer.from('hello'), Math.pow(2, 42), 'héllo wörld', new Uint8Array([0, 1, 2]), Buffer.alloc(0)];
  const returned = sent.map((m) => pub.send(m));
  const got = [];
  sub.on('data', (buf) => {
    got.push([Buffer.isBuffer(buf), buf.length, buf.toString('hex')]);
    if (got.length === sent.length) {
      pub.close();
      sub.close();
      done({ returned: returned.map((r) => (r === undefined ? '<undefined>' : r)), got });
    }
  });
});

// test/pushstress.js (fewer messages)
scenario('encoding.pushstress', (done) => {
  const pull = nano.socket('pull', { encoding: 'utf8' });
  const push = nano.socket('push');
  pull.connect(tcp(5));
  push.bind(tcp(5));
  const msg = 'hello from nanomsg stream api';
  let n = 0;
  const types = new Set();
  pull.on('data', (data) => {
    types.add(typeof data);
    if (data === msg && ++n === 500) {
      const v = { n, types: [...types], dontwait: [push.dontwait(), push.nndontwait, pull.dontwait(), pull.nndontwait] };
      push.close();
      pull.close();
      done(v);
    }
  });
  for (let i = 0; i < 500; i++) push.send(msg);
});

scenario('encoding.setEncoding-hex', (done) => {
  const a = nano.socket('pair');
  const b = nano.socket('pair');
  a.bind('inproc://msg-hex');
  b.connect('inproc://msg-hex');
  b.setEncoding('hex');
  b.on('data', (m) => {
    a.close();
    b.close();
    done([typeof m, m]);
  });
  a.send(Buffer.from([1, 2, 255]));
});

// test/transform.js (hooks set on the instances rather than the prototype)
scenario('transform-restore', (done) => {
  const pub = nano.socket('pub');
  const sub = nano.socket('sub');
  pub.transform = (buf) => Buffer.concat([Buffer.from([0x00]), Buffer.isBuffer(buf) ? buf : Buffer.from(buf)]);
  sub.restore = (buf) => Buffer.concat([Buffer.from([0xff]), buf]);
  pub.bind('inproc://msg-transform');
  sub.connect('inproc://msg-transform');
  sub.on('data', (buf) => {
    pub.close();
    sub.close();
    done([buf[0], buf[1], buf.slice(2).toString()]);
  });
  pub.send('hello world');
});

// test/streams.js: SUB piped into PUSH, read from PULL
scenario('streams.sub-pipe-push', (done) => {
  const pub = nano.socket('pub', { tcpnodelay: true });
  const sub = nano.socket('sub', { tcpnodelay: true });
  const push = nano.socket('push');
  const pull = nano.socket('pull');
  pull.setEncoding('utf8');
  pub.bind(tcp(6));
  sub.connect(tcp(6));
  pull.bind(tcp(7));
  push.connect(tcp(7));
  sub.pipe(push);
  let stopProbe;
  let recv = 0;
  const msg = 'hello from nanomsg pub socket!';
  pull.on('data', (m) => {
    if (m === 'probe') {
      if (stopProbe) {
        stopProbe();
        stopProbe = undefined;
        for (let i = 0; i < 1001; i++) pub.send(msg);
      }
      return;
    }
    if (m === msg && ++recv === 1001) {
      pub.close();
      push.close();
      pull.close();
      sub.close();
      done(recv);
    }
  });
  // the pipeline is up once a probe makes it through
  stopProbe = every(20, () => pub.send('probe'));
});

scenario('streams.readable-pipe-into-push', (done) => {
  const pull = nano.socket('pull', { encoding: 'utf8' });
  const push = nano.socket('push');
  pull.bind('inproc://msg-readable');
  push.connect('inproc://msg-readable');
  const got = [];
  let finished = false;
  push.on('finish', () => (finished = true));
  pull.on('data', (m) => {
    got.push(m);
    if (got.length === 3) {
      pull.close();
      push.close();
      done({ got, finished });
    }
  });
  Readable.from(['a', 'b', 'c']).pipe(push);
});

scenario('stream.buffered-before-listener', (done) => {
  const pull = nano.socket('pull');
  const push = nano.socket('push');
  pull.bind('inproc://msg-buffered');
  push.connect('inproc://msg-buffered');
  push.send('one');
  push.send('two');
  const timer = setInterval(() => {
    if (pull.readableLength < 2) return;
    clearInterval(timer);
    const before = pull.readableLength;
    const got = [];
    pull.on('data', (m) => {
      got.push(String(m));
      if (got.length === 2) {
        pull.close();
        push.close();
        done({ before, got });
      }
    });
  }, 5);
});

scenario('push.before-peer', (done) => {
  const push = nano.socket('push');
  const pull = nano.socket('pull', { encoding: 'utf8' });
  push.send('early1');
  push.send('early2');
  setImmediate(() => {
    pull.bind('inproc://msg-early');
    push.connect('inproc://msg-early');
    const got = [];
    pull.on('data', (m) => {
      got.push(m);
      if (got.length === 2) {
        pull.close();
        push.close();
        done(got);
      }
    });
  });
});

// test/shutdown.js: five PUBs into one SUB, shut down one by one
scenario('shutdown.five-pubs', (done) => {
  const pubs = [8, 9, 10, 11, 12].map((i) => {
    const p = nano.socket('pub');
    p.bind(tcp(i - 1));
    return p;
  });
  const sub = nano.socket('sub');
  const addrs = [7, 8, 9, 10, 11].map(tcp);
  const eids = addrs.map((a) => sub.connect(a));
  const before = Object.keys(sub.connected).length;
  const remaining = [];
  const results = [];
  let i = 0;
  const shut = new Set();
  sub.on('data', (msg) => {
    const m = /^hello from p(\d)$/.exec(String(msg));
    if (!m) return;
    const k = Number(m[1]);
    if (k === 1 && i < 10) i++;
    if (i === 10 && !shut.has(k)) {
      shut.add(k);
      results.push([k, sub.shutdown(addrs[k - 1])]);
      remaining.push(Object.keys(sub.connected).length);
      if (shut.size === 5) {
        stop();
        pubs.forEach((p) => p.close());
        sub.close();
        // which PUB is shut down when depends on arrival order: report in PUB order
        done({ eids, before, remaining, results: results.sort((a, b) => a[0] - b[0]) });
      }
    }
  });
  const stop = every(5, () => pubs.forEach((p, k) => p.send(`hello from p${k + 1}`)));
});

main().then(() => out('end', true));
