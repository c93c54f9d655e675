/**
 * Prometheus metrics (spec/nng.md §6): metricsText() in this process (exact sample lines for
 * two sockets with known traffic, the format grammar line by line, label escaping,
 * OpenMetrics' `# EOF`, per-pipe series only when asked, closed sockets and the statistics
 * socket left out, configureDiagnostics({ metrics })), then NANOSP_METRICS in an unmodified
 * application run as a child process (fixtures/metrics-app.ts): /metrics in both formats, 404
 * elsewhere, a taken port said once on stderr while the application runs on and exits by
 * itself; promtool accepts both outputs; and, bounded to 20 s, a real Prometheus scrapes the
 * application and reads a counter back.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { metricsPort, negotiateFormat, parseMetricsAddress, resetDiagnostics } from '../../src/diag/index.js';
import { configureDiagnostics, diagnosticsSettings, metricsText, type SpSocket } from '../../src/index.js';
import { DIAG_VARIABLES, finished, fixture, linesOf } from '../helpers/diag.js';
import { freePort, hasCommand, startPeer, type Peer } from '../helpers/peers.js';
import { linked, testSocket } from '../helpers/sockets.js';

afterEach(() => {
  resetDiagnostics();
});

const PROMETHEUS_INSTALL = 'apt-get install -y prometheus';
const TEXT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
const OPENMETRICS_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
/** What Prometheus 2.x sends when it scrapes. */
const PROMETHEUS_ACCEPT = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = String.raw`[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"`;
const SAMPLE = new RegExp(String.raw`^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?:${LABEL}(?:,${LABEL})*)?\})? (-?[0-9]+(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?|NaN|\+Inf|-Inf)$`);

/**
 * Every problem with `text` as exposition `format`: line grammar, names, one HELP and one
 * TYPE per family before its samples, a family's samples together, the sample names each
 * format wants for counters, no blank lines, LF at the end, `# EOF` last in OpenMetrics.
 */
