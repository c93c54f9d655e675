/**
 * The diagnostics at work. It learns of every socket through the stack's diagnostics
 * channels, reads the environment when the first one opens (as nanomsg's nn_global_init
 * does), prints endpoint errors as they change, and on a timer prints statistics and
 * publishes them as ESTP on the statistics socket. The stack never knows it is watched.
 */
import { subscribe } from 'node:diagnostics_channel';
import { SpError, type ErrnoName } from '../sp/errors.js';
import type { Endpoint } from '../sp/endpoint.js';
import type { EndpointFailure, EndpointInfo, PipeFailure } from '../sp/events.js';
import { socketCloseChannel, socketCreateChannel, socketOpenChannel } from '../node/channels.js';
import { SpSocket } from '../sp/socket.js';
import { strerror } from '../sp/errors.js';
import { metricsAddress, readEnvironment, type DiagnosticsConfig } from './config.js';
import { errorLine, estpRecords, peerHost, statisticsLines } from './lines.js';
import { formatMetrics, type MetricsOptions } from './metrics.js';
import { MetricsServer } from './metrics-server.js';

/** getaddrinfo's texts (glibc gai_strerror) for the failures Node reports by these codes. */
const RESOLVE_TEXT: Readonly<Record<string, string>> = {
  ENOTFOUND: 'Name or service not known',
  EAI_AGAIN: 'Temporary failure in name resolution',
  EAI_FAIL: 'Non-recoverable failure in name resolution',
  EAI_NODATA: 'No address associated with hostname',
};

/** Bind failures that are the address's fault are thrown to the caller, not printed. */
const USAGE_ERRORS = new Set<ErrnoName>(['EINVAL', 'ENODEV', 'EPROTONOSUPPORT', 'ENAMETOOLONG', 'EBADF']);

export class Diagnostics {
  private config: DiagnosticsConfig | undefined;
  private overrides: Partial<DiagnosticsConfig> = {};
  private readonly sockets = new Set<SpSocket>();
  private statsSocket: SpSocket | undefined;
  private opening = false;
  private timer: NodeJS.Timeout | undefined;
  /** Per endpoint, what nanosp's extensions (resolve failures) last printed. */
  private readonly printed = new WeakMap<EndpointInfo, string>();
  /** Per endpoint, the peer hosts whose refused pipes were reported. */
  private readonly refused = new WeakMap<EndpointInfo, Set<string>>();
  /** NANOSP_METRICS as it was when nanosp loaded. */
  private loadedMetrics = metricsAddress();
  private readonly metricsServer = new MetricsServer((format) => this.metricsText({ format }));

  constructor() {
    subscribe(socketCreateChannel.name, () => this.creating());
    subscribe(socketOpenChannel.name, (s) => this.opened(s as SpSocket));
    subscribe(socketCloseChannel.name, (s) => this.closed(s as SpSocket));
    // served from the start, without reading the rest of the environment before the first socket
    this.metricsServer.serve(this.loadedMetrics, process.stderr);
  }

  /** The settings in force (the environment's, then the overrides). */
  get settings(): DiagnosticsConfig {
    this.config ??= readEnvironment();
    return { ...this.config, metrics: this.loadedMetrics, ...this.overrides };
  }

  configure(overrides: Partial<DiagnosticsConfig>): void {
    const socketChanged = 'statisticsSocket' in overrides && overrides.statisticsSocket !== this.settings.statisticsSocket;
    this.overrides = { ...this.overrides, ...overrides };
    if (socketChanged) this.closeStatisticsSocket();
    if ('metrics' in overrides) this.metricsServer.serve(this.settings.metrics, this.settings.stderr);
    if (this.sockets.size > 0) this.start();
  }

  /** Forget the environment and the overrides (for tests: the next socket reads it again; NANOSP_METRICS is read now). */
  reset(): void {
    this.stopTimer();
    this.closeStatisticsSocket();
    this.config = undefined;
    this.overrides = {};
    this.loadedMetrics = metricsAddress();
    this.metricsServer.stop();
    this.metricsServer.serve(this.loadedMetrics, process.stderr);
  }

  /** The port the metrics server bound, once it listens (useful with `host:0`). */
  get metricsPort(): number | undefined {
    return this.metricsServer.port;
  }

  /** Every open socket's statistics as exposition text (not the statistics socket's). */
  metricsText(options: MetricsOptions = {}): string {
    const settings = this.settings;
    const sockets = [...this.sockets].filter((s) => !s.closed).map((s) => s.describe());
    return formatMetrics(sockets, { application: settings.applicationName, host: settings.hostname }, options);
  }

  /** A user socket is being made: like nn_global_init, read the environment and open the statistics socket first. */
  private creating(): void {
    if (this.opening) return;
    this.config ??= readEnvironment();
    const url = this.settings.statisticsSocket;
    if (url !== undefined && !this.statsSocket) this.openStatisticsSocket(url);
  }

  private opened(socket: SpSocket): void {
    if (this.opening || socket === this.statsSocket) return;
    this.sockets.add(socket);
    this.watch(socket);
    this.start();
  }

