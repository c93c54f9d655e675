/**
 * The ESTP → Prometheus bridge fed from C: test/interop/c/nn_estp_publisher.c is a libnanomsg
 * 1.1.5 program run with NN_STATISTICS_SOCKET in its environment. libnanomsg 1.x no longer
 * publishes there by itself (removed in 0.9-beta, spec/diagnostics.md §1), so the program
 * publishes its sockets' nn_get_statistic values as nanomsg 0.8 did, on a libnanomsg PUB.
 * First its records as they arrive: nanomsg's 15 per socket in nanomsg's order and bytes (the
 * same bytes nanosp's formatter writes for them). Then the bridge fed by it and by a nanosp
 * process at once: both served with their host, application and socket labels; once the C
 * program exits its series go stale and are removed while the nanosp ones stay.
 */
import { expect, it } from 'vitest';
import { formatRecord, parseRecord, STATISTICS, type EstpRecord } from '../../src/index.js';
import { samples, scrapeUntil, startBridge, stopBridge, value } from '../helpers/bridge.js';
import { describeC, buildC } from '../helpers/cprog.js';
import { finished, fixture, NN_ESTP_PUBLISHER_C, startNode, startWithEnv, type DiagEnv } from '../helpers/diag.js';
import { testSocket } from '../helpers/sockets.js';

const METRICS = STATISTICS.map((s) => s.name);
const C_SOCKETS = ['pusher', '2', 'receiver'];

/** The C program publishing every 200 ms to `url` as application `app` on host `chost`, once it is ready. */
async function startCPublisher(url: string, app: string) {
  const env: DiagEnv = { NN_STATISTICS_SOCKET: url, NN_HOSTNAME: 'chost', NN_APPLICATION_NAME: app };
  const peer = startWithEnv(await buildC(NN_ESTP_PUBLISHER_C), ['pusher', 'tcp://127.0.0.1:1', '200'], env);
  await peer.line('ready');
  return peer;
}

