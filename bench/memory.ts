/**
 * `node --import tsx bench/memory.ts [seconds] [--transport tcp,ipc,ws,tls,wss] [--stalled 50]`:
 * does nanosp's memory stay flat when the far side stops reading? Per transport (all five by
 * default), the measurements of bench/memory/scenarios.ts, with the sender in a process of its
 * own offering 1 KiB messages with trySend as fast as it may while it samples its memory:
 *
 * - a PUSH, then a PAIR, to a reader that connects and does not read, for `seconds`: the
 *   sender must block once the buffers between them are full, and the reader gets every
 *   message it took;
 * - a PUB with one live SUB that reads as fast as it can: alone; then beside N stalled SUBs
 *   (another process; they connect and never read) until their buffers are full, and for
 *   `seconds`; then alone again. The PUB must drop for them: its memory stays flat and the live
 *   SUB keeps its rate.
 *
 * Prints two Markdown tables. tls and wss use a throwaway certificate made with openssl.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { throwawayCert } from './memory/certs.js';
import { stopAll } from './memory/child.js';
import { SenderProcess, StalledSubscribers } from './memory/processes.js';
import { pubBesideStalled, rateAlone, senderToStoppedReader, type BlockFigures, type PubFigures } from './memory/scenarios.js';
import { bindUrlFor, isTransportName, needsCerts, TRANSPORTS, type CertFiles, type Place, type TransportName } from './memory/transports.js';

function option(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

function transportsAsked(): TransportName[] {
  const names = (option('transport') ?? TRANSPORTS.join(',')).split(',');
  for (const name of names) {
    if (!isTransportName(name)) throw new Error(`--transport: unknown transport ${JSON.stringify(name)}; known: ${TRANSPORTS.join(', ')}`);
  }
  return names as TransportName[];
}

const seconds = Number(process.argv[2]?.startsWith('--') ? 3 : (process.argv[2] ?? 3));
const stalled = Number(option('stalled') ?? 50);
const transports = transportsAsked();
let ipcCount = 0;
const ipcPath = () => join(tmpdir(), `nanosp-memory-${process.pid}-${++ipcCount}.ipc`);
const cert = transports.some(needsCerts) ? throwawayCert() : undefined;

const mib = (n: number) => `${n >= 0 ? '+' : ''}${n.toFixed(1)}`;
const rate = (n: number) => `${Math.round(n / 1000).toLocaleString('en-US')} k/s`;
const count = (n: number) => n.toLocaleString('en-US');

function pubRow(f: PubFigures): string {
  const w = f.withStalled.report;
  const filled = `${(f.fill.report.ms / 1000).toFixed(1)} s${f.fill.report.settled ? '' : ' (not settled)'}, ${rate(f.fill.rate)}`;
  const peak = Math.max(f.fill.report.memory.peak.rss, w.memory.peak.rss);
  return `| ${f.transport} | ${rate(f.baseline.rate)}, ${rate(f.baselineAfter.rate)} | ${filled} | ${rate(f.withStalled.rate)} | ${(f.withStalled.rate / rateAlone(f)).toFixed(2)} | ${(w.offered / 1e6).toFixed(1)} M | ${f.baseline.report.memory.end.rss.toFixed(0)} → ${peak.toFixed(0)} | ${mib(f.growth.rss)} | ${mib(f.growth.arrayBuffers)} |`;
}

function blockRow(f: BlockFigures): string {
  const r = f.report;
  const first = r.firstBlock ? `${count(r.firstBlock.accepted)} (${r.firstBlock.ms} ms)` : 'never';
  return `| ${f.transport} | ${f.type} → ${f.type === 'push' ? 'pull' : 'pair'} | ${first} | ${count(r.accepted)} | ${count(r.accepted - r.acceptedAtHalf)} | ${r.blockingSend} | ${count(f.delivered)} | ${mib(f.growth.rss)} | ${mib(f.growth.arrayBuffers)} |`;
}

const windowMs = seconds * 1000;
const pubOptions = { warmUpMs: 500, baselineMs: Math.max(1000, windowMs / 2), fillMaxMs: 20_000, floodMs: windowMs };
const pubRows: string[] = [];
const blockRows: string[] = [];
// every helper process starts now, before anything is measured; each sender serves one transport
const stalledSubscribers = new StalledSubscribers(stalled);
const senders = new Map(transports.map((transport) => [transport, new SenderProcess()]));
try {
  await Promise.all([stalledSubscribers.started(), ...[...senders.values()].map((sender) => sender.started())]);
  for (const [transport, sender] of senders) {
    const place = (): Place => ({ transport, bindUrl: bindUrlFor(transport, ipcPath), ...(needsCerts(transport) ? { certs: cert as CertFiles } : {}) });
    // the blocked senders first, while the process is fresh: their growth is measured from their own start
    for (const type of ['push', 'pair'] as const) blockRows.push(blockRow(await senderToStoppedReader(sender, place(), type, windowMs)));
    pubRows.push(pubRow(await pubBesideStalled(sender, place(), stalledSubscribers, pubOptions)));
    await sender.stop();
    process.stderr.write(`${transport} done\n`);
  }
} finally {
  await stopAll([stalledSubscribers, ...senders.values()]);
  cert?.remove();
}

console.log(`PUB offering 1 KiB messages to one live SUB, alone (${pubOptions.baselineMs / 1000} s), then beside ${stalled} stalled SUBs in another process (until they were full, then ${seconds} s), then alone again. The PUB's memory in MiB, from before they connected to its peak.\n`);
console.log('| transport | live SUB alone: before, after | stalled SUBs filling: time, live SUB | live SUB beside the full ones | ratio to the mean alone | offered | RSS | RSS growth | arrayBuffers growth |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const row of pubRows) console.log(row);
console.log(`\nA sender offering 1 KiB messages for ${seconds} s to a reader that connected and does not read; the sender's memory in MiB, start of the window to its peak.\n`);
console.log('| transport | sender → reader | taken before the first EAGAIN | taken in all | taken in the second half | send with a 250 ms timeout | delivered once read | RSS growth | arrayBuffers growth |');
console.log('| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |');
for (const row of blockRows) console.log(row);
