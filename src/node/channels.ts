/**
 * Three process-wide `node:diagnostics_channel` channels announce sockets as they start being
 * made (no message), open and close (the socket), so `src/diag` and any tool find every
 * socket without the stack importing them; with no subscriber they cost one check.
 */
import { channel } from 'node:diagnostics_channel';
import { socketLifeWatchers } from '../sp/events.js';

export const socketCreateChannel = channel('nanosp:socket:create');
export const socketOpenChannel = channel('nanosp:socket:open');
export const socketCloseChannel = channel('nanosp:socket:close');

socketLifeWatchers.add({
  creating(type) {
    if (socketCreateChannel.hasSubscribers) socketCreateChannel.publish(type);
  },
  opened(socket) {
    if (socketOpenChannel.hasSubscribers) socketOpenChannel.publish(socket);
  },
  closed(socket) {
    if (socketCloseChannel.hasSubscribers) socketCloseChannel.publish(socket);
  },
});
