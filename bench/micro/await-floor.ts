/**
 * What an `await` costs on this machine, apart from any socket: a loop that takes values from
 * an array, plain, awaiting each value, and awaiting a promise made for each (what
 * `await sock.recv()` does when a message is ready). The awaited API's cost over the fast path
 * cannot be lower than the difference (BENCHMARKS.md, issue 18).
 *   node --import tsx bench/micro/await-floor.ts
 */
const N = 5_000_000;
const items = Array.from({ length: 1024 }, (_, i) => ({ i }));
let sink = 0;

const take = (k: number) => items[k & 1023] as { i: number };
const takePromise = (k: number) => Promise.resolve(items[k & 1023] as { i: number });

async function plain(): Promise<void> {
  for (let k = 0; k < N; k++) sink += take(k).i;
}
async function awaitedValue(): Promise<void> {
  for (let k = 0; k < N; k++) sink += (await take(k)).i;
}
async function awaitedPromise(): Promise<void> {
  for (let k = 0; k < N; k++) sink += (await takePromise(k)).i;
}

for (let round = 1; round <= 3; round++) {
  for (const run of [plain, awaitedValue, awaitedPromise]) {
    const t = process.hrtime.bigint();
    await run();
    console.log(`round ${round} ${run.name.padEnd(15)} ${(Number(process.hrtime.bigint() - t) / N).toFixed(1)} ns per item`);
  }
}
if (sink < 0) console.log(sink);
