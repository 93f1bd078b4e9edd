/**
 * The dashboard page: static HTML and CSS, embedded in the build, with the compiled browser script (./client/,
 * see client-script.ts) inlined, so one response is the whole page. The script polls `/api/v1/stats`,
 * `/api/v1/latest` and `/readyz` and draws its charts on canvas.
 */
const STYLE = String.raw`
:root { --bg:#0f1419; --panel:#182029; --line:#263241; --text:#dce3ea; --muted:#8a99a8; --accent:#4fb3ff;
  --green:#3ecf8e; --amber:#f5b942; --red:#ff6b6b; --violet:#b48cff; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--text); font:14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header { display:flex; align-items:center; gap:16px; padding:12px 20px; border-bottom:1px solid var(--line); }
header h1 { font-size:18px; margin:0; letter-spacing:.5px; }
header .meta { color:var(--muted); font-size:12px; margin-left:auto; }
.pill { padding:3px 10px; border-radius:999px; font-size:12px; font-weight:600; background:var(--line); }
.pill.ok { background:rgba(62,207,142,.15); color:var(--green); }
.pill.bad { background:rgba(255,107,107,.15); color:var(--red); }
.pill.warn { background:rgba(245,185,66,.15); color:var(--amber); }
main { padding:16px 20px; display:grid; gap:16px; grid-template-columns:repeat(12, 1fr); }
.kpis { grid-column:1 / -1; display:grid; gap:12px; grid-template-columns:repeat(auto-fit, minmax(150px, 1fr)); }
.kpi, .card { background:var(--panel); border:1px solid var(--line); border-radius:8px; }
.kpi { padding:10px 14px; }
.kpi .label { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.6px; }
.kpi .value { font-size:26px; font-weight:650; font-variant-numeric:tabular-nums; }
.kpi .sub { color:var(--muted); font-size:12px; font-variant-numeric:tabular-nums; }
.card { padding:12px 14px; min-width:0; }
.card h2 { font-size:13px; font-weight:600; margin:0 0 8px; color:var(--muted); text-transform:uppercase; letter-spacing:.6px; display:flex; gap:8px; }
.card h2 .note { margin-left:auto; text-transform:none; letter-spacing:0; font-weight:500; }
.w8 { grid-column:span 8; } .w6 { grid-column:span 6; } .w4 { grid-column:span 4; } .w12 { grid-column:1 / -1; }
@media (max-width: 1000px) { .w8, .w6, .w4 { grid-column:1 / -1; } }
canvas { width:100%; height:200px; display:block; }
canvas.small { height:120px; }
.legend { display:flex; gap:14px; font-size:12px; color:var(--muted); margin-top:6px; }
.legend i { display:inline-block; width:10px; height:3px; margin-right:5px; vertical-align:middle; }
.bars { display:flex; flex-direction:column; gap:6px; }
.bar { display:grid; grid-template-columns:minmax(110px, 38%) 1fr 70px; gap:8px; align-items:center; font-size:12px; }
.bar .track { background:var(--line); height:10px; border-radius:5px; overflow:hidden; }
.bar .fill { height:100%; background:var(--red); }
.bar .n { text-align:right; font-variant-numeric:tabular-nums; }
.empty { color:var(--muted); font-size:12px; padding:8px 0; }
table { width:100%; border-collapse:collapse; font-size:12px; }
th { text-align:left; color:var(--muted); font-weight:500; border-bottom:1px solid var(--line); padding:4px 6px; }
td { padding:4px 6px; border-bottom:1px solid rgba(38,50,65,.5); vertical-align:top; }
td code { color:#c9d6e2; font-family:ui-monospace, SFMono-Regular, Menlo, monospace; word-break:break-all; }
.checks { font-size:12px; color:var(--muted); }
.checks span { margin-right:12px; }
.checks .bad { color:var(--red); }
`;

/** The page with `script` inlined verbatim (the CSP hash is of exactly this text). */
export function dashboardPage(script: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tidegate — live</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>tidegate</h1>
  <span id="ready" class="pill">…</span>
  <span id="flags"></span>
  <span class="meta" id="meta">connecting…</span>
</header>
<main>
  <section class="kpis">
    <div class="kpi"><div class="label">Readings / s</div><div class="value" id="kpi-rate">–</div><div class="sub" id="kpi-rate-sub"></div></div>
    <div class="kpi"><div class="label">Forwarded / s</div><div class="value" id="kpi-forwarded">–</div><div class="sub" id="kpi-forwarded-sub"></div></div>
    <div class="kpi"><div class="label">Connected devices</div><div class="value" id="kpi-devices">–</div><div class="sub">MQTT connections</div></div>
    <div class="kpi"><div class="label">Ack latency p50</div><div class="value" id="kpi-p50">–</div><div class="sub" id="kpi-p-sub"></div></div>
    <div class="kpi"><div class="label">Dead letters</div><div class="value" id="kpi-dead">–</div><div class="sub" id="kpi-dead-sub"></div></div>
    <div class="kpi"><div class="label">Spool depth</div><div class="value" id="kpi-spool">–</div><div class="sub" id="kpi-spool-sub"></div></div>
  </section>
  <section class="card w8">
    <h2>Throughput <span class="note" id="rate-note"></span></h2>
    <canvas id="chart-rate"></canvas>
    <div class="legend"><span><i style="background:var(--accent)"></i>received</span><span><i style="background:var(--green)"></i>accepted by the sink</span></div>
  </section>
  <section class="card w4">
    <h2>Per-shard load <span class="note" id="skew"></span></h2>
    <canvas id="chart-shards"></canvas>
    <div class="legend"><span><i style="background:var(--violet)"></i>readings/s</span><span><i style="background:var(--amber)"></i>mean</span><span><i style="background:var(--red)"></i>throttled</span></div>
  </section>
  <section class="card w6">
    <h2>Acknowledgement latency <span class="note" id="lat-note"></span></h2>
    <canvas id="chart-latency"></canvas>
    <div class="legend"><span><i style="background:var(--accent)"></i>p50</span><span><i style="background:var(--amber)"></i>p99</span></div>
  </section>
  <section class="card w6">
    <h2>Connections and spool</h2>
    <canvas id="chart-connections" class="small"></canvas>
    <canvas id="chart-spool" class="small"></canvas>
    <div class="legend"><span><i style="background:var(--green)"></i>connected devices</span><span><i style="background:var(--amber)"></i>spooled readings</span></div>
  </section>
  <section class="card w6">
    <h2>Dead letters by reason</h2>
    <div class="bars" id="dead"></div>
  </section>
  <section class="card w6">
    <h2>Errors and retries</h2>
    <div class="bars" id="errors"></div>
  </section>
  <section class="card w12">
    <h2>Latest readings <span class="note">most recently active devices</span></h2>
    <table><thead><tr><th>Device</th><th>Seq</th><th>Received</th><th>Reading</th></tr></thead><tbody id="latest"></tbody></table>
  </section>
  <section class="card w12 checks" id="checks"></section>
</main>
<script>${script}</script>
</body>
</html>
`;
}