describeC(NN_ESTP_PUBLISHER_C, 'ESTP from a C program on libnanomsg', () => {
  it("publishes nanomsg's records: 15 per socket in nanomsg's order, byte for byte as nanosp formats them", async () => {
    const sub = testSocket('sub');
    sub.subscribe('');
    const { url } = await sub.bind('tcp://127.0.0.1:0');
    const c = await startCPublisher(url, 'capp');

    // a whole report (the SUB may join mid-report) in which the PUSH has failed to connect
    let report: { text: string; record: EstpRecord }[] = [];
    while (report.length < 45 || !report.some((r) => r.record.metric === 'connect_errors' && Number(r.record.value) > 0)) {
      const text = (await sub.recv({ timeout: 5000 })).toString('latin1');
      const record = parseRecord(text);
      if (record.resource === 'socket.pusher' && record.metric === METRICS[0]) report = [];
      report.push({ text, record });
    }
    report = report.slice(0, 45);
    expect(report.map((r) => `${r.record.resource}:${r.record.metric}`)).toEqual(C_SOCKETS.flatMap((s) => METRICS.map((m) => `socket.${s}:${m}`)));
    for (const { text, record } of report) {
      expect(record).toMatchObject({ host: 'chost', application: 'capp', interval: 1 });
      const kind = STATISTICS.find((s) => s.name === record.metric)!.kind;
      expect(record.type, record.metric).toBe(kind === 'counter' ? 'counter' : 'gauge');
      expect(text).toMatch(/^ESTP:chost:capp:socket\.[a-z0-9]+:[a-z_]+: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ 1 -?\d+(:c)?(\n|$)/);
      expect(formatRecord(record)).toBe(text);
    }
    const epErrors = (socket: string) => report.find((r) => r.record.resource === `socket.${socket}` && r.record.metric === 'current_ep_errors')!.text;
    expect(epErrors('pusher')).toMatch(/ 1 1\n nanomsg: Endpoint 1 \[127\.0\.0\.1:1\] error: Connection refused\n$/);
    expect(epErrors('receiver')).toMatch(/ 1 0\n$/);

    c.child.stdin.end();
    expect(await finished(c)).toEqual({ code: 0, signal: null });
    expect(c.stderr).toBe('');
  }, 30_000);

  it('the bridge serves it beside a nanosp process, labelled host, application and socket; after the C program exits its series go stale and are removed', async () => {
    const bridge = await startBridge(['--stale-after', '1500']);
    const c = await startCPublisher(bridge.url, 'libnanomsg-app');
    const nanospEnv: DiagEnv = { NN_STATISTICS_SOCKET: bridge.url, NN_HOSTNAME: 'jshost', NN_APPLICATION_NAME: 'nanosp-app', NANOSP_STATISTICS_INTERVAL: '200' };
    const js = startNode(fixture('connect.ts'), ['pusher', 'tcp://127.0.0.1:1', '20'], nanospEnv);
    const labels = (socket: string) => `host="chost",application="libnanomsg-app",socket="${socket}"`;
    const jsLabels = 'host="jshost",application="nanosp-app",socket="pusher"';

    const body = await scrapeUntil(
      bridge,
      (b) =>
        (value(b, `nanosp_connect_errors_total{${labels('pusher')}}`) ?? 0) > 0 &&
        (value(b, `nanosp_messages_received_total{${labels('receiver')}}`) ?? 0) > 0 &&
        (value(b, `nanosp_connect_errors_total{${jsLabels}}`) ?? 0) > 0,
    );
    // every statistic of every C socket, as a counter or a gauge with the three labels
    for (const socket of C_SOCKETS) {
      for (const stat of STATISTICS) {
        const sample = stat.kind === 'counter' ? `nanosp_${stat.name}_total` : `nanosp_${stat.name}`;
        expect(value(body, `${sample}{${labels(socket)}}`), `${sample} ${socket}`).toEqual(expect.any(Number));
      }
    }
    expect(value(body, `nanosp_current_ep_errors{${labels('pusher')}}`)).toBe(1);
    expect(value(body, `nanosp_current_connections{${labels('2')}}`)).toBe(1);
    expect(value(body, `nanosp_messages_sent_total{${labels('2')}}`)).toBeGreaterThan(0);
    expect(value(body, `nanosp_bytes_received_total{${labels('receiver')}}`)).toBe(4 * value(body, `nanosp_messages_received_total{${labels('receiver')}}`)!);
    expect(samples(body, 'nanosp_current_ep_errors')).toEqual([
      `nanosp_current_ep_errors{${labels('2')}} 0`,
      `nanosp_current_ep_errors{${labels('pusher')}} 1`,
      `nanosp_current_ep_errors{${labels('receiver')}} 0`,
      `nanosp_current_ep_errors{${jsLabels}} 1`,
    ]);
    expect(value(body, 'nanosp_bridge_sources')).toBe(2);
    expect(value(body, 'nanosp_bridge_malformed_records_total')).toBe(0);
    expect(value(body, 'nanosp_bridge_dropped_records_total')).toBe(0);

    // the C program exits: after --stale-after its 45 series go; the nanosp process publishes on
    c.child.stdin.end();
    expect(await finished(c)).toEqual({ code: 0, signal: null });
    const after = await scrapeUntil(bridge, (b) => !b.includes('libnanomsg-app'));
    expect(after).toContain(`nanosp_connect_errors_total{${jsLabels}} `);
    expect(value(after, 'nanosp_bridge_sources')).toBe(1);
    expect(value(after, 'nanosp_bridge_series')).toBe(15);
    expect(value(after, 'nanosp_bridge_expired_series_total')).toBeGreaterThanOrEqual(45);

    js.child.stdin.end();
    expect(await finished(js)).toEqual({ code: 0, signal: null });
    await stopBridge(bridge);
    expect(bridge.peer.stderr).toBe('');
  }, 30_000);
});
