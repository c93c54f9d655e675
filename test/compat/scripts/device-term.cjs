// Devices and term() with the npm `nanomsg` API (the old package's test/standalone scripts):
// a bidirectional PAIR device, a one-way PULL→PUSH device, a BUS loopback device, then
// term() and what a socket made afterwards does. Prints JSON lines ({"k": key, "v": value}).
// term() ends the library for the whole process, so this runs in a process of its own.
// usage: node device-term.cjs <module path>
'use strict';
const nano = require(process.argv[2]);

function out(k, v) {
  process.stdout.write(JSON.stringify({ k, v: v === undefined ? '<undefined>' : v }) + '\n');
}
/** The device error without its text, which the old package reads from a racy errno. */
const errnoLine = (err) => err.message.split('\n')[0];

function every(ms, fn) {
  fn();
  const timer = setInterval(fn, ms);
  return () => clearInterval(timer);
}

const steps = [];
const step = (name, body) => steps.push([name, body]);

step('device.arguments', (done) => {
  let threw;
  try {
    nano.device();
  } catch (err) {
    threw = err.message;
  }
  done({ threw, aliases: nano.device === nano.createDevice });
});

step('device.bidirectional', (done) => {
  const r1 = nano.socket('pair', { raw: 1 });
  const r2 = nano.socket('pair', { raw: 1 });
  r1.bind('inproc://device01');
  r2.bind('inproc://device02');
  const d = nano.device(r1, r2);
  const got = [];
  d.on('error', (err) => {
    got.push(errnoLine(err));
    done({ got, s2: d.s2 === r2.binding, s1: d.s1 === r1.binding });
  });
  const s1 = nano.socket('pair');
  const s2 = nano.socket('pair');
  s1.connect('inproc://device01');
  s2.connect('inproc://device02');
  s2.on('data', (buf) => {
    got.push(`s2:${buf}`);
    s2.send('World');
  });
  s1.on('data', (buf) => {
    got.push(`s1:${buf}`);
    s1.close();
    s2.close();
    r1.close();
    r2.close();
  });
  s1.send('Hello');
});

step('device.unidirectional', (done) => {
  const r1 = nano.socket('pull', { raw: true });
  const r2 = nano.socket('push', { raw: true });
  r1.bind('inproc://device1');
  r2.bind('inproc://device2');
  const d = nano.device(r1, r2);
  const got = [];
  d.on('error', (err) => {
    got.push(errnoLine(err));
    done(got);
  });
  const s1 = nano.socket('push');
  const s2 = nano.socket('pull');
  s1.connect('inproc://device1');
  s2.connect('inproc://device2');
  s2.on('data', (buf) => {
    got.push(`s2:${buf}`);
    s1.close();
    s2.close();
    r2.close();
    r1.close();
  });
  s1.send('Hello');
});

step('device.not-raw', (done) => {
  const a = nano.socket('pair');
  const b = nano.socket('pair');
  const d = nano.device(a, b);
  d.on('error', (err) => {
    a.close();
    b.close();
    done(errnoLine(err));
  });
});

step('device.loopback-then-term', (done) => {
  const r1 = nano.socket('bus', { raw: true });
  r1.bind('inproc://device-bus');
  const d = nano.device(r1);
  const got = [];
  d.on('error', (err) => {
    got.push(errnoLine(err));
    got.push(['close after term', r1.close()]);
    done({ got, s2: d.s2 });
  });
  const s1 = nano.socket('bus');
  const s2 = nano.socket('bus');
  s1.connect('inproc://device-bus');
  s2.connect('inproc://device-bus');
  let stop;
  s2.on('data', (buf) => {
    if (!stop) return;
    stop();
    stop = undefined;
    got.push(`s2:${buf}`);
    s1.close();
    s2.close();
    // the old package's only way to end a device
    got.push(['term', nano.term()]);
  });
  // the loopback forwards what s1 sends to s2 once both are connected
  stop = every(20, () => s1.send('Hello'));
});

step('after-term', (done) => {
  const s = nano.socket('pub');
  const errors = [];
  s.on('error', (err) => errors.push(err.message));
  const eid = s.bind('inproc://after-term');
  done({ binding: s.binding, eid, errors, sndbuf: s.sndbuf() === undefined, close: s.close() });
});

(async () => {
  for (const [name, body] of steps) {
    const value = await new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ timeout: true }), 10000);
      body((v) => {
        clearTimeout(timer);
        resolve(v);
      });
    });
    out(name, value);
  }
  out('end', true);
})();
