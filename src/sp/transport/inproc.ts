/**
 * inproc (`inproc://name`): connections inside one process, through a process-wide registry
 * of names (case-sensitive, any string). As nanomsg does: a connect may come before the bind
 * and waits for it; a second bind of a name is EADDRINUSE; when a binder closes and a new
 * socket binds the name, connectors attach again; a binder of an incompatible socket type is
 * ignored, and the connector keeps waiting, with no error.
 */
import { spError } from '../errors.js';
import type { TransportContext, Dialer, Listener, Transport, NewPipe } from './transport.js';
import { InprocPipe } from './inproc-pipe.js';

interface Binding {
  readonly context: TransportContext;
  accept(pipe: NewPipe): void;
}

interface WaitingConnector {
  readonly context: TransportContext;
  connect(binding: Binding): void;
}

const bindings = new Map<string, Binding>();
const waiting = new Map<string, Set<WaitingConnector>>();

function fits(connector: TransportContext, binding: TransportContext): boolean {
  return connector.protocol.peer === binding.protocol.local && binding.protocol.peer === connector.protocol.local;
}

/** Make a connection: the binder gets one end, the connector the other. */
function join(name: string, binding: Binding, connector: TransportContext): InprocPipe {
  const client = new InprocPipe(connector.endpoint, name, connector.options);
  const server = new InprocPipe(binding.context.endpoint, name, binding.context.options);
  InprocPipe.pair(client, server);
  binding.accept(server);
  return client;
}

export const inproc: Transport = {
  schemes: ['inproc'],

  async listen(address, context, events): Promise<Listener> {
    const name = address.rest;
    if (bindings.has(name)) throw spError('EADDRINUSE', `cannot bind ${address.url}: another socket of this process is bound to it`);
    const binding: Binding = { context, accept: (pipe) => events.accepted(pipe) };
    bindings.set(name, binding);
    for (const connector of waiting.get(name) ?? []) {
      if (fits(connector.context, context)) connector.connect(binding);
    }
    return {
      url: address.url,
      close: async () => {
        if (bindings.get(name) === binding) bindings.delete(name);
      },
    };
  },

  dialer(address, context): Dialer {
    const name = address.rest;
    return {
      dial(signal) {
        const binding = bindings.get(name);
        if (binding && fits(context, binding.context)) return Promise.resolve(join(name, binding, context));
        // no binder yet (or an incompatible one): wait for one, as nanomsg's connector does
        return new Promise<NewPipe>((resolve, reject) => {
          let set = waiting.get(name);
          if (!set) {
            set = new Set();
            waiting.set(name, set);
          }
          const forget = () => {
            set.delete(connector);
            if (set.size === 0 && waiting.get(name) === set) waiting.delete(name);
            signal.removeEventListener('abort', onAbort);
          };
          const connector: WaitingConnector = {
            context,
            connect(found) {
              forget();
              resolve(join(name, found, context));
            },
          };
          const onAbort = () => {
            forget();
            reject(spError('ECONNABORTED', `the connect to ${address.url} was cancelled`));
          };
          signal.addEventListener('abort', onAbort, { once: true });
          set.add(connector);
        });
      },
    };
  },
};
