// The page's side: plain ES modules from the package, no bundler, nothing from elsewhere.
import { socket } from './nanosp/browser/index.js';

const origin = `ws://${location.host}`;
const feedView = document.querySelector('#feed');
const answerView = document.querySelector('#answer');
const topicPicker = document.querySelector('#topic');
const text = (bytes) => new TextDecoder().decode(bytes);

// SUB: reconnects by itself if the server goes away; topics are filtered by the socket
const sub = socket('sub', { reconnectInterval: 200, reconnectIntervalMax: 5000 });
let topic = topicPicker.value;
sub.subscribe(topic);
sub.connect(`${origin}/feed`);
topicPicker.addEventListener('change', () => {
  sub.unsubscribe(topic);
  topic = topicPicker.value;
  sub.subscribe(topic);
});
const lines = [];
(async () => {
  for await (const message of sub) {
    lines.push(text(message));
    if (lines.length > 6) lines.shift();
    feedView.textContent = lines.join('\n');
  }
})();

// REQ: each request gets its own id; an unanswered one is resent after resendInterval
const req = socket('req', { recvTimeout: 5000, resendInterval: 1000 });
req.connect(`${origin}/ask`);
document.querySelector('#send').addEventListener('click', async () => {
  const question = document.querySelector('#question').value;
  try {
    await req.send(question);
    answerView.textContent = text(await req.recv());
    answerView.className = '';
  } catch (err) {
    // an SpError, with the same codes as in Node: ETIMEDOUT, EFSM, …
    answerView.textContent = `${err.code}: ${err.message}`;
    answerView.className = 'error';
  }
});
