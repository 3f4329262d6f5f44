// End-to-end test of the scorer's live page in a real headless Chromium (playwright-core).
//
//   node e2e/live-page.mjs http://127.0.0.1:8081 --runs 15 --predicted 3 --finished 14 --alerts 1 \
//        --alert-kind NONFINITE_WEIGHTS [--xss-run ID] [--timeout 80] [--screenshot failure.png]
//
// Opens the page, prints {"event":"ready"} once the event stream is live (start the training runs then),
// waits until the table shows the runs, predictions with intervals, finished runs and alerts that arrived
// live, clicks the top run and checks its chart against GET /v1/runs/{run}. Prints one JSON summary line
// last; exit 0 when every check passed, 1 with {"ok":false,"error":...} otherwise.
import { chromium } from "playwright-core";

const USAGE = "usage: node live-page.mjs <scorer-url> [--runs N] [--predicted N] [--finished N] [--alerts N] "
  + "[--alert-kind KIND] [--xss-run ID] [--timeout SECONDS] [--screenshot PATH] [--chromium PATH]";

function parseArgs(argv) {
  const o = { url: null, runs: 1, predicted: 1, finished: 0, alerts: 1, alertKind: null, xssRun: null, timeout: 80,
    screenshot: null, chromium: process.env.WEIGHTCAST_CHROMIUM || "/usr/bin/chromium" };
  const numeric = new Set(["runs", "predicted", "finished", "alerts", "timeout"]);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) { if (o.url) throw new Error("unexpected argument " + a); o.url = a; continue; }
    const key = a.slice(2).replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (!(key in o) || key === "url") throw new Error("unknown option " + a);
    const v = argv[++i];
    if (v === undefined) throw new Error(a + " needs a value");
    if (numeric.has(key) && !(Number(v) >= 0)) throw new Error(a + " needs a number, got " + v);
    o[key] = numeric.has(key) ? Number(v) : v;
  }
  if (!o.url) throw new Error("the scorer URL is missing");
  o.url = o.url.replace(/\/+$/, "");
  return o;
}

const out = obj => process.stdout.write(JSON.stringify(obj) + "\n");

