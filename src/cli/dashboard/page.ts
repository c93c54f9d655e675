/**
 * The dashboard's one HTML page. It loads only the dashboard's own stylesheet and script
 * (the server's Content-Security-Policy allows nothing else); everything shown is filled
 * in by the script, with textContent, from the event stream.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>nanosp stat</title>
<link rel="stylesheet" href="/dashboard.css">
<script src="/dashboard.js" defer></script>
</head>
<body>
<header>
  <h1>nanosp stat</h1>
  <span id="estp-url" title="where the ESTP records arrive"></span>
  <span id="status" class="status">connecting…</span>
  <span id="summary"></span>
</header>
<section id="errors" class="none" aria-live="polite">
  <h2>Endpoint errors</h2>
  <ul id="error-list"></ul>
</section>
<p id="notes"></p>
<main id="apps">
  <p id="empty">Waiting for ESTP records. Start programs with NN_STATISTICS_SOCKET set to the address above (nanosp, or nanomsg 0.3–0.8).</p>
</main>
<footer>Each chart shows the last reports of its socket, newest on the right; counters as a rate per second between reports, levels as they are.</footer>
</body>
</html>
`;