function grammarProblems(text: string, format: 'prometheus' | 'openmetrics'): string[] {
  const problems: string[] = [];
  if (!text.endsWith('\n')) problems.push('does not end with LF');
  const lines = linesOf(text);
  if (format === 'openmetrics') {
    if (lines[lines.length - 1] !== '# EOF') problems.push('last line is not # EOF');
    const eof = lines.indexOf('# EOF');
    if (eof >= 0 && eof !== lines.length - 1) problems.push('# EOF before the end');
  }
  const typed = new Map<string, string>();
  const helped = new Set<string>();
  const done = new Set<string>();
  let current: string | undefined;
  const familyOf = (sample: string): string | undefined => {
    if (typed.has(sample) && (format === 'prometheus' || typed.get(sample) !== 'counter')) return sample;
    if (format === 'openmetrics' && sample.endsWith('_total') && typed.get(sample.slice(0, -6)) === 'counter') return sample.slice(0, -6);
    return undefined;
  };
  lines.forEach((line, i) => {
    const where = `line ${i + 1} ${JSON.stringify(line)}`;
    if (line === '') return void problems.push(`${where}: blank`);
    if (line === '# EOF') return;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const [, what, name, rest] = meta as unknown as [string, string, string, string];
      if (!NAME.test(name)) problems.push(`${where}: bad name`);
      if (current !== name) {
        if (current !== undefined) done.add(current);
        if (done.has(name)) problems.push(`${where}: family ${name} seen before`);
        current = name;
      }
      if (what === 'HELP') {
        if (helped.has(name)) problems.push(`${where}: second HELP`);
        helped.add(name);
        if (/\\(?![\\n"])/.test(rest)) problems.push(`${where}: bad escape in HELP`);
      } else {
        if (typed.has(name)) problems.push(`${where}: second TYPE`);
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped', 'unknown'].includes(rest)) problems.push(`${where}: bad type`);
        typed.set(name, rest);
      }
      return;
    }
    if (line.startsWith('#')) return void problems.push(`${where}: unexpected comment`);
    const sample = SAMPLE.exec(line);
    if (!sample) return void problems.push(`${where}: not a sample`);
    const family = familyOf(sample[1] as string);
    if (family === undefined) return void problems.push(`${where}: no TYPE before the sample (or wrong counter name for ${format})`);
    if (family !== current) problems.push(`${where}: sample of ${family} outside its group`);
    if (typed.get(family) === 'counter' && !(sample[1] as string).endsWith('_total')) problems.push(`${where}: counter without _total`);
  });
  return problems;
}

/** The sample lines of `text` whose name is `name`. */
function samples(text: string, name: string): string[] {
  return linesOf(text).filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
}

function labels(s: SpSocket): string {
  return `socket="${s.index}",name="${s.options.socketName}",protocol="${s.type}",application="app",host="box"`;
}

/** left (PAIR, binds) and right (PAIR, connects) with fixtures/metrics-app.ts's traffic. */
async function twoSockets(): Promise<{ left: SpSocket; right: SpSocket }> {
  const left = testSocket('pair', { socketName: 'left' });
  const right = testSocket('pair', { socketName: 'right' });
  await linked(left, right);
  for (const size of [1, 10, 100]) {
    await right.send(Buffer.alloc(size, 0x61));
    await left.recv();
  }
  for (const size of [7, 1000]) {
    await left.send(Buffer.alloc(size, 0x62));
    await right.recv();
  }
  return { left, right };
}

describe('metricsText()', () => {
  it('two sockets with known traffic: counters _total, gauges, labels; every line in the 0.0.4 grammar', async () => {
    configureDiagnostics({ applicationName: 'app', hostname: 'box' });
    const { left, right } = await twoSockets();
    const text = metricsText();
    expect(grammarProblems(text, 'prometheus')).toEqual([]);
    expect(samples(text, 'nanosp_messages_sent_total')).toEqual([
      `nanosp_messages_sent_total{${labels(left)}} 2`,
      `nanosp_messages_sent_total{${labels(right)}} 3`,
    ]);
    expect(samples(text, 'nanosp_bytes_sent_total')).toEqual([`nanosp_bytes_sent_total{${labels(left)}} 1007`, `nanosp_bytes_sent_total{${labels(right)}} 111`]);
    expect(samples(text, 'nanosp_bytes_received_total')).toEqual([
      `nanosp_bytes_received_total{${labels(left)}} 111`,
      `nanosp_bytes_received_total{${labels(right)}} 1007`,
    ]);
    expect(samples(text, 'nanosp_accepted_connections_total')).toEqual([
      `nanosp_accepted_connections_total{${labels(left)}} 1`,
      `nanosp_accepted_connections_total{${labels(right)}} 0`,
    ]);
    expect(samples(text, 'nanosp_established_connections_total')[1]).toBe(`nanosp_established_connections_total{${labels(right)}} 1`);
    expect(samples(text, 'nanosp_current_connections')).toEqual([`nanosp_current_connections{${labels(left)}} 1`, `nanosp_current_connections{${labels(right)}} 1`]);
    expect(text).toContain('# TYPE nanosp_messages_sent_total counter\n');
    expect(text).toContain('# TYPE nanosp_current_connections gauge\n');
    expect(text).toContain('# HELP nanosp_messages_sent_total Messages sent.\n');
    // every statistic of SocketStats (nanomsg's 15 and nanosp's 3), one family each, for each socket
    const families = linesOf(text).filter((l) => l.startsWith('# TYPE ')).map((l) => l.split(' ')[2]);
    expect(families).toHaveLength(18);
    expect(families).toEqual(expect.arrayContaining(['nanosp_current_ep_errors', 'nanosp_current_snd_priority', 'nanosp_inprogress_connections', 'nanosp_dropped_messages_total', 'nanosp_dropped_sends_total', 'nanosp_rejected_connections_total']));
    expect(linesOf(text).filter((l) => !l.startsWith('#'))).toHaveLength(36);
    // no per-pipe series unless asked
    expect(text).not.toContain('nanosp_pipe_');
  });

  it("the application and host labels default as the diagnostics' NN_APPLICATION_NAME and NN_HOSTNAME", async () => {
    const s = testSocket('push');
    const { applicationName, hostname } = diagnosticsSettings();
    expect(samples(metricsText(), 'nanosp_messages_sent_total')).toEqual([
      `nanosp_messages_sent_total{socket="${s.index}",name="${s.index}",protocol="push",application="${applicationName}",host="${hostname}"} 0`,
    ]);
  });

  it('label values escape ", \\ and newline', async () => {
    configureDiagnostics({ applicationName: 'a"pp', hostname: 'b\\ox\n' });
    const s = testSocket('pub', { socketName: 'say "hi"\\\nbye' });
    const text = metricsText();
    expect(grammarProblems(text, 'prometheus')).toEqual([]);
    expect(samples(text, 'nanosp_messages_sent_total')).toEqual([
      String.raw`nanosp_messages_sent_total{socket="${s.index}",name="say \"hi\"\\\nbye",protocol="pub",application="a\"pp",host="b\\ox\n"} 0`,
    ]);
    expect(grammarProblems(metricsText('openmetrics'), 'openmetrics')).toEqual([]);
  });

  it("OpenMetrics: counter families without _total, samples with it, '# EOF' last, no blank line", async () => {
    configureDiagnostics({ applicationName: 'app', hostname: 'box' });
    const { left } = await twoSockets();
    const text = metricsText('openmetrics');
    expect(text.endsWith('\n# EOF\n')).toBe(true);
    expect(text).not.toMatch(/\n\n/);
    expect(grammarProblems(text, 'openmetrics')).toEqual([]);
    expect(text).toContain('# TYPE nanosp_messages_sent counter\nnanosp_messages_sent_total{');
    expect(text).toContain('# HELP nanosp_messages_sent Messages sent.\n');
    expect(text).toContain('# TYPE nanosp_current_connections gauge\n');
    expect(samples(text, 'nanosp_messages_sent_total')[0]).toBe(`nanosp_messages_sent_total{${labels(left)}} 2`);
    expect(metricsText({ format: 'openmetrics' })).toBe(text);
    // the same samples as text 0.0.4, only the family lines differ
    const sampleLines = (t: string) => linesOf(t).filter((l) => !l.startsWith('#'));
    expect(sampleLines(text)).toEqual(sampleLines(metricsText()));
  });

  it('{ pipes: true } adds one series per live pipe, labelled endpoint, pipe and remote', async () => {
    configureDiagnostics({ applicationName: 'app', hostname: 'box' });
    const { left, right } = await twoSockets();
    for (const format of ['prometheus', 'openmetrics'] as const) {
      const text = metricsText({ format, pipes: true });
      expect(grammarProblems(text, format)).toEqual([]);
      const lines: string[] = [];
      for (const s of [left, right]) {
        const [endpoint] = s.describe().endpoints;
        const [pipe] = endpoint?.pipes ?? [];
        if (!endpoint || !pipe) throw new Error(`${s.options.socketName} has no pipe`);
        lines.push(`nanosp_pipe_messages_sent_total{${labels(s)},endpoint="${endpoint.url}",pipe="${pipe.id}",remote="${pipe.remoteAddress}"} ${pipe.stats.messagesSent}`);
      }
      expect(samples(text, 'nanosp_pipe_messages_sent_total')).toEqual(lines);
      expect(lines[1]).toMatch(/ 3$/);
      expect(samples(text, 'nanosp_pipe_bytes_received_total')).toHaveLength(2);
    }
  });

  it('leaves out closed sockets and the statistics socket', async () => {
    const port = await freePort();
    configureDiagnostics({ statisticsSocket: `tcp://127.0.0.1:${port}` });
    testSocket('pair', { socketName: 'a' });
    const b = testSocket('pair', { socketName: 'b' });
    const names = () => samples(metricsText(), 'nanosp_messages_sent_total').map((l) => /name="([^"]*)"/.exec(l)?.[1]);
    expect(names()).toEqual(['a', 'b']);
    await b.close();
    expect(names()).toEqual(['a']);
  });

  it('the grammar check used here catches what it should', () => {
    const good = '# HELP x_total X.\n# TYPE x_total counter\nx_total{a="1"} 1\n';
    expect(grammarProblems(good, 'prometheus')).toEqual([]);
    expect(grammarProblems(good.replace('x_total{', 'y_total{'), 'prometheus')).toHaveLength(1); // no TYPE
    expect(grammarProblems(`${good}# TYPE x_total counter\n`, 'prometheus')).toHaveLength(1); // second TYPE
    expect(grammarProblems(good.replace('a="1"', 'a="1\n"'), 'prometheus').length).toBeGreaterThan(0); // raw newline
    expect(grammarProblems(good.replace('a="1"', '1a="1"'), 'prometheus')).toHaveLength(1); // bad label name
    expect(grammarProblems(good.replace('{a="1"}', '{a="\\q"}'), 'prometheus')).toHaveLength(1); // bad escape
    expect(grammarProblems(`${good}\n`, 'prometheus')).toHaveLength(1); // blank line
    expect(grammarProblems(good, 'openmetrics')).toHaveLength(2); // counter family named _total, no # EOF
    expect(grammarProblems('# TYPE x counter\nx_total 1\n# EOF\n', 'openmetrics')).toEqual([]);
    expect(grammarProblems('# TYPE x counter\nx 1\n# EOF\n', 'openmetrics')).toHaveLength(1);
  });

  it('rejects an unknown format', () => {
    expect(() => metricsText('json' as 'prometheus')).toThrow(/prometheus.*openmetrics/);
  });
});

describe('configureDiagnostics({ metrics })', () => {
  async function listening(): Promise<number> {
    for (let i = 0; i < 200; i++) {
      const port = metricsPort();
      if (port !== undefined) return port;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('the metrics server did not listen');
  }

  it('serves /metrics, 404 elsewhere, and stops when set to undefined', async () => {
    configureDiagnostics({ metrics: '127.0.0.1:0', applicationName: 'app', hostname: 'box' });
    expect(diagnosticsSettings().metrics).toBe('127.0.0.1:0');
    const s = testSocket('pair', { socketName: 'served' });
    const port = await listening();
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(TEXT_TYPE);
    expect(samples(await res.text(), 'nanosp_messages_sent_total')).toEqual([`nanosp_messages_sent_total{${labels(s)}} 0`]);
    const om = await fetch(`http://127.0.0.1:${port}/metrics?x=1`, { headers: { accept: PROMETHEUS_ACCEPT } });
    expect(om.headers.get('content-type')).toBe(OPENMETRICS_TYPE);
    expect((await om.text()).endsWith('# EOF\n')).toBe(true);
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'POST' })).status).toBe(405);
    configureDiagnostics({ metrics: undefined });
    expect(metricsPort()).toBeUndefined();
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });

  it('an address it cannot serve is said once on stderr', async () => {
    const written: string[] = [];
    configureDiagnostics({ stderr: { write: (t: string) => written.push(t) } });
    configureDiagnostics({ metrics: 'no port here' });
    configureDiagnostics({ metrics: 'no port here' });
    expect(written).toEqual(['nanosp: cannot serve metrics on no port here: expected host:port, e.g. 127.0.0.1:9464 or [::1]:9464\n']);
  });

  it('parses host:port and negotiates the format from Accept', () => {
    expect(parseMetricsAddress('127.0.0.1:9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(parseMetricsAddress('[::1]:80')).toEqual({ host: '::1', port: 80 });
    expect(parseMetricsAddress(':9464')).toEqual({ host: undefined, port: 9464 });
    expect(() => parseMetricsAddress('9464')).toThrow();
    expect(() => parseMetricsAddress('h:70000')).toThrow();
    expect(negotiateFormat(PROMETHEUS_ACCEPT)).toBe('openmetrics');
    expect(negotiateFormat('application/openmetrics-text')).toBe('openmetrics');
    expect(negotiateFormat('application/openmetrics-text;q=0, text/plain')).toBe('prometheus');
    expect(negotiateFormat('text/plain;version=0.0.4')).toBe('prometheus');
    expect(negotiateFormat(undefined)).toBe('prometheus');
  });
});

