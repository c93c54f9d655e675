/**
 * nn_term for the compat layer. libnanomsg's nn_term closes every socket of the process and
 * from then on refuses new ones (nn_socket fails with ETERM, so the old package's sockets
 * made afterwards fail every call with EBADF). Devices end with EBADF because their sockets
 * are gone. An open compat socket is tracked here through a WeakRef, so that tracking never
 * keeps a forgotten socket alive.
 */

export interface Terminable {
  /** Close the underlying socket because the library was terminated. */
  terminate(): void;
}

const open = new Set<WeakRef<Terminable>>();
let terminated = false;

/** True once `term()` was called; it lasts for the life of the process, as in libnanomsg. */
export function isTerminated(): boolean {
  return terminated;
}

/** Track an open socket until the returned function is called (at close). */
export function track(socket: Terminable): () => void {
  const ref = new WeakRef(socket);
  open.add(ref);
  return () => open.delete(ref);
}

/** nn_term: close every open socket underneath its owner; later sockets are born dead. */
export function term(): void {
  terminated = true;
  const sockets = [...open];
  open.clear();
  for (const ref of sockets) ref.deref()?.terminate();
}
