/**
 * The dashboard's money and trend panels (dashboard.ts includes these three pieces): this billing
 * period so far and its forecast, today and yesterday in yen, exported energy, the live power of
 * the last 6 hours, 31 days of daily bars, the weekday / weekend profile and the 5 dearest half
 * hours. One request per panel: /api/cost, /api/power6h, /api/month. The script avoids template
 * literals, like the page's own, and runs after it, using its helpers (window.hemsPage).
 */

export const COST_CSS = `
.bar.day { fill:var(--today); }
.bar.day.gap { fill:var(--yday); }
.line { fill:none; stroke-width:2; }
.line.power { stroke:var(--today); }
.line.weekday { stroke:var(--today); }
.line.weekend { stroke:#e07b39; }
.zero { stroke:var(--muted); stroke-width:1; stroke-dasharray:3 3; }
.note { color:var(--muted); font-size:.8rem; }
svg.narrow { min-width:0; }
.twocol { display:grid; gap:1rem; grid-template-columns:repeat(auto-fit, minmax(18rem, 1fr)); }
`;

/** The cards, placed under the live cards. */
export const COST_CARDS_HTML = `
  <section class="cards" id="cost-cards" hidden>
    <div class="card"><h2 data-i18n="periodSoFar">This billing period so far</h2>
      <div class="big"><span id="period-main" data-value="">–</span><span class="unit" id="period-unit">kWh</span></div>
      <div class="muted"><span id="period-sub">–</span></div>
      <div class="note" id="period-missing" hidden></div></div>
    <div class="card"><h2 data-i18n="forecast">Forecast for the period</h2>
      <div class="big"><span id="forecast-main" data-value="">–</span><span class="unit" id="forecast-unit">kWh</span></div>
      <div class="muted" id="forecast-sub">–</div></div>
    <div class="card"><h2 data-i18n="costDays">Cost by day</h2>
      <div class="row"><span data-i18n="today">Today</span><span id="today-cost">–</span></div>
      <div class="row"><span data-i18n="yesterday">Yesterday</span><span id="yesterday-cost">–</span></div>
      <div class="note" data-i18n="costDaysNote">energy charge and adjustments, without the basic charge</div></div>
    <div class="card" id="export-card" hidden><h2 data-i18n="exported">Exported (solar)</h2>
      <div class="row"><span data-i18n="thisPeriod">This period</span><span><span id="export-kwh">–</span> kWh</span></div>
      <div class="row" id="export-yen-row"><span data-i18n="worth">Worth</span><span id="export-yen">–</span></div>
      <div class="row"><span data-i18n="today">Today</span><span><span id="export-today">–</span> kWh</span></div></div>
  </section>
`;

/** The charts and the table, placed under the half-hour chart. */
export const COST_PANELS_HTML = `
  <section class="card">
    <h2 data-i18n="power6h">Power, last 6 hours</h2>
    <div class="chartwrap"><svg id="power-chart" viewBox="0 0 960 200" role="img" aria-label="power"></svg></div>
  </section>
  <section class="card">
    <h2 id="month-title" data-i18n="month">Last 31 days</h2>
    <div class="chartwrap"><svg id="month-chart" viewBox="0 0 960 220" role="img" aria-label="daily"></svg></div>
  </section>
  <div class="twocol">
    <section class="card">
      <h2 data-i18n="profile">Average day: weekdays and weekends</h2>
      <div class="legend"><span><i class="sw" style="background:var(--today)"></i><span data-i18n="weekday">Weekdays</span></span>
        <span><i class="sw" style="background:#e07b39"></i><span data-i18n="weekend">Weekends</span></span></div>
      <div class="chartwrap"><svg id="profile-chart" class="narrow" viewBox="0 0 480 240" role="img" aria-label="profile"></svg></div>
    </section>
    <section class="card">
      <h2 id="top-title" data-i18n="top">Most expensive half hours</h2>
      <table><thead><tr><th data-i18n="when">When</th><th class="n">kWh</th><th class="n" id="top-yen-head">¥</th></tr></thead>
        <tbody id="top"></tbody></table>
    </section>
  </div>
`;