// ---- an unmodified application in its own process -------------------------------------------

const APP = fixture('metrics-app.ts');
const APP_LABELS = (socket: number, name: string) => `socket="${socket}",name="${name}",protocol="pair",application="metrics-app",host="testhost"`;

/** fixtures/metrics-app.ts with NANOSP_METRICS set and the other diagnostics variables removed. */
function startApp(metrics: string): Peer {
  const unset = [...DIAG_VARIABLES, 'NANOSP_METRICS'].flatMap((name) => ['-u', name]);
  const env = [`NANOSP_METRICS=${metrics}`, 'NN_APPLICATION_NAME=metrics-app', 'NN_HOSTNAME=testhost'];
  return startPeer('env', [...unset, ...env, process.execPath, '--import', 'tsx', APP]);
}

/** End the app's stdin; it closes its sockets and must exit 0 by itself. */
async function endApp(app: Peer): Promise<void> {
  app.child.stdin.end();
  expect(await finished(app)).toEqual({ code: 0, signal: null });
}

async function scrape(port: number, accept?: string): Promise<{ status: number; type: string | null; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: accept ? { accept } : {} });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}

describe('NANOSP_METRICS=host:port', () => {
  it('an unmodified application serves /metrics in both formats, 404 elsewhere, and still exits by itself', async () => {
    const port = await freePort();
    const app = startApp(`127.0.0.1:${port}`);
    await app.line((l) => l.startsWith('ready '));
    const text = await scrape(port);
    expect(text.status).toBe(200);
    expect(text.type).toBe(TEXT_TYPE);
    expect(grammarProblems(text.body, 'prometheus')).toEqual([]);
    expect(samples(text.body, 'nanosp_messages_sent_total')).toEqual([
      `nanosp_messages_sent_total{${APP_LABELS(0, 'left')}} 2`,
      `nanosp_messages_sent_total{${APP_LABELS(1, '1')}} 3`,
    ]);
    expect(samples(text.body, 'nanosp_bytes_received_total')).toEqual([
      `nanosp_bytes_received_total{${APP_LABELS(0, 'left')}} 111`,
      `nanosp_bytes_received_total{${APP_LABELS(1, '1')}} 1007`,
    ]);
    const om = await scrape(port, PROMETHEUS_ACCEPT);
    expect(om.status).toBe(200);
    expect(om.type).toBe(OPENMETRICS_TYPE);
    expect(grammarProblems(om.body, 'openmetrics')).toEqual([]);
    expect(om.body.endsWith('\n# EOF\n')).toBe(true);
    expect(samples(om.body, 'nanosp_messages_sent_total')[0]).toBe(`nanosp_messages_sent_total{${APP_LABELS(0, 'left')}} 2`);
    const other = await fetch(`http://127.0.0.1:${port}/other`);
    expect(other.status).toBe(404);
    await other.text();
    expect(app.stderr).toBe('');
    // the scrapes left keep-alive connections open: they must not keep the application alive
    await endApp(app);
  });

  it('a port that is taken: one line on stderr, and the application runs on and exits 0 by itself', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as { port: number };
    try {
      const app = startApp(`127.0.0.1:${port}`);
      await app.line((l) => l.startsWith('ready '));
      await endApp(app);
      const lines = linesOf(app.stderr);
      expect(lines).toHaveLength(1);
      expect(lines).toEqual([`nanosp: cannot serve metrics on 127.0.0.1:${port}: address already in use (EADDRINUSE)`]);
    } finally {
      holder.close();
    }
  });
});

