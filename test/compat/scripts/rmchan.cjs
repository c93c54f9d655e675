// rmchan with messages already received: a SUB subscribed with chan(['foo', 'bar']) has
// 'foo 1', 'bar 1', 'foo 2' waiting (read from the socket into the paused stream's buffer, as
// both the old package's poll and nanosp's receive loop do), then rmchan('foo'), then reads on.
// Printed as JSON lines ({"k": scenario, "v": what was received}) so that the same script runs
// against the old native package and against nanosp/nanomsg.
// usage: node rmchan.cjs <module path> <scratch dir> <JSON array of 16 free TCP ports>
'use strict';
const nano = require(process.argv[2]);
const ports = JSON.parse(process.argv[4]);
const tcp = (i) => `tcp://127.0.0.1:${ports[i]}`;

function out(k, v) {
  process.stdout.write(JSON.stringify({ k, v: v === undefined ? '<undefined>' : v }) + '\n');
}

const scenarios = [];
function scenario(name, body) {
  scenarios.push([name, body]);
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

/**
 * Resolves once `sub` has received `text` from `pub`; with `every`, sent again every that many
 * ms until then (PUB drops what it sends before SUB is connected), else sent once.
 */
function synced(pub, sub, text, every) {
  return new Promise((resolve) => {
    const onData = (buf) => {
      if (String(buf) !== text) return;
      clearInterval(timer);
      sub.removeListener('data', onData);
      resolve();
    };
    sub.on('data', onData);
    const timer = every ? setInterval(() => pub.send(text), every) : undefined;
    pub.send(text);
  });
}

/** Resolves once the paused stream holds `n` messages. */
function buffered(sub, n) {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      if (sub.readableLength < n) return;
      clearInterval(timer);
      resolve(sub.readableLength);
    }, 5);
  });
}

/**
 * SUB with chan(topics), connected to a PUB over TCP and in step with it: every message sent
 * before `ready` resolved has been received and thrown away, and the stream is paused.
 */
async function connected(i, topics) {
  const pub = nano.socket('pub');
  const sub = nano.socket('sub');
  sub.chan(topics);
  pub.bind(tcp(i));
  sub.connect(tcp(i));
  const probes = [];
  const count = (buf) => probes.push(String(buf));
  sub.on('data', count);
  await synced(pub, sub, 'bar probe', 20);
  // connected now: probes still in flight come before this one, so after it the line is clear
  await synced(pub, sub, 'bar sync');
  sub.removeListener('data', count);
  sub.pause();
  return { pub, sub };
}

/** Read on from a paused `sub` until `last` arrives; everything received. */
function readUntil(sub, last) {
  return new Promise((resolve) => {
    const got = [];
    sub.on('data', (buf) => {
      got.push(String(buf));
      if (String(buf) === last) resolve(got);
    });
    sub.resume();
  });
}

scenario('rmchan.after-received', (done) => {
  (async () => {
    const { pub, sub } = await connected(0, ['foo', 'bar']);
    ['foo 1', 'bar 1', 'foo 2'].forEach((m) => pub.send(m));
    const before = await buffered(sub, 3);
    sub.rmchan('foo');
    const channels = Object.keys(sub.channels).sort();
    const reading = readUntil(sub, 'bar end');
    pub.send('bar end');
    const got = await reading;
    pub.close();
    sub.close();
    done({ before, channels, got });
  })();
});

scenario('rmchan.overlapping-topic', (done) => {
  (async () => {
    const { pub, sub } = await connected(1, ['foo', 'fo', 'bar']);
    ['foo 1', 'fox 1', 'bar 1'].forEach((m) => pub.send(m));
    const before = await buffered(sub, 3);
    sub.rmchan('foo');
    const reading = readUntil(sub, 'bar end');
    // sent after rmchan: 'foo 2' still matches 'fo', 'baz' matches nothing
    ['foo 2', 'baz 1', 'bar end'].forEach((m) => pub.send(m));
    const got = await reading;
    pub.close();
    sub.close();
    done({ before, channels: Object.keys(sub.channels).sort(), got });
  })();
});

scenario('rmchan.later-messages', (done) => {
  (async () => {
    const { pub, sub } = await connected(2, ['foo', 'bar']);
    sub.rmchan('foo');
    const reading = readUntil(sub, 'bar end');
    ['foo 1', 'bar 1', 'foo 2', 'bar end'].forEach((m) => pub.send(m));
    const got = await reading;
    pub.close();
    sub.close();
    done({ channels: Object.keys(sub.channels).sort(), got });
  })();
});

main().then(() => out('end', true));
