/**
 * `ws://` and `wss://` from a web page, over the browser's own WebSocket (spec/nng.md §5). A
 * page can only dial: `bind` is ENOTSUP. The connection asks for the *server's* SP protocol
 * name, as nanomsg, NNG and mangos expect; the browser refuses a server that answers with
 * another (or none), and the check after open covers runtimes that do not.
 */
import { spError } from '../sp/errors.js';
import type { Dialer, NewPipe, Transport, TransportContext } from '../sp/transport/transport.js';
import { wsProtocolName } from '../sp/transport/ws-names.js';
import { webSocketClass, type WebSocketLike } from './web-socket.js';
import { BrowserWsPipe } from './ws-pipe.js';

/** The URL as the browser's WebSocket takes it, or EINVAL saying what is wrong. */
function checkUrl(url: string, scheme: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw spError('EINVAL', `the address ${JSON.stringify(url)} is not a valid ${scheme}:// URL (${scheme}://host[:port][/path])`);
  }
  if (parsed.hostname === '') throw spError('EINVAL', `the address ${JSON.stringify(url)} has no host`);
  if (parsed.hash !== '') throw spError('EINVAL', `the address ${JSON.stringify(url)} has a #fragment, which a WebSocket URL may not have`);
  return parsed.href;
}

function dial(url: string, href: string, context: TransportContext, signal: AbortSignal): Promise<NewPipe> {
  const WebSocketImpl = webSocketClass();
  if (!WebSocketImpl) return Promise.reject(spError('ENOTSUP', `cannot connect to ${url}: this runtime has no global WebSocket`));
  const offered = wsProtocolName(context.protocol.peer);
  return new Promise<NewPipe>((resolve, reject) => {
    let ws: WebSocketLike;
    try {
      ws = new WebSocketImpl(href, offered);
    } catch (err) {
      // the browser refuses some URLs outright (a port it blocks, say)
      return reject(spError('EINVAL', `cannot connect to ${url}: the browser refused the URL: ${(err as Error)?.message ?? String(err)}`, err));
    }
    ws.binaryType = 'arraybuffer';
    const settle = () => {
      ws.onopen = null;
      ws.onclose = null;
      ws.onerror = null;
      signal.removeEventListener('abort', onAbort);
    };
    const onAbort = () => {
      settle();
      ws.close();
      reject(spError('ECONNABORTED', `cannot connect to ${url}: the endpoint closed`));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    ws.onerror = () => {};
    ws.onopen = () => {
      settle();
      if (ws.protocol !== offered) {
        ws.close();
        const answered = ws.protocol === '' ? 'no subprotocol' : `the subprotocol ${JSON.stringify(ws.protocol)}`;
        return reject(spError('EPROTO', `the server at ${url} answered with ${answered}; this socket needs a peer that serves "${offered}"`));
      }
      resolve(new BrowserWsPipe(ws, context.endpoint, url, context.options));
    };
    ws.onclose = (event) => {
      settle();
      // the browser does not say why (refused, unreachable, an HTTP error, a wrong subprotocol)
      reject(spError('ECONNREFUSED', `cannot connect to ${url}: the WebSocket closed before it opened (code ${event.code}; the browser's console says why)`));
    };
  });
}

function browserWsTransport(scheme: 'ws' | 'wss'): Transport {
  return {
    schemes: [scheme],
    listen: (address) => Promise.reject(spError('ENOTSUP', `cannot bind ${address.url}: a web page cannot listen; connect to a server instead`)),
    dialer(address, context): Dialer {
      const href = checkUrl(address.url, scheme);
      return { dial: (signal) => dial(address.url, href, context, signal) };
    },
  };
}

export const browserWs: Transport = browserWsTransport('ws');
export const browserWss: Transport = browserWsTransport('wss');
