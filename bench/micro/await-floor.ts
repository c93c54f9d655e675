/**
 * What an `await` costs on this machine, apart from any socket. A loop takes values from an
 * array five ways: plain; awaiting each value; awaiting one shared resolved promise (what
 * `await sock.send(buf)` does when the pipe takes the message at once); awaiting a promise made
 * for each item, a plain object; and awaiting a promise made for each Buffer (what `await
 * sock.recv()` does when a message is ready). The last two differ because resolving a promise
 * with an object first looks up its `then` (a thenable check), which costs more on a Buffer. For
 * each way: the time per item, and the young-generation collections (scavenges) per million
 * items, which count the garbage each await leaves. The awaited API's cost over the fast path
 * cannot be lower than the difference (BENCHMARKS.md, issue 18).
 *   node --import tsx bench/micro/await-floor.ts
 */
import { PerformanceObserver, constants, type PerformanceEntry } from 'node:perf_hooks';

const N = 5_000_000;
const items = Array.from({ length: 1024 }, (_, i) => ({ i }));
const RESOLVED: Promise<void> = Promise.resolve();
let sink = 0;

const take = (k: number) => items[k & 1023] as { i: number };
const takePromise = (k: number) => Promise.resolve(items[k & 1023] as { i: number });
const buffers = Array.from({ length: 1024 }, () => Buffer.alloc(64));
const takeBufferPromise = (k: number) => Promise.resolve(buffers[k & 1023] as Buffer);
const shared = (): Promise<void> => RESOLVED;

async function plain(): Promise<void> {
  for (let k = 0; k < N; k++) sink += take(k).i;
}
async function awaitedValue(): Promise<void> {
  for (let k = 0; k < N; k++) sink += (await take(k)).i;
}
async function awaitedShared(): Promise<void> {
  for (let k = 0; k < N; k++) {
    await shared();
    sink++;
  }
}
async function awaitedPromise(): Promise<void> {
  for (let k = 0; k < N; k++) sink += (await takePromise(k)).i;
}
async function awaitedBuffer(): Promise<void> {
  for (let k = 0; k < N; k++) sink += (await takeBufferPromise(k)).length;
}

let scavenges = 0;
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    // (a gc entry's detail says which kind of collection it was)
    if ((entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges++;
  }
});
observer.observe({ entryTypes: ['gc'] });
/** Until the observer has been told of every collection so far (its entries come on a later turn). */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));

for (let round = 1; round <= 3; round++) {
  for (const run of [plain, awaitedValue, awaitedShared, awaitedPromise, awaitedBuffer]) {
    await settle();
    const before = scavenges;
    const t = process.hrtime.bigint();
    await run();
    const ns = Number(process.hrtime.bigint() - t) / N;
    await settle();
    const perMillion = ((scavenges - before) * 1e6) / N;
    console.log(`round ${round} ${run.name.padEnd(15)} ${ns.toFixed(1)} ns per item, ${perMillion.toFixed(1)} scavenges per million`);
  }
}
observer.disconnect();
if (sink < 0) console.log(sink);