  private closed(socket: SpSocket): void {
    if (!this.sockets.delete(socket) || this.sockets.size > 0) return;
    // nothing left to report: stop, so that diagnostics never keep a process alive
    this.stopTimer();
    this.closeStatisticsSocket();
  }

  private watch(socket: SpSocket): void {
    socket.on('endpoint-error', ({ endpoint, error }) => {
      if (!error) return void this.printed.delete(endpoint);
      this.printed.set(endpoint, error.code);
      this.printError(socket, endpoint, strerror(error.code));
    });
    socket.on('connected', ({ endpoint }) => this.printed.delete(endpoint));
    // nanosp's extensions: nanomsg 1.x prints neither of these
    socket.on('resolve-failed', (event) => this.resolveFailed(socket, event));
    socket.on('bind-failed', ({ endpoint, error }) => {
      if (!USAGE_ERRORS.has(error.code)) this.printError(socket, endpoint, strerror(error.code));
    });
    socket.on('pipe-broken', (event) => this.pipeRefused(socket, event));
  }

  /** nanosp's extension: a pipe the application refused ('pipe-adding'), once per endpoint and peer host. */
  private pipeRefused(socket: SpSocket, { endpoint, pipe, error }: PipeFailure): void {
    if (error.code !== 'EACCES' || !pipe) return;
    const host = peerHost(pipe.remoteAddress);
    let hosts = this.refused.get(endpoint);
    if (!hosts) this.refused.set(endpoint, (hosts = new Set()));
    if (hosts.has(host)) return;
    hosts.add(host);
    this.printError(socket, endpoint, `${strerror('EACCES')} (the application refused a connection from ${host})`);
  }

  private resolveFailed(socket: SpSocket, { endpoint, error }: EndpointFailure): void {
    const code = String((error.cause as { code?: unknown } | undefined)?.code ?? error.code);
    const key = `resolve:${code}`;
    if (this.printed.get(endpoint) === key) return;
    this.printed.set(endpoint, key);
    this.printError(socket, endpoint, RESOLVE_TEXT[code] ?? strerror(error.code));
  }

  private printError(socket: SpSocket, endpoint: EndpointInfo, text: string): void {
    const settings = this.settings;
    if (settings.printErrors) settings.stderr.write(errorLine(socket.options.socketName, endpoint.url, text));
  }

  /** Start the timer and the statistics socket if the settings ask for them. */
  private start(): void {
    const settings = this.settings;
    if (settings.statisticsSocket !== undefined && !this.statsSocket) this.openStatisticsSocket(settings.statisticsSocket);
    const wanted = settings.printStatistics || this.statsSocket !== undefined;
    if (!wanted) return this.stopTimer();
    if (!this.timer) this.arm();
  }

  private arm(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      try {
        this.report();
      } catch (err) {
        // diagnostics must never take the process down
        this.settings.stderr.write(`nanosp: statistics report failed: ${err instanceof Error ? err.message : String(err)}\n`);
      }
      // re-armed after each report, as nanomsg's timer is: the schedule drifts a little
      if (this.sockets.size > 0) this.start();
    }, this.settings.statisticsInterval);
    this.timer.unref();
  }

  private stopTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One report: stderr lines and ESTP records for every socket, lowest number first. */
  report(): void {
    const settings = this.settings;
    const publisher = this.statsSocket;
    const interval = Math.max(1, Math.round(settings.statisticsInterval / 1000));
    const sockets = [...this.sockets].filter((s) => !s.closed).sort((a, b) => a.index - b.index);
    let text = '';
    for (const socket of sockets) {
      const name = socket.options.socketName;
      if (settings.printStatistics) text += statisticsLines(name, socket.stats);
      if (!publisher || publisher.closed) continue;
      const records = estpRecords({
        host: settings.hostname,
        application: settings.applicationName,
        socketName: name,
        index: socket.index,
        stats: socket.stats,
        endpoints: socket.endpoints as Endpoint[],
        interval,
      });
      for (const record of records) {
        try {
          publisher.trySend(record);
        } catch {
          // PUB never blocks; a record that cannot go is dropped, as nanomsg's NN_DONTWAIT send
        }
      }
    }
    if (text !== '') settings.stderr.write(text);
  }

  private openStatisticsSocket(url: string): void {
    this.opening = true;
    let socket: SpSocket;
    try {
      socket = new SpSocket('pub', { linger: 100 }); // named by its number, 0 when made first, as nanomsg's
    } finally {
      this.opening = false;
    }
    this.statsSocket = socket;
    this.watch(socket);
    try {
      socket.connect(url);
    } catch (err) {
      // nanomsg aborts the process here; nanosp says what is wrong, once, and carries on
      const error = err instanceof SpError ? err : undefined;
      this.settings.stderr.write(errorLine(socket.options.socketName, url, error ? `${strerror(error.code)} (NN_STATISTICS_SOCKET: ${error.message})` : String(err)));
      void socket.close();
    }
  }

  private closeStatisticsSocket(): void {
    const socket = this.statsSocket;
    this.statsSocket = undefined;
    if (socket) void socket.close();
  }
}
