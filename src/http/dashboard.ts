import { COST_CARDS_HTML, COST_CSS, COST_PANELS_HTML, COST_SCRIPT } from './dashboard-cost.js';

/**
 * The dashboard: one self-contained page (inline CSS, JS and SVG; no CDN, no build step) that
 * polls /api/latest and /api/halfhours. It only reads. The page script avoids template
 * literals so it can live inside this TypeScript string as is.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<link rel="icon" href="data:,">
<title>HEMS</title>
<style>
:root { --bg:#f6f7f9; --card:#fff; --fg:#1c2330; --muted:#667085; --today:#2f6fde; --yday:#b8c2d3;
  --bad:#b42318; --badbg:#fee4e2; --ok:#067647; --okbg:#dcfae6; --line:#e4e7ec; }
@media (prefers-color-scheme: dark) { :root { --bg:#12161d; --card:#1b212b; --fg:#e6e9ef; --muted:#98a2b3;
  --today:#6fa0ff; --yday:#4a5568; --bad:#fda29b; --badbg:#55160c; --ok:#75e0a7; --okbg:#053321; --line:#2c3440; } }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.45 system-ui, -apple-system, "Segoe UI", "Hiragino Sans", "Noto Sans JP", sans-serif;
  background:var(--bg); color:var(--fg); }
header { display:flex; flex-wrap:wrap; gap:.5rem 1rem; align-items:center; padding:.8rem 1rem; }
header h1 { font-size:1.15rem; margin:0; flex:1 1 auto; }
.pill { padding:.15rem .6rem; border-radius:999px; font-size:.85rem; background:var(--okbg); color:var(--ok); }
.pill.bad { background:var(--badbg); color:var(--bad); }
.muted { color:var(--muted); font-size:.85rem; }
#banner { margin:0 1rem .8rem; padding:.7rem 1rem; border-radius:.6rem; background:var(--badbg); color:var(--bad);
  font-weight:600; }
#banner[hidden] { display:none; }
#banner ul { margin:.2rem 0 0; padding-left:1.2rem; }
main { padding:0 1rem 1rem; display:grid; gap:1rem; grid-template-columns:minmax(0, 1fr); }
.cards { display:grid; gap:1rem; grid-template-columns:repeat(auto-fit, minmax(10.5rem, 1fr)); }
.card { background:var(--card); border-radius:.8rem; padding:.8rem 1rem; border:1px solid var(--line); }
.card h2 { font-size:.8rem; font-weight:600; margin:0 0 .3rem; color:var(--muted); text-transform:uppercase;
  letter-spacing:.03em; }
.big { font-size:2rem; font-weight:700; font-variant-numeric:tabular-nums; }
.unit { font-size:1rem; font-weight:500; color:var(--muted); margin-left:.2rem; }
.row { display:flex; flex-wrap:wrap; justify-content:space-between; gap:0 .6rem; font-variant-numeric:tabular-nums; }
.chartwrap { overflow-x:auto; }
svg { width:100%; min-width:600px; height:auto; display:block; }
.bar.today { fill:var(--today); }
.bar.yesterday { fill:var(--yday); }
.axis { fill:var(--muted); font-size:11px; }
.grid { stroke:var(--line); stroke-width:1; }
.legend { display:flex; gap:1rem; font-size:.85rem; margin:.3rem 0; flex-wrap:wrap; }
.sw { display:inline-block; width:.8rem; height:.8rem; border-radius:.15rem; vertical-align:-.1rem; margin-right:.3rem; }
table { width:100%; border-collapse:collapse; font-variant-numeric:tabular-nums; }
th, td { text-align:left; padding:.3rem .4rem; border-bottom:1px solid var(--line); }
td.n, th.n { text-align:right; }
td.fail { color:var(--bad); font-weight:600; }
@media (max-width: 520px) { .big { font-size:1.6rem; } main { padding:0 .6rem .8rem; } }
${COST_CSS}</style>
</head>
<body>
<header>
  <h1 data-i18n="title">Home energy</h1>
  <span id="state" class="pill">…</span>
  <span class="muted"><span data-i18n="last">Last reading</span>: <span id="last">–</span></span>
</header>
<div id="banner" role="alert" hidden><span data-i18n="problem">Something is wrong</span><ul id="problems"></ul></div>
<main>
  <section class="cards">
    <div class="card"><h2 data-i18n="power">Power now</h2>
      <div class="big"><span id="power" data-value="">–</span><span class="unit">W</span></div></div>
    <div class="card"><h2 data-i18n="current">Current</h2>
      <div class="row"><span data-i18n="total">Total</span><span><span id="current">–</span> A</span></div>
      <div class="row"><span data-i18n="phaseR">R phase</span><span><span id="current-r">–</span> A</span></div>
      <div class="row"><span data-i18n="phaseT">T phase</span><span><span id="current-t">–</span> A</span></div></div>
    <div class="card"><h2 data-i18n="todayTotal">Today so far</h2>
      <div class="big"><span id="today-total">–</span><span class="unit">kWh</span></div>
      <div class="muted"><span data-i18n="yesterday">Yesterday</span>: <span id="yesterday-total">–</span> kWh</div></div>
    <div class="card"><h2 data-i18n="cumulative">Meter reading</h2>
      <div class="row"><span data-i18n="import">Bought</span><span><span id="cumulative">–</span> kWh</span></div>
      <div class="row" id="reverse-row" hidden><span data-i18n="export">Sold (export)</span>
        <span><span id="reverse">–</span> kWh</span></div></div>
  </section>
${COST_CARDS_HTML}  <section class="card">
    <h2 data-i18n="halfhours">Half-hour consumption</h2>
    <div class="legend"><span><i class="sw" style="background:var(--yday)"></i><span data-i18n="yesterday">Yesterday</span>
      <span id="yesterday-date" class="muted"></span></span>
      <span><i class="sw" style="background:var(--today)"></i><span data-i18n="today">Today</span>
      <span id="today-date" class="muted"></span></span></div>
    <div class="chartwrap"><svg id="chart" viewBox="0 0 960 260" role="img" aria-label="half-hour consumption"></svg></div>
  </section>
${COST_PANELS_HTML}  <section class="card">
    <h2 data-i18n="connection">Connection</h2>
    <div class="row"><span data-i18n="session">Meter session</span><span id="session">–</span></div>
    <div class="row"><span data-i18n="meter">Meter</span><span id="meter" class="muted">–</span></div>
    <table><thead><tr><th data-i18n="output">Output</th><th class="n" data-i18n="depth">Waiting</th>
      <th class="n" data-i18n="delivered">Delivered</th><th class="n" data-i18n="failures">Failures</th>
      <th data-i18n="status">Status</th></tr></thead><tbody id="outputs"></tbody></table>
  </section>
  <p class="muted" id="history" hidden></p>
  <p class="muted"><span data-i18n="updated">Updated</span>: <span id="updated">–</span></p>
</main>
<script>
(function () {
  'use strict';
  var T = {
    en: { title: 'Home energy', last: 'Last reading', problem: 'Something is wrong', power: 'Power now',
      current: 'Current', total: 'Total', phaseR: 'R phase', phaseT: 'T phase', todayTotal: 'Today so far',
      yesterday: 'Yesterday', today: 'Today', cumulative: 'Meter reading', import: 'Bought', export: 'Sold (export)',
      halfhours: 'Half-hour consumption', connection: 'Connection', session: 'Meter session', meter: 'Meter',
      output: 'Output', depth: 'Waiting', delivered: 'Delivered', failures: 'Failures', status: 'Status',
      updated: 'Updated', ok: 'OK', failing: 'failing', up: 'connected', down: 'not connected',
      unreachable: 'Cannot reach the collector', noReading: 'No reading yet',
      stale: 'No reading for more than two intervals', sessionDown: 'Meter session is not up',
      outputFail: 'Destination failing', storeDown: 'Store unavailable', deadLetters: 'set aside (undecodable)',
      recovering: 'Recovering history: {n} day(s) left' },
    ja: { title: '電力モニター', last: '最終取得', problem: '異常があります', power: '現在の電力',
      current: '電流', total: '合計', phaseR: 'R相', phaseT: 'T相', todayTotal: '今日の使用量',
      yesterday: '昨日', today: '今日', cumulative: '積算電力量', import: '買電', export: '売電（逆方向）',
      halfhours: '30分ごとの使用量', connection: '接続状態', session: 'メーターとのセッション', meter: 'メーター',
      output: '出力先', depth: '未送信', delivered: '送信済み', failures: '失敗', status: '状態',
      updated: '更新', ok: '正常', failing: '失敗中', up: '接続中', down: '未接続',
      unreachable: 'コレクターに接続できません', noReading: 'まだ計測値がありません',
      stale: '2回分の間隔を超えて計測値がありません', sessionDown: 'メーターとのセッションが確立していません',
      outputFail: '出力先でエラーが続いています', storeDown: 'データベース（store）を利用できません',
      deadLetters: '件を読めないため除外', recovering: '履歴を回復中：残り {n} 日' }
  };
  var langs = (navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || 'en']);
  var lang = String(langs[0] || 'en').toLowerCase().indexOf('ja') === 0 ? 'ja' : 'en';
  var L = T[lang];
  document.documentElement.lang = lang;
  document.title = L.title;
  function translate(D) {
    Array.prototype.forEach.call(document.querySelectorAll('[data-i18n]'), function (el) {
      var k = el.getAttribute('data-i18n');
      if (D[k]) el.textContent = D[k];
    });
  }
  translate(L);

  var $ = function (id) { return document.getElementById(id); };
  var tz = 'UTC';
  function num(v, digits) {
    if (v === null || v === undefined) return '–';
    return Number(v).toLocaleString(lang, { minimumFractionDigits: digits, maximumFractionDigits: digits });
  }
  function when(iso) {
    if (!iso) return '–';
    try { return new Date(iso).toLocaleString(lang, { timeZone: tz }); } catch (e) { return iso; }
  }
  function text(id, v) { $(id).textContent = v; }

  var shown = { today: null, slot: null, at: 0 };
  var SVGNS = 'http://www.w3.org/2000/svg';
  function el(name, attrs, content) {
    var e = document.createElementNS(SVGNS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (content !== undefined) e.textContent = content;
    return e;
  }
  function drawChart(today, yday) {
    var svg = $('chart');
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var W = 960, H = 260, left = 44, right = 8, top = 10, bottom = 26;
    var n = Math.max(today.slots.length, yday.slots.length, 1);
    var max = 0;
    [today, yday].forEach(function (d) { d.slots.forEach(function (s) { if (s.kwh !== null && s.kwh > max) max = s.kwh; }); });
    var step = max <= 0.2 ? 0.05 : max <= 0.5 ? 0.1 : max <= 1 ? 0.25 : max <= 2 ? 0.5 : Math.ceil(max / 4);
    var top_ = Math.max(step, Math.ceil(max / step) * step);
    var ph = H - top - bottom, gw = (W - left - right) / n, bw = gw * 0.42;
    for (var g = 0; g <= top_ + 1e-9; g += step) {
      var gy = top + ph - (g / top_) * ph;
      svg.appendChild(el('line', { x1: left, x2: W - right, y1: gy, y2: gy, class: 'grid' }));
      svg.appendChild(el('text', { x: left - 4, y: gy + 4, 'text-anchor': 'end', class: 'axis' },
        (Math.round(g * 100) / 100).toString()));
    }
    function bars(day, cls, dx) {
      day.slots.forEach(function (s) {
        if (s.kwh === null) return;
        var h = Math.max(1, (s.kwh / top_) * ph);
        var r = el('rect', { x: (left + s.index * gw + dx).toFixed(1), y: (top + ph - h).toFixed(1),
          width: bw.toFixed(1), height: h.toFixed(1), class: 'bar ' + cls, 'data-slot': s.index, 'data-kwh': s.kwh });
        r.appendChild(el('title', {}, (cls === 'today' ? L.today : L.yesterday) + ' ' + s.label + ' ' + s.kwh + ' kWh'));
        svg.appendChild(r);
      });
    }
    bars(yday, 'yesterday', gw * 0.06);
    bars(today, 'today', gw * 0.52);
    var labels = today.slots.length ? today.slots : yday.slots;
    labels.forEach(function (s) {
      if (s.index % 6 !== 0) return;
      svg.appendChild(el('text', { x: left + s.index * gw, y: H - 8, class: 'axis' }, s.label));
    });
  }
  function loadBars(today, yesterday) {
    return Promise.all([today, yesterday].map(function (d) {
      return fetch('api/halfhours?date=' + encodeURIComponent(d), { cache: 'no-store' }).then(function (r) {
        if (!r.ok) throw new Error('HTTP ' + r.status);
        return r.json();
      });
    })).then(function (days) {
      drawChart(days[0], days[1]);
      text('today-total', days[0].totalKwh === null ? '–' : num(days[0].totalKwh, 2));
      text('yesterday-total', days[1].totalKwh === null ? '–' : num(days[1].totalKwh, 2));
      text('today-date', days[0].date);
      text('yesterday-date', days[1].date);
      $('chart').setAttribute('data-ready', days[0].date);
    });
  }
  function problemText(p) {
    if (p.kind === 'output') return L.outputFail + ': ' + p.output + ' (' + p.message + ')';
    if (p.kind === 'stale') return L.stale + ' (' + p.message + ')';
    if (p.kind === 'no-reading') return L.noReading;
    if (p.kind === 'store') return L.storeDown + ' (' + p.message + ')';
    return L.sessionDown + ' (' + p.message + ')';
  }
  function showProblems(list) {
    var ul = $('problems');
    while (ul.firstChild) ul.removeChild(ul.firstChild);
    list.forEach(function (t) { var li = document.createElement('li'); li.textContent = t; ul.appendChild(li); });
    $('banner').hidden = list.length === 0;
  }
  function render(v) {
    tz = v.timezone;
    var r = v.reading;
    $('power').setAttribute('data-value', r && r.instant_power_w !== null ? String(r.instant_power_w) : '');
    text('power', r ? num(r.instant_power_w, 0) : '–');
    text('current', r ? num(r.current_a, 1) : '–');
    text('current-r', r ? num(r.current_r_a, 1) : '–');
    text('current-t', r ? num(r.current_t_a, 1) : '–');
    text('cumulative', r ? num(r.cumulative_power_kwh, 1) : '–');
    var hasRev = !!r && r.cumulative_reverse_kwh !== null && r.cumulative_reverse_kwh !== undefined;
    $('reverse-row').hidden = !hasRev;
    if (hasRev) text('reverse', num(r.cumulative_reverse_kwh, 1));
    text('last', when(v.session.lastReadingAt));
    text('session', (v.session.state === 'up' ? L.up : L.down) + ' (' + v.session.state + ')');
    text('meter', v.session.meter || '–');
    var st = $('state');
    st.textContent = v.ok ? L.ok : L.problem;
    st.className = v.ok ? 'pill' : 'pill bad';
    var tb = $('outputs');
    while (tb.firstChild) tb.removeChild(tb.firstChild);
    v.outputs.forEach(function (o) {
      var tr = document.createElement('tr');
      [[o.name, ''], [String(o.depth), 'n'], [String(o.delivered), 'n'], [String(o.failures), 'n'],
        [(o.failing ? L.failing : L.ok) + (o.deadLetters ? ' · ' + o.deadLetters + ' ' + L.deadLetters : ''),
          o.failing ? 'fail' : '']].forEach(function (c) {
        var td = document.createElement('td'); td.textContent = c[0]; if (c[1]) td.className = c[1]; tr.appendChild(td);
      });
      if (o.lastError) tr.title = o.lastError;
      tb.appendChild(tr);
    });
    showProblems(v.problems.map(problemText));
    var left = v.history ? v.history.daysLeft : null;
    $('history').hidden = !(left > 0);
    if (left > 0) text('history', L.recovering.replace('{n}', String(left)));
    text('updated', when(v.now));
    var slot = r ? r.recent_30min_timestamp : null;
    if (shown.today !== v.today || shown.slot !== slot || Date.now() - shown.at > 300000) {
      shown = { today: v.today, slot: slot, at: Date.now() };
      loadBars(v.today, v.yesterday).catch(function () { shown.at = 0; });
    }
  }
  function poll() {
    fetch('api/latest', { cache: 'no-store' })
      .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
      .then(render)
      .catch(function () {
        showProblems([L.unreachable]);
        var st = $('state'); st.textContent = L.problem; st.className = 'pill bad';
      });
  }
  // Shared with the cost panels' script (dashboard-cost.ts), which runs after this one.
  window.hemsPage = { lang: lang, translate: translate, $: $, num: num, text: text, el: el };
  poll();
  setInterval(poll, 5000);
})();
</script>
<script>${COST_SCRIPT}</script>
</body>
</html>
`;
