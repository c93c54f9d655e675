/**
 * The part of the WHATWG `WebSocket` the browser transport uses, typed here so that this
 * layer compiles without the DOM typings and runs wherever the global exists (browsers, Deno,
 * Bun, Node 22+). Tests may install another implementation with `setWebSocketClass`.
 */

export interface WebSocketLike {
  binaryType: string;
  readonly bufferedAmount: number;
  readonly protocol: string;
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { readonly data: unknown }) => void) | null;
  onclose: ((event: { readonly code: number; readonly reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketClass = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** WebSocket.readyState values. */
export const CONNECTING = 0;
export const OPEN = 1;

let installed: WebSocketClass | undefined;

/** Use `cls` instead of the global WebSocket (tests; runtimes that keep it elsewhere). */
export function setWebSocketClass(cls: WebSocketClass | undefined): void {
  installed = cls;
}

export function webSocketClass(): WebSocketClass | undefined {
  return installed ?? (globalThis as { WebSocket?: WebSocketClass }).WebSocket;
}
