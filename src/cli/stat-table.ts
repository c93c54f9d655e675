/**
 * The compact view of `nanosp stat` (and of the demo): the title, then one row per socket
 * with what tells most about it, fitted to the terminal:
 *
 *   nanosp stat tcp://127.0.0.1:5600: 4 sources, 72 records, 0 malformed
 *                                                msgs/s       bytes/s       errors
 *   application   socket               conns     in    out     in    out  total  now
 *   errors        pusher                   0      0      0      0      0    188    1
 *   pubsub        ticker                   2      0     98      0   1617      0    0
 *
 * conns is current_connections; msgs/s and bytes/s are the rates of messages_* and bytes_*
 * (received in, sent out); errors total is connect_errors + accept_errors +
 * broken_connections so far, errors now is current_ep_errors (endpoints failing now). ESTP
 * carries no protocol, so there is no protocol column. A stale socket keeps its name and error
 * counts, its levels and rates become "-", and "(stale)" follows its name. The application
 * column shows `host:application` when more than one host publishes. The application and
 * socket columns share what the numbers leave of the width, names cut with an ellipsis; below
 * 61 columns the bytes/s columns go; rows that do not fit the height end in "… N more
 * sockets", so the title always stays on screen.
 */
import { cell, compactNumber, joinLines, limitHeight, type ViewLine } from './text-fit.js';
import type { Metric, Source, StatView, ViewLayout } from './stat-view.js';

const GAP = '  ';
const NAME_MIN = 6;
/** The application column's share when both names must be cut. */
const APPLICATION_SHARE = 0.45;

interface NumberColumn {
  group: string;
  header: string;
  width: number;
  /** The cell of a live socket; a stale one shows "-" unless `keepWhenStale`. */
  value: (metrics: Map<string, Metric>) => number | undefined;
  keepWhenStale?: boolean;
}

const valueOf = (metrics: Map<string, Metric>, name: string): number | undefined => {
  const m = metrics.get(name);
  return m === undefined ? undefined : Number(m.value);
};
const rateOf = (name: string) => (metrics: Map<string, Metric>) => metrics.get(name)?.rate;
const ERROR_COUNTERS = ['connect_errors', 'accept_errors', 'broken_connections'];

const COLUMNS: readonly NumberColumn[] = [
  { group: '', header: 'conns', width: 5, value: (m) => valueOf(m, 'current_connections') },
  { group: 'msgs/s', header: 'in', width: 5, value: rateOf('messages_received') },
  { group: 'msgs/s', header: 'out', width: 5, value: rateOf('messages_sent') },
  { group: 'bytes/s', header: 'in', width: 5, value: rateOf('bytes_received') },
  { group: 'bytes/s', header: 'out', width: 5, value: rateOf('bytes_sent') },
  {
    group: 'errors',
    header: 'total',
    width: 5,
    keepWhenStale: true,
    value: (m) => {
      const found = ERROR_COUNTERS.map((name) => valueOf(m, name)).filter((v) => v !== undefined);
      return found.length === 0 ? undefined : found.reduce((a, b) => a + b, 0);
    },
  },
  { group: 'errors', header: 'now', width: 3, keepWhenStale: true, value: (m) => valueOf(m, 'current_ep_errors') },
];
/** Dropped first when the terminal is too narrow for every column. */
const OPTIONAL_GROUP = 'bytes/s';

const widthOf = (columns: readonly NumberColumn[]) => columns.reduce((sum, c) => sum + GAP.length + c.width, 0);

/** Every column when the names keep NAME_MIN columns each, else all but the optional group. */
function columnsFor(width: number): readonly NumberColumn[] {
  if (widthOf(COLUMNS) + GAP.length + 2 * NAME_MIN <= width) return COLUMNS;
  return COLUMNS.filter((c) => c.group !== OPTIONAL_GROUP);
}

/** The widths of the application and socket columns: their longest text, or a share of the room. */
function nameWidths(room: number, applications: string[], sockets: string[]): [number, number] {
  const natural = (header: string, texts: string[]) => Math.max(header.length, ...texts.map((t) => [...t].length));
  const [app, sock] = [natural('application', applications), natural('socket', sockets)];
  if (app + sock <= room) return [app, sock];
  const appWidth = Math.min(app, Math.max(NAME_MIN, Math.floor(room * APPLICATION_SHARE)));
  return [appWidth, Math.max(NAME_MIN, room - appWidth)];
}

/** The group labels (msgs/s, bytes/s, errors) centred over their columns. */
function groupLine(nameColumns: number, columns: readonly NumberColumn[]): string {
  let line = ' '.repeat(nameColumns);
  for (let i = 0; i < columns.length; ) {
    const group = columns[i]!.group;
    let span = -GAP.length;
    for (; i < columns.length && columns[i]!.group === group; i++) span += GAP.length + columns[i]!.width;
    const left = Math.max(0, Math.floor((span - group.length) / 2));
    line += GAP + (' '.repeat(left) + group).padEnd(span);
  }
  return line.trimEnd();
}

export function renderTable(view: StatView, title: string, layout: ViewLayout = {}): string {
  const width = layout.width ?? 80;
  const columns = columnsFor(width);
  const sources = view.list(layout.now);
  const manyHosts = new Set(sources.map(({ source }) => source.host)).size > 1;
  const application = (s: Source) => (manyHosts ? `${s.host}:${s.application}` : s.application);
  const socket = (s: Source) => (s.resource.startsWith('socket.') ? s.resource.slice(7) : s.resource);
  const staleMark = (stale: boolean) => (stale ? ' (stale)' : '');
  const [appWidth, socketWidth] = nameWidths(
    width - widthOf(columns) - GAP.length,
    sources.map(({ source }) => application(source)),
    sources.map(({ source, stale }) => socket(source) + staleMark(stale)),
  );
  const names = (app: string, sock: string) => `${cell(app, appWidth, 'left')}${GAP}${cell(sock, socketWidth, 'left')}`;

  const lines: ViewLine[] = [{ text: view.titleLine(title, layout, sources) }];
  if (view.lastMalformed) lines.push({ text: `  last malformed: ${view.lastMalformed}` });
  lines.push({ text: groupLine(appWidth + GAP.length + socketWidth, columns) });
  lines.push({ text: names('application', 'socket') + columns.map((c) => GAP + cell(c.header, c.width, 'right')).join('') });
  for (const { source, stale } of sources) {
    // the name is cut before "(stale)" is, so a narrow column still says it
    const mark = staleMark(stale);
    const sock = stale ? `${cell(socket(source), Math.max(1, socketWidth - mark.length), 'left').trimEnd()}${mark}` : socket(source);
    const numbers = columns.map((c) => GAP + cell(stale && !c.keepWhenStale ? '-' : compactNumber(c.value(source.metrics)), c.width, 'right'));
    lines.push({ text: names(application(source), sock) + numbers.join(''), dim: stale });
  }
  return joinLines(limitHeight(lines, layout.height, 'sockets'), width, layout.color === true);
}
