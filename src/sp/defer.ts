/**
 * Run something after the current call has returned, before any I/O: how inproc delivers, so
 * that a send never runs the receiver's code inside the sender's call. A microtask by
 * default; the Node layer installs `process.nextTick`, which runs ahead of promise callbacks,
 * as inproc always has there.
 */
type DeferFn = <T>(fn: (arg: T) => void, arg: T) => void;

export let defer: DeferFn = (fn, arg) => queueMicrotask(() => fn(arg));

export function setDefer(next: DeferFn): void {
  defer = next;
}