export const COST_SCRIPT = `
(function () {
  'use strict';
  var T = {
    en: { periodSoFar: 'This billing period so far', forecast: 'Forecast for the period', costDays: 'Cost by day',
      costDaysNote: 'energy charge and adjustments, without the basic charge', exported: 'Exported (solar)',
      thisPeriod: 'This period', worth: 'Worth', power6h: 'Power, last 6 hours', month: 'Last 31 days',
      monthYen: 'Last 31 days (yen)', profile: 'Average day: weekdays and weekends', weekday: 'Weekdays',
      weekend: 'Weekends', top: 'Most expensive half hours', topKwh: 'Largest half hours', when: 'When',
      today: 'Today', yesterday: 'Yesterday', missing: 'half hours missing (not counted)', until: 'to',
      basedOn: 'from the weekday profile of the last 4 weeks', noForecast: 'not enough history yet',
      period: 'Period', noTariff: 'no tariff set: kWh only' },
    ja: { periodSoFar: '今期（検針期間）の電気代', forecast: '今期の見込み', costDays: '日ごとの電気代',
      costDaysNote: '電力量料金と調整額（基本料金を除く）', exported: '売電（太陽光）',
      thisPeriod: '今期', worth: '売電額', power6h: '直近6時間の電力', month: '直近31日の使用量',
      monthYen: '直近31日の電気代', profile: '平均的な1日（平日と休日）', weekday: '平日',
      weekend: '休日', top: '電気代が高かった30分', topKwh: '使用量が多かった30分', when: '日時',
      today: '今日', yesterday: '昨日', missing: '個の30分データが欠けています（計算に含まれません）', until: '〜',
      basedOn: '過去4週間の曜日別パターンから', noForecast: 'まだ履歴が足りません',
      period: '期間', noTariff: '料金表が未設定のため kWh のみ' }
  };
  var P = window.hemsPage;
  var lang = P.lang, $ = P.$, num = P.num, text = P.text, el = P.el;
  var L = T[lang];
  P.translate(L);
  function yen(v) {
    if (v === null || v === undefined) return '–';
    return lang === 'ja' ? num(v, 0) + '円' : '¥' + num(v, 0);
  }
  var YEN_UNIT = lang === 'ja' ? '円' : 'JPY';
  function get(path) {
    return fetch(path, { cache: 'no-store' }).then(function (r) {
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.json();
    });
  }
  function clear(svg) { while (svg.firstChild) svg.removeChild(svg.firstChild); }
  function niceStep(max) {
    if (max <= 0) return 1;
    var p = Math.pow(10, Math.floor(Math.log(max / 4) / Math.LN10));
    var m = max / 4 / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
  }
  /** A y axis from min to max (min ≤ 0); returns the value → y function. */
  function axis(svg, W, H, left, top, bottom, min, max, fmt) {
    var step = niceStep(Math.max(max - min, 1e-9));
    var lo = Math.floor(min / step) * step, hi = Math.max(step, Math.ceil(max / step) * step);
    var ph = H - top - bottom;
    var y = function (v) { return top + ph - ((v - lo) / (hi - lo)) * ph; };
    for (var g = lo; g <= hi + 1e-9; g += step) {
      svg.appendChild(el('line', { x1: left, x2: W - 8, y1: y(g), y2: y(g), class: 'grid' }));
      svg.appendChild(el('text', { x: left - 4, y: y(g) + 4, 'text-anchor': 'end', class: 'axis' }, fmt(g)));
    }
    return y;
  }

  function renderCost(c) {
    if (!c) return;
    $('cost-cards').hidden = false;
    var priced = c.tariff !== null;
    var p = c.period;
    $('period-main').setAttribute('data-value', priced ? String(c.soFar.yen) : String(c.soFar.kwh));
    text('period-main', priced ? num(c.soFar.yen, 0) : num(c.soFar.kwh, 1));
    text('period-unit', priced ? YEN_UNIT : 'kWh');
    text('period-sub', (priced ? num(c.soFar.kwh, 1) + ' kWh · ' : '') + p.start + ' ' + L.until + ' ' + p.last +
      (priced ? '' : ' · ' + L.noTariff));
    $('period-missing').hidden = p.missing === 0;
    text('period-missing', p.missing + ' ' + L.missing);
    var f = c.forecast;
    $('forecast-main').setAttribute('data-value', f ? String(priced ? f.yen : f.kwh) : '');
    text('forecast-main', f ? (priced ? num(f.yen, 0) : num(f.kwh, 1)) : '–');
    text('forecast-unit', priced ? YEN_UNIT : 'kWh');
    text('forecast-sub', f ? (priced ? num(f.kwh, 1) + ' kWh · ' : '') + L.basedOn : L.noForecast);
    function day(d) { return (priced ? yen(d.yen) + ' · ' : '') + num(d.kwh, 2) + ' kWh'; }
    text('today-cost', day(c.today));
    text('yesterday-cost', day(c.yesterday));
    $('export-card').hidden = !c.export;
    if (c.export) {
      text('export-kwh', num(c.export.kwh, 1));
      $('export-yen-row').hidden = c.export.yen === null;
      text('export-yen', yen(c.export.yen));
      text('export-today', num(c.export.todayKwh, 1));
    }
    $('cost-cards').setAttribute('data-ready', p.label);
  }

  function renderPower(v) {
    var svg = $('power-chart');
    clear(svg);
    if (!v) return;
    var W = 960, H = 200, left = 52, top = 10, bottom = 24;
    var t0 = Date.parse(v.from), t1 = Date.parse(v.to);
    var min = 0, max = 0;
    v.points.forEach(function (p) { if (p.w < min) min = p.w; if (p.w > max) max = p.w; });
    var y = axis(svg, W, H, left, top, bottom, min, max, function (g) { return Math.round(g) + ' W'; });
    var x = function (t) { return left + ((t - t0) / (t1 - t0)) * (W - left - 8); };
    for (var h = Math.ceil(t0 / 3600000) * 3600000; h <= t1; h += 3600000) {
      var lbl = new Date(h).toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit', timeZone: v.timezone || undefined });
      svg.appendChild(el('text', { x: x(h), y: H - 6, 'text-anchor': 'middle', class: 'axis' }, lbl));
    }
    if (min < 0) svg.appendChild(el('line', { x1: left, x2: W - 8, y1: y(0), y2: y(0), class: 'zero' }));
    var d = v.points.map(function (p, i) { return (i ? 'L' : 'M') + x(Date.parse(p.t)).toFixed(1) + ' ' + y(p.w).toFixed(1); }).join(' ');
    if (d) svg.appendChild(el('path', { d: d, class: 'line power' }));
    svg.setAttribute('data-points', String(v.points.length));
    svg.setAttribute('data-ready', v.to);
  }

  function renderMonth(m) {
    if (!m) return;
    var svg = $('month-chart');
    clear(svg);
    var priced = m.priced;
    text('month-title', priced ? L.monthYen : L.month);
    var W = 960, H = 220, left = 52, top = 10, bottom = 26;
    var val = function (d) { return priced ? d.yen : d.kwh; };
    var max = 0;
    m.days.forEach(function (d) { if (val(d) > max) max = val(d); });
    var y = axis(svg, W, H, left, top, bottom, 0, max, function (g) { return priced ? '¥' + Math.round(g) : String(Math.round(g * 10) / 10); });
    var gw = (W - left - 8) / m.days.length;
    m.days.forEach(function (d, i) {
      var v = val(d) || 0;
      var h = Math.max(v > 0 ? 1 : 0, y(0) - y(v));
      var r = el('rect', { x: (left + i * gw + gw * 0.15).toFixed(1), y: (y(0) - h).toFixed(1), width: (gw * 0.7).toFixed(1),
        height: h.toFixed(1), class: 'bar day' + (d.missing > 0 ? ' gap' : ''), 'data-date': d.date, 'data-value': String(v) });
      r.appendChild(el('title', {}, d.date + ' ' + num(d.kwh, 2) + ' kWh' + (priced ? ' ' + yen(d.yen) : '') +
        (d.missing > 0 ? ' (' + d.missing + ' ' + L.missing + ')' : '')));
      svg.appendChild(r);
      if (i % 5 === 0) svg.appendChild(el('text', { x: left + i * gw, y: H - 8, class: 'axis' }, d.date.slice(5)));
    });
    svg.setAttribute('data-ready', m.days[m.days.length - 1].date);

    var ps = $('profile-chart');
    clear(ps);
    W = 480; H = 240; left = 40;
    var pmax = 0;
    m.profile.weekday.concat(m.profile.weekend).forEach(function (v) { if (v !== null && v > pmax) pmax = v; });
    var py = axis(ps, W, H, left, top, bottom, 0, pmax, function (g) { return String(Math.round(g * 100) / 100); });
    var px = function (i) { return left + (i + 0.5) * ((W - left - 8) / 48); };
    ['weekday', 'weekend'].forEach(function (k) {
      var d = '', pen = 'M';
      m.profile[k].forEach(function (v, i) {
        if (v === null) { pen = 'M'; return; }
        d += pen + px(i).toFixed(1) + ' ' + py(v).toFixed(1) + ' ';
        pen = 'L';
      });
      if (d) ps.appendChild(el('path', { d: d, class: 'line ' + k, 'data-kind': k }));
    });
    for (var i = 0; i < 48; i += 6) {
      ps.appendChild(el('text', { x: px(i), y: H - 8, 'text-anchor': 'middle', class: 'axis' }, (i / 2 < 10 ? '0' : '') + i / 2 + ':00'));
    }
    ps.setAttribute('data-ready', '1');

    text('top-title', priced ? L.top : L.topKwh);
    $('top-yen-head').hidden = !priced;
    var tb = $('top');
    while (tb.firstChild) tb.removeChild(tb.firstChild);
    m.top.forEach(function (h) {
      var tr = document.createElement('tr');
      var cells = [[h.label, ''], [num(h.kwh, 2), 'n']];
      if (priced) cells.push([yen(h.yen), 'n']);
      cells.forEach(function (c) {
        var td = document.createElement('td'); td.textContent = c[0]; if (c[1]) td.className = c[1]; tr.appendChild(td);
      });
      tb.appendChild(tr);
    });
  }

  function every(ms, path, render) {
    var load = function () { get(path).then(render).catch(function () {}); };
    load();
    setInterval(load, ms);
  }
  every(60000, 'api/cost', renderCost);
  every(60000, 'api/power6h', renderPower);
  every(600000, 'api/month', renderMonth);
})();
`;
