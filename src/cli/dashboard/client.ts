/**
 * The dashboard page's script, as text served at /dashboard.js. It opens an EventSource on
 * /events (same origin), keeps the sources it is told about — a `snapshot` replaces them
 * all, an `update` adds new chart points (trimmed to the server's history length) and
 * removes stale sources — and redraws the changed cards once per animation frame. Cards are
 * grouped by application and host and sorted by socket name. Every text from the publishers
 * goes in with textContent, never as HTML. `window.nanospDashboard` exposes the state, for
 * the tests and for a curious operator's console.
 */
import { SPARKLINE_JS } from './sparkline.js';

const PAGE_JS = String.raw`
const CHARTS = [
  { id: 'messages', title: 'msgs/s', lines: [['messages_received', 'in', '#2b6cb0'], ['messages_sent', 'out', '#dd6b20']] },
  { id: 'bytes', title: 'bytes/s', lines: [['bytes_received', 'in', '#2b6cb0'], ['bytes_sent', 'out', '#dd6b20']] },
  { id: 'connections', title: 'connections', lines: [['current_connections', '', '#2f855a']] },
  // three kinds of error: the caption names only those happening now, to stay short
  { id: 'errors', title: 'errors/s', quiet: 'none', lines: [['connect_errors', 'connect', '#c53030'], ['accept_errors', 'accept', '#d69e2e'], ['broken_connections', 'broken', '#805ad5']] },
];
/** Endpoint errors listed at the top; the rest are counted. */
const MAX_LISTED_ERRORS = 20;

const state = { title: '', history: 120, now: 0, stats: null, sources: new Map(), snapshots: 0, updates: 0, live: false };
window.nanospDashboard = state;
const cards = new Map();
const groups = new Map();
const dirty = new Set();
let frame = 0;

const byId = (id) => document.getElementById(id);
const byName = (a, b) => a.localeCompare(b, undefined, { numeric: true });

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function plural(n, one, many) {
  return n + ' ' + (n === 1 ? one : many);
}

/** 0, 7, 12, 3.4, 1.2k, 56k, 7.8M: short enough for a caption. */
function format(v) {
  if (v === undefined || v === null || !Number.isFinite(v)) return '-';
  const a = Math.abs(v);
  for (const [size, unit] of [[1e9, 'G'], [1e6, 'M'], [1e3, 'k']]) {
    if (a >= size) return (v / size).toFixed(a >= 10 * size ? 0 : 1) + unit;
  }
  return a >= 10 || Number.isInteger(v) ? String(Math.round(v)) : v.toFixed(1);
}

function lastOf(values) {
  return values && values.length > 0 ? values[values.length - 1] : undefined;
}

/** The failing endpoints of a socket, in words; '' when none is failing. */
function errorWords(view) {
  const n = view.epErrors || 0;
  if (n <= 0) return '';
  const described = view.endpointErrors.map((e) => e.address + ': ' + e.error + ' (endpoint ' + e.endpoint + ')');
  let text = plural(n, 'endpoint', 'endpoints') + ' failing';
  if (described.length > 0) text += ': ' + described.join('; ');
  if (n > described.length) text += (described.length > 0 ? '; ' : ', ') + (n - described.length) + ' not described in the record';
  return text;
}

function groupOf(view) {
  const key = view.host + ' ' + view.application;
  let group = groups.get(key);
  if (group) return group;
  const section = el('section', 'app');
  section.dataset.application = view.application;
  section.dataset.host = view.host;
  const count = el('span', 'count');
  const head = el('h2');
  head.append(el('span', 'name', view.application), el('span', 'host', 'on ' + view.host), count);
  const grid = el('div', 'grid');
  section.append(head, grid);
  group = { key, name: view.application + ' ' + view.host, section, grid, count, keys: new Set() };
  groups.set(key, group);
  const apps = byId('apps');
  for (const g of [...groups.values()].sort((a, b) => byName(a.name, b.name))) apps.append(g.section);
  byId('empty').hidden = true;
  return group;
}

function placeCards(group) {
  const sorted = [...group.keys].map((key) => cards.get(key)).sort((a, b) => byName(a.socket, b.socket));
  for (const card of sorted) group.grid.append(card.root);
  group.count.textContent = plural(group.keys.size, 'socket', 'sockets');
}

function cardOf(view) {
  let card = cards.get(view.key);
  if (card) return card;
  const group = groupOf(view);
  const root = el('article', 'card');
  root.dataset.socket = view.socket;
  root.dataset.application = view.application;
  const age = el('span', 'age');
  const head = el('h3');
  head.append(el('span', 'socket', view.socket), age);
  const charts = el('div', 'charts');
  const figures = CHARTS.map((chart) => {
    const caption = el('figcaption');
    const canvas = el('canvas');
    canvas.dataset.chart = chart.id;
    const figure = el('figure');
    figure.append(caption, canvas);
    charts.append(figure);
    return { chart, caption, canvas };
  });
  const errors = el('p', 'ep-errors');
  root.append(head, charts, errors);
  card = { root, socket: view.socket, age, figures, errors, group };
  cards.set(view.key, card);
  group.keys.add(view.key);
  placeCards(group);
  return card;
}

function drawCard(view) {
  const card = cardOf(view);
  for (const { chart, caption, canvas } of card.figures) {
    const lines = chart.lines.map(([metric, label, color]) => ({ label, color, values: view.series[metric] || [] }));
    const max = drawSparkline(canvas, lines, state.history, format);
    canvas.title = chart.title + ', last ' + state.history + ' reports, scale 0 to ' + format(max);
    const shown = chart.quiet ? lines.filter((line) => lastOf(line.values) > 0) : lines;
    const figures = shown.map((line) => {
      const span = el('span', '', (line.label ? line.label + ' ' : '') + format(lastOf(line.values)));
      span.style.color = line.color;
      return span;
    });
    if (figures.length === 0) figures.push(el('span', '', chart.quiet));
    caption.replaceChildren(el('b', '', chart.title), ...figures);
  }
  card.errors.textContent = errorWords(view);
  card.root.classList.toggle('failing', (view.epErrors || 0) > 0);
}

function removeSource(key) {
  state.sources.delete(key);
  const card = cards.get(key);
  if (!card) return;
  cards.delete(key);
  card.root.remove();
  const group = card.group;
  group.keys.delete(key);
  if (group.keys.size > 0) return placeCards(group);
  group.section.remove();
  groups.delete(group.key);
  byId('empty').hidden = groups.size > 0;
}

/** An update's view: its series hold only the new points, appended to what the page has. */
function mergeSource(view) {
  const old = state.sources.get(view.key);
  if (old) {
    for (const [metric, fresh] of Object.entries(view.series)) {
      const values = (old.series[metric] || []).concat(fresh);
      old.series[metric] = values.length > state.history ? values.slice(values.length - state.history) : values;
    }
    view.series = old.series;
  }
  state.sources.set(view.key, view);
  dirty.add(view.key);
}

function renderAges() {
  for (const view of state.sources.values()) {
    const card = cards.get(view.key);
    if (!card) continue;
    const seconds = Math.max(0, Math.round((state.now - view.seen) / 1000));
    const quiet = seconds > 3 * Math.max(1, view.interval);
    card.age.textContent = quiet ? 'no report for ' + seconds + ' s' : '';
    card.root.classList.toggle('quiet', quiet);
  }
}

function renderErrors() {
  const lines = [];
  let failingSockets = 0;
  for (const view of [...state.sources.values()].sort((a, b) => byName(a.key, b.key))) {
    const words = errorWords(view);
    if (!words) continue;
    failingSockets++;
    if (lines.length < MAX_LISTED_ERRORS) lines.push(view.application + ' on ' + view.host + ', socket ' + view.socket + ': ' + words);
  }
  const items = lines.map((line) => el('li', '', line));
  if (failingSockets === 0) items.push(el('li', '', 'No endpoint is failing.'));
  else if (failingSockets > lines.length) items.push(el('li', '', 'and ' + plural(failingSockets - lines.length, 'more socket', 'more sockets') + ' with failing endpoints'));
  byId('error-list').replaceChildren(...items);
  byId('errors').className = failingSockets === 0 ? 'none' : '';
}

function renderSummary() {
  const stats = state.stats;
  byId('estp-url').textContent = state.title;
  const status = byId('status');
  status.textContent = state.live ? 'live, updated ' + new Date(state.now).toLocaleTimeString() : 'reconnecting…';
  status.className = state.live ? 'status live' : 'status';
  if (!stats) return;
  byId('summary').textContent = plural(groups.size, 'application', 'applications') + ', ' + plural(stats.sources, 'socket', 'sockets') + ', ' + plural(stats.records, 'record', 'records') + ', ' + stats.malformed + ' malformed';
  const notes = [];
  if (stats.refusedRecords > 0) notes.push('More than ' + stats.maxSources + ' sockets publish: the records of the others are not shown (' + stats.refusedRecords + ' so far).');
  if (stats.droppedRecords > 0) notes.push(plural(stats.droppedRecords, 'record', 'records') + ' of sockets with too many metrics were not kept.');
  if (stats.lastMalformed) notes.push('Last malformed record: ' + stats.lastMalformed);
  byId('notes').textContent = notes.join(' ');
}

function render() {
  frame = 0;
  for (const key of dirty) {
    const view = state.sources.get(key);
    if (view) drawCard(view);
  }
  dirty.clear();
  renderAges();
  renderErrors();
  renderSummary();
}

/** Drawing waits for the next frame: a hidden tab draws nothing, and only keeps the latest data. */
function schedule() {
  if (!frame) frame = requestAnimationFrame(render);
}

function received(data) {
  state.now = data.now;
  state.stats = data.stats;
  state.live = true;
  schedule();
}

const events = new EventSource('/events');
events.addEventListener('snapshot', (event) => {
  const data = JSON.parse(event.data);
  state.title = data.title;
  state.history = data.history;
  const keys = new Set(data.sources.map((view) => view.key));
  for (const key of [...state.sources.keys()]) if (!keys.has(key)) removeSource(key);
  state.sources.clear();
  for (const view of data.sources) mergeSource(view);
  state.snapshots++;
  received(data);
});
events.addEventListener('update', (event) => {
  const data = JSON.parse(event.data);
  for (const key of data.removed) removeSource(key);
  for (const view of data.sources) mergeSource(view);
  state.updates++;
  received(data);
});
events.addEventListener('error', () => {
  state.live = false;
  renderSummary();
});
`;

export const DASHBOARD_JS = `'use strict';\n(() => {\n${SPARKLINE_JS}\n${PAGE_JS}\n})();\n`;