/** `describe` for tests that need `command` from Debian's prometheus package: skipped outside CI, failing under CI. */
function describeWithPrometheus(command: string, name: string, body: () => void): void {
  if (hasCommand(command)) return void describe(name, body);
  if (process.env.CI) {
    return void describe(name, () => {
      it(`needs ${command}`, () => {
        throw new Error(`${command} is not installed; CI must run: ${PROMETHEUS_INSTALL}`);
      });
    });
  }
  console.warn(`[nanosp tests] skipping "${name}": ${command} is not installed (${PROMETHEUS_INSTALL})`);
  describe.skip(name, body);
}

describeWithPrometheus('promtool', 'promtool accepts both outputs', () => {
  function promtool(args: string[], input?: string): { status: number | null; output: string } {
    const run = spawnSync('promtool', args, { input, encoding: 'utf8', timeout: 15_000 });
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
  }

  it('text 0.0.4: `promtool check metrics` finds nothing to say, with and without pipes', async () => {
    configureDiagnostics({ applicationName: 'app', hostname: 'box' });
    await twoSockets();
    testSocket('pub', { socketName: 'odd "name"\\\n' });
    for (const text of [metricsText(), metricsText({ pipes: true })]) {
      expect(promtool(['check', 'metrics'], text)).toEqual({ status: 0, output: '' });
    }
  });

  it("OpenMetrics: Prometheus' strict OpenMetrics parser reads it (promtool tsdb create-blocks-from openmetrics)", async () => {
    configureDiagnostics({ applicationName: 'app', hostname: 'box' });
    await twoSockets();
    testSocket('pub', { socketName: 'odd "name"\\\n' });
    const text = metricsText({ format: 'openmetrics', pipes: true });
    const dir = mkdtempSync(join(tmpdir(), 'nanosp-om-'));
    try {
      // backfilling needs a timestamp (seconds, in OpenMetrics) on every sample; nothing else is changed
      const stamped = linesOf(text).map((l) => (l.startsWith('#') ? l : `${l} 1700000000`)).join('\n') + '\n';
      writeFileSync(join(dir, 'metrics.om'), stamped);
      const run = promtool(['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', join(dir, 'metrics.om'), join(dir, 'blocks')]);
      expect(run).toEqual({ status: 0, output: '' });
      // and the parser is strict: without # EOF it refuses
      writeFileSync(join(dir, 'bad.om'), stamped.replace('# EOF\n', ''));
      expect(promtool(['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', join(dir, 'bad.om'), join(dir, 'bad')]).status).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // `promtool check metrics` reads only text 0.0.4: it parses the OpenMetrics text without
    // an error and only notes that the families it sees by their sample names have no HELP
    const check = promtool(['check', 'metrics'], text);
    expect(check.status).toBe(3);
    for (const line of linesOf(check.output)) expect(line).toMatch(/^nanosp_\w+_total no help text$/);
  });
});

describeWithPrometheus('prometheus', 'a real Prometheus server', () => {
  it('scrapes an unmodified application (NANOSP_METRICS) and reads nanosp_messages_sent_total back', async () => {
    const [appPort, promPort] = [await freePort(), await freePort()];
    const app = startApp(`127.0.0.1:${appPort}`);
    await app.line((l) => l.startsWith('ready '));
    const dir = mkdtempSync(join(tmpdir(), 'nanosp-prometheus-'));
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 1s',
        'scrape_configs:',
        '  - job_name: nanosp',
        '    static_configs:',
        `      - targets: ['127.0.0.1:${appPort}']`,
        '',
      ].join('\n'),
    );
    const prometheus = startPeer('prometheus', [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ]);
    try {
      const deadline = Date.now() + 20_000;
      let found: { metric: Record<string, string>; value: [number, string] }[] = [];
      let last = '';
      while (Date.now() < deadline && prometheus.running) {
        try {
          const res = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=nanosp_messages_sent_total`, { signal: AbortSignal.timeout(2000) });
          last = await res.text();
          const answer = JSON.parse(last) as { status: string; data?: { result: typeof found } };
          found = answer.data?.result ?? [];
          if (found.length === 2) break;
        } catch (err) {
          last = String(err); // not up yet
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(found.length, `last answer ${last}; prometheus stderr ${prometheus.stderr.slice(-2000)}`).toBe(2);
      const byName = Object.fromEntries(found.map((r) => [r.metric.name, r]));
      expect(byName.left?.value[1]).toBe('2');
      expect(byName['1']?.value[1]).toBe('3');
      expect(byName.left?.metric).toMatchObject({
        __name__: 'nanosp_messages_sent_total',
        job: 'nanosp',
        instance: `127.0.0.1:${appPort}`,
        socket: '0',
        protocol: 'pair',
        application: 'metrics-app',
        host: 'testhost',
      });
    } finally {
      await prometheus.kill();
      rmSync(dir, { recursive: true, force: true });
    }
    await endApp(app);
  }, 40_000);
});
