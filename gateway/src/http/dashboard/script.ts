/**
 * The dashboard's browser script (plain ES2017, no build step), inlined into the page. It polls the gateway's
 * JSON endpoints and draws on canvas. Device data is only ever inserted as text, never as HTML.
 */
export const DASHBOARD_SCRIPT = String.raw`
'use strict';
(function () {
  var COLORS = { accent: '#4fb3ff', green: '#3ecf8e', amber: '#f5b942', red: '#ff6b6b', violet: '#b48cff',
    grid: '#263241', muted: '#8a99a8' };
  var $ = function (id) { return document.getElementById(id); };

  function fmtNum(v) {
    if (v == null || !isFinite(v)) return '–';
    var a = Math.abs(v);
    if (a >= 1e6) return (v / 1e6).toFixed(a >= 1e7 ? 0 : 1) + 'M';
    if (a >= 1e3) return (v / 1e3).toFixed(a >= 1e4 ? 0 : 1) + 'k';
    if (a >= 10 || v === Math.round(v)) return String(Math.round(v));
    return String(Number(v.toFixed(a >= 1 ? 1 : 2)));
  }
  function fmtMs(v) {
    if (v == null || !isFinite(v)) return '–';
    if (v === 0) return '0';
    if (v >= 1000) return (v / 1000).toFixed(v >= 10000 ? 0 : 1) + ' s';
    return (v >= 10 ? Math.round(v) : Number(v.toFixed(v >= 1 ? 1 : 2))) + ' ms';
  }
  function fmtBytes(v) {
    if (!(v > 0)) return '0 B';
    var units = ['B', 'KiB', 'MiB', 'GiB'];
    var i = Math.min(units.length - 1, Math.floor(Math.log(v) / Math.log(1024)));
    return (v / Math.pow(1024, i)).toFixed(i === 0 ? 0 : 1) + ' ' + units[i];
  }
  function fmtAge(s) {
    if (s < 1) return 'just now';
    if (s < 90) return Math.round(s) + ' s ago';
    if (s < 5400) return Math.round(s / 60) + ' min ago';
    return Math.round(s / 3600) + ' h ago';
  }
  function niceMax(v) {
    if (!(v > 0)) return 1;
    var p = Math.pow(10, Math.floor(Math.log(v) / Math.LN10));
    var m = v / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
  }
  function setText(id, text) { var el = $(id); if (el.textContent !== text) el.textContent = text; }

  function canvas2d(c) {
    var dpr = window.devicePixelRatio || 1;
    var w = c.clientWidth, h = c.clientHeight;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(h * dpr);
    }
    var ctx = c.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    ctx.font = '11px system-ui, sans-serif';
    return { ctx: ctx, w: w, h: h };
  }

  function yAxis(ctx, w, padL, padR, y, max, fmt) {
    ctx.strokeStyle = COLORS.grid;
    ctx.fillStyle = COLORS.muted;
    ctx.lineWidth = 1;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (var i = 0; i <= 4; i++) {
      var v = (max * i) / 4, yy = Math.round(y(v)) + 0.5;
      ctx.beginPath(); ctx.moveTo(padL, yy); ctx.lineTo(w - padR, yy); ctx.stroke();
      ctx.fillText(fmt(v), padL - 6, yy);
    }
  }

  /** Time series: t in seconds relative to now (<= 0), one or more series of values (null = gap). */
  function lineChart(c, t, series, fmt) {
    var g = canvas2d(c), ctx = g.ctx, w = g.w, h = g.h;
    var padL = 52, padR = 10, padT = 8, padB = 20;
    var max = 0;
    series.forEach(function (s) { s.values.forEach(function (v) { if (v != null && v > max) max = v; }); });
    max = niceMax(max * 1.1);
    var tMin = Math.min(t.length ? t[0] : 0, -60);
    var x = function (tv) { return padL + ((tv - tMin) / (0 - tMin)) * (w - padL - padR); };
    var y = function (v) { return padT + (1 - v / max) * (h - padT - padB); };
    yAxis(ctx, w, padL, padR, y, max, fmt);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    var step = tMin < -90 ? 30 : 15;
    for (var s = 0; s >= tMin; s -= step) ctx.fillText(s === 0 ? 'now' : s + ' s', x(s), h - padB + 5);
    series.forEach(function (sr) {
      var pts = [];
      sr.values.forEach(function (v, i) { if (v != null) pts.push([x(t[i]), y(v)]); });
      if (pts.length === 0) return;
      if (sr.fill) {
        ctx.beginPath();
        ctx.moveTo(pts[0][0], y(0));
        pts.forEach(function (p) { ctx.lineTo(p[0], p[1]); });
        ctx.lineTo(pts[pts.length - 1][0], y(0));
        ctx.closePath();
        ctx.globalAlpha = 0.15; ctx.fillStyle = sr.color; ctx.fill(); ctx.globalAlpha = 1;
      }
      ctx.strokeStyle = sr.color;
      ctx.lineWidth = 2;
      ctx.lineJoin = 'round';
      ctx.beginPath();
      var pen = false;
      sr.values.forEach(function (v, i) {
        if (v == null) { pen = false; return; }
        if (!pen) { ctx.moveTo(x(t[i]), y(v)); pen = true; } else ctx.lineTo(x(t[i]), y(v));
      });
      ctx.stroke();
    });
    c.dataset.points = String(t.length);
  }

  /** Per-shard readings/s as bars, the mean as a dashed line: a hot shard stands out at a glance. */
  function shardChart(c, shards) {
    var g = canvas2d(c), ctx = g.ctx, w = g.w, h = g.h;
    var padL = 52, padR = 10, padT = 8, padB = 20;
    var max = 0, total = 0;
    shards.forEach(function (s) { max = Math.max(max, s.readingsPerSecond); total += s.readingsPerSecond; });
    max = niceMax(max * 1.1);
    var y = function (v) { return padT + (1 - v / max) * (h - padT - padB); };
    yAxis(ctx, w, padL, padR, y, max, fmtNum);
    var n = Math.max(shards.length, 1), slot = (w - padL - padR) / n, bw = Math.max(4, Math.min(48, slot * 0.6));
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    shards.forEach(function (s, i) {
      var cx = padL + slot * (i + 0.5), top = y(s.readingsPerSecond);
      ctx.fillStyle = s.throttledPerSecond > 0 ? COLORS.red : COLORS.violet;
      ctx.fillRect(cx - bw / 2, top, bw, y(0) - top);
      ctx.fillStyle = COLORS.muted;
      ctx.fillText(s.shard.replace(/^shardId-0*(?=\d)/, '#'), cx, h - padB + 5);
    });
    if (shards.length > 0 && total > 0) {
      var my = Math.round(y(total / shards.length)) + 0.5;
      ctx.strokeStyle = COLORS.amber;
      ctx.setLineDash([5, 4]);
      ctx.beginPath(); ctx.moveTo(padL, my); ctx.lineTo(w - padR, my); ctx.stroke();
      ctx.setLineDash([]);
    }
    c.dataset.points = String(shards.length);
  }

  function bars(el, rows, emptyText) {
    el.replaceChildren();
    if (rows.length === 0) {
      var e = document.createElement('div'); e.className = 'empty'; e.textContent = emptyText; el.appendChild(e);
      return;
    }
    var max = rows.reduce(function (m, r) { return Math.max(m, r.total); }, 0) || 1;
    rows.forEach(function (r) {
      var row = document.createElement('div'); row.className = 'bar';
      var label = document.createElement('span'); label.textContent = r.reason;
      var track = document.createElement('div'); track.className = 'track';
      var fill = document.createElement('div'); fill.className = 'fill';
      fill.style.width = Math.max(2, (100 * r.total) / max) + '%';
      if (r.color) fill.style.background = r.color;
      track.appendChild(fill);
      var n = document.createElement('span'); n.className = 'n';
      n.textContent = fmtNum(r.total) + (r.perSecond > 0 ? ' (' + fmtNum(r.perSecond) + '/s)' : '');
      row.appendChild(label); row.appendChild(track); row.appendChild(n);
      el.appendChild(row);
    });
  }

  function renderStats(s) {
    var h = s.history;
    setText('kpi-rate', fmtNum(s.readings.receivedPerSecond));
    setText('kpi-rate-sub', fmtNum(s.readings.receivedTotal) + ' since start');
    setText('kpi-forwarded', fmtNum(s.readings.forwardedPerSecond));
    setText('kpi-forwarded-sub', fmtNum(s.readings.forwardedTotal) + ' accepted');
    setText('kpi-devices', fmtNum(s.connections));
    var lat = s.ackLatencyMs;
    setText('kpi-p50', lat ? fmtMs(lat.p50) : '–');
    setText('kpi-p-sub', lat ? 'p90 ' + fmtMs(lat.p90) + ' · p99 ' + fmtMs(lat.p99) : 'no acknowledgements yet');
    var dead = s.deadLetters.reduce(function (a, r) { return a + r.total; }, 0);
    setText('kpi-dead', fmtNum(dead));
    setText('kpi-dead-sub', s.deadLetters.length ? s.deadLetters[0].reason + ' most' : 'none');
    setText('kpi-spool', fmtNum(s.spool.entries));
    setText('kpi-spool-sub', fmtBytes(s.spool.bytes) + (s.spool.oldestAgeSeconds > 0 ? ' · oldest ' + fmtAge(s.spool.oldestAgeSeconds).replace(' ago', '') : '') +
      ' · ' + fmtNum(s.bufferedReadings) + ' in memory');
    setText('rate-note', 'averaged over ' + s.rateWindowSeconds + ' s');
    setText('lat-note', lat ? lat.count + ' acks in the last ' + Math.round(lat.windowSeconds) + ' s' : '');
    setText('skew', s.shardSkew == null ? 'no traffic' : 'skew ' + s.shardSkew.toFixed(2) + '× (busiest / mean)');
    setText('meta', 'up ' + fmtAge(s.uptimeSeconds).replace(' ago', '') + ' · RSS ' + fmtBytes(s.rssBytes) + ' · updated ' + new Date(s.at).toLocaleTimeString());

    lineChart($('chart-rate'), h.t, [
      { values: h.receivedPerSecond, color: COLORS.accent, fill: true },
      { values: h.forwardedPerSecond, color: COLORS.green },
    ], fmtNum);
    lineChart($('chart-latency'), h.t, [
      { values: h.ackP50Ms, color: COLORS.accent },
      { values: h.ackP99Ms, color: COLORS.amber },
    ], fmtMs);
    lineChart($('chart-connections'), h.t, [{ values: h.connections, color: COLORS.green, fill: true }], fmtNum);
    lineChart($('chart-spool'), h.t, [{ values: h.spoolEntries, color: COLORS.amber, fill: true }], fmtNum);
    shardChart($('chart-shards'), s.shards);
    bars($('dead'), s.deadLetters, 'no dead letters');
    bars($('errors'), s.errors.map(function (r) {
      return { reason: r.reason, total: r.total, perSecond: r.perSecond, color: r.reason.indexOf('retry:') === 0 ? COLORS.amber : COLORS.red };
    }), 'no errors');

    var flags = $('flags');
    flags.replaceChildren();
    [[s.backpressure, 'backpressure'], [s.sinkFatal, 'Kinesis refuses writes']].forEach(function (f) {
      if (!f[0]) return;
      var p = document.createElement('span'); p.className = 'pill bad'; p.textContent = f[1]; flags.appendChild(p);
    });
  }

  function renderLatest(list) {
    var body = $('latest');
    body.replaceChildren();
    if (list.length === 0) {
      var tr0 = document.createElement('tr'), td0 = document.createElement('td');
      td0.colSpan = 4; td0.className = 'empty'; td0.textContent = 'no readings yet';
      tr0.appendChild(td0); body.appendChild(tr0);
      return;
    }
    var now = Date.now();
    list.forEach(function (r) {
      var tr = document.createElement('tr');
      var reading = r.reading === undefined ? '(' + fmtBytes(r.bytes) + ', too large to show)' : JSON.stringify(r.reading);
      if (reading.length > 240) reading = reading.slice(0, 239) + '…';
      [r.deviceId, r.seq == null ? '' : String(r.seq), fmtAge((now - r.receivedAt) / 1000), reading].forEach(function (text, i) {
        var td = document.createElement('td');
        if (i === 3) { var code = document.createElement('code'); code.textContent = text; td.appendChild(code); } else td.textContent = text;
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }

  function renderReady(status, body) {
    var pill = $('ready');
    var ready = status === 200;
    pill.className = 'pill ' + (ready ? 'ok' : 'bad');
    pill.textContent = ready ? 'ready' : 'not ready';
    var checks = $('checks');
    checks.replaceChildren();
    var entries = body && body.checks ? Object.keys(body.checks) : [];
    entries.forEach(function (name) {
      var c = body.checks[name];
      var span = document.createElement('span');
      span.className = c.ok ? '' : 'bad';
      span.textContent = (c.ok ? '✓ ' : '✗ ') + name + ': ' + c.detail;
      checks.appendChild(span);
    });
  }

  function getJson(path) {
    return fetch(path, { cache: 'no-store' }).then(function (res) {
      return res.json().then(function (body) { return { status: res.status, body: body }; });
    });
  }
  function poll(path, everyMs, render) {
    var busy = false;
    var tick = function () {
      if (busy) return;
      busy = true;
      getJson(path).then(function (r) { render(r.body, r.status); }, function () {
        setText('meta', 'gateway unreachable, retrying…');
      }).then(function () { busy = false; });
    };
    tick();
    setInterval(tick, everyMs);
  }

  poll('api/v1/stats', 1000, function (body) { renderStats(body); });
  poll('api/v1/latest', 2000, function (body) { renderLatest(body.readings || []); });
  poll('readyz', 3000, function (body, status) { renderReady(status, body); });
})();
`;