// Runs in the page: what a user sees, read from the DOM only.
function pageState() {
  const q = (sel, root = document) => [...root.querySelectorAll(sel)];
  const status = document.getElementById("status");
  const rows = q("[data-testid=run-row]").map(tr => {
    const pred = tr.querySelector("[data-testid=predicted]").textContent;
    const iv = tr.querySelector("[data-testid=interval]");
    return { id: tr.getAttribute("data-run-id"), text: tr.cells[0].textContent, finished: tr.classList.contains("finished"),
      lastStep: tr.getAttribute("data-step") !== null && tr.getAttribute("data-step") === tr.getAttribute("data-planned-steps"),
      predicted: /%$/.test(pred) ? parseFloat(pred) / 100 : null,
      low: iv ? Number(iv.getAttribute("data-low")) : null, high: iv ? Number(iv.getAttribute("data-high")) : null,
      bar: !!tr.querySelector("[data-testid=interval-bar]") };
  });
  const withPrediction = rows.filter(r => r.predicted != null && r.bar);
  const alerts = q("[data-testid=alert]");
  const chart = document.getElementById("chart");
  return {
    status: status.getAttribute("data-state"), events: Number(status.getAttribute("data-events") || 0),
    modelVersion: document.getElementById("model-version").textContent,
    runs: rows.length, predicted: withPrediction.length, finished: rows.filter(r => r.finished).length,
    // finished and scored up to the last planned step: nothing more will come for these runs
    complete: rows.filter(r => r.finished && r.lastStep).length,
    // rounded percentages: allow 0.05 points for the text's one decimal
    sorted: withPrediction.every((r, i) => i === 0 || r.predicted <= withPrediction[i - 1].predicted)
      && rows.slice(0, withPrediction.length).every(r => r.predicted != null),
    intervalsHoldPrediction: withPrediction.every(r => r.low - 0.0005 <= r.predicted && r.predicted <= r.high + 0.0005),
    alerts: alerts.length, liveAlerts: alerts.filter(a => a.getAttribute("data-origin") === "live").length,
    alertKinds: [...new Set(alerts.map(a => a.getAttribute("data-kind")))].sort(),
    topRun: withPrediction.length ? withPrediction[0].id : null,
    rowIds: rows.map(r => r.id), rowTexts: rows.map(r => r.text),
    imagesInTable: q("#runs-body img, #alerts img").length,
    detailRun: document.getElementById("detail-run").textContent,
    chart: chart ? { points: q("[data-testid=chart-point]", chart).length, declared: Number(chart.getAttribute("data-points")),
      valAcc: q("[data-testid=chart-valacc]", chart).length, band: !!chart.querySelector("[data-testid=chart-band]"),
      final: !!chart.querySelector("[data-testid=chart-final]") } : null,
  };
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const deadline = started + o.timeout * 1000;
  const problems = [];
  let browser;
  let page;
  let last = null;

  const state = async () => (last = await page.evaluate(pageState));
  async function waitUntil(what, ok, deadlineAt = deadline) {
    for (;;) {
      const s = await state();
      if (ok(s)) return s;
      if (Date.now() > deadlineAt) {
        throw new Error(`timed out after ${Math.round((Date.now() - started) / 1000)} s waiting for ${what}; the page shows `
          + JSON.stringify({ status: s.status, runs: s.runs, predicted: s.predicted, finished: s.finished, complete: s.complete, alerts: s.alerts,
            liveAlerts: s.liveAlerts, alertKinds: s.alertKinds, chart: s.chart, events: s.events }));
      }
      await new Promise(r => setTimeout(r, 250));
    }
  }

  try {
    try {
      browser = await chromium.launch({ executablePath: o.chromium, args: ["--no-sandbox"], headless: true });
    } catch (e) {
      throw new Error(`cannot launch Chromium at ${o.chromium} (install it: ./weightcast setup --test): ${e.message.split("\n")[0]}`);
    }
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on("pageerror", e => problems.push("page error: " + e.message));
    page.on("console", m => { if (m.type() === "error") problems.push("console error: " + m.text()); });
    const res = await page.goto(o.url + "/live", { waitUntil: "domcontentloaded", timeout: 15_000 })
      .catch(e => { throw new Error(`cannot open ${o.url}/live: ${e.message.split("\n")[0]}`); });
    if (!res || res.status() !== 200) throw new Error(`GET ${o.url}/live answered ${res && res.status()}`);

    await waitUntil("the event stream to be live", s => s.status === "live" && s.events >= 1);
    out({ event: "ready", elapsed_ms: Date.now() - started });

    const want = `${o.runs} runs, ${o.predicted} with a prediction and interval, ${o.finished} finished and scored to their last step, `
      + `${o.alerts} alert(s) pushed live` + (o.alertKind ? ` incl. ${o.alertKind}` : "");
    let s = await waitUntil(want, x => x.runs >= o.runs && x.predicted >= o.predicted && x.complete >= o.finished
      && x.liveAlerts >= o.alerts && (!o.alertKind || x.alertKinds.includes(o.alertKind)));
    if (!s.sorted) throw new Error("the table is not sorted by predicted accuracy (predicted runs first, descending)");
    if (!s.intervalsHoldPrediction) throw new Error("a row's interval bar does not contain its predicted accuracy");

    if (o.xssRun != null) {
      const i = s.rowIds.indexOf(o.xssRun);
      if (i < 0) throw new Error("the run with markup in its id is not in the table");
      if (s.rowTexts[i] !== o.xssRun) throw new Error(`the run id was not shown as text: ${JSON.stringify(s.rowTexts[i])}`);
      if (s.imagesInTable > 0 || await page.evaluate(() => window.__xss !== undefined)) {
        throw new Error("markup in a run id was interpreted by the page");
      }
    }

    // The page must agree with the query API once the pipeline is quiet.
    const api = async path => (await page.request.get(o.url + path)).json();
    const apiPredicted = async () => (await api("/v1/runs")).runs
      .filter(r => r.latest_score && r.latest_score.predicted_final_accuracy != null).length;
    let apiCount = -1;
    for (const until = Date.now() + 15_000; ;) {
      apiCount = await apiPredicted();
      s = await state();
      if (s.predicted === apiCount || Date.now() > until) break;
      await new Promise(r => setTimeout(r, 300));
    }
    if (s.predicted !== apiCount) throw new Error(`the page shows ${s.predicted} runs with a prediction, GET /v1/runs ${apiCount}`);
    const predicted = s.predicted;

    const run = s.topRun;
    await page.locator("[data-testid=run-row]").first().click();
    s = await waitUntil(`the chart of run ${run}`, x => x.detailRun === run && x.chart && x.chart.points > 0,
      Math.min(deadline, Date.now() + 15_000));
    let apiPoints = -1;
    for (const until = Date.now() + 10_000; ;) {
      const detail = await api("/v1/runs/" + encodeURIComponent(run));
      apiPoints = detail.scores.filter(x => x.predicted_final_accuracy != null).length;
      s = await state();
      if (s.chart.points === apiPoints || Date.now() > until) break;
      await new Promise(r => setTimeout(r, 300));
    }
    if (s.chart.points !== apiPoints) throw new Error(`the chart of ${run} has ${s.chart.points} points, the API ${apiPoints} predictions`);
    if (s.chart.declared !== s.chart.points) throw new Error("the chart's point count attribute disagrees with its points");
    if (!s.chart.band) throw new Error(`the chart of ${run} has no 80% interval band`);
    if (s.status !== "live") throw new Error(`the status says ${s.status}, not live`);
    if (problems.length) throw new Error(problems.join("; "));

    out({ ok: true, url: o.url, runs: s.runs, predicted, api_predicted: apiCount, finished: s.finished, complete: s.complete,
      alerts: s.alerts, live_alerts: s.liveAlerts, alert_kinds: s.alertKinds, model_version: s.modelVersion,
      status: s.status, events: s.events, sorted: s.sorted,
      chart: { run, points: s.chart.points, api_points: apiPoints, val_acc_points: s.chart.valAcc, band: s.chart.band,
        final: s.chart.final },
      elapsed_ms: Date.now() - started });
    return 0;
  } catch (e) {
    if (page && o.screenshot) await page.screenshot({ path: o.screenshot, fullPage: true }).catch(() => {});
    process.stderr.write("live-page test FAILED: " + e.message + "\n");
    out({ ok: false, error: e.message, problems, page: last, screenshot: o.screenshot, elapsed_ms: Date.now() - started });
    return 1;
  } finally {
    if (browser) await browser.close().catch(() => {});
  }
}

let code;
try {
  code = await main();
} catch (e) { // bad arguments
  process.stderr.write(e.message + "\n" + USAGE + "\n");
  out({ ok: false, error: e.message });
  code = 2;
}
process.exit(code);
