// The Lighthouse benchmark of `cargo xtask bench`: the release build served
// by the real qinglian-server on loopback, audited by Lighthouse as a phone
// (its default mobile settings: a Moto G Power's screen, simulated slow 4G
// with a 150 ms round trip and 1.6 Mbit/s, CPU slowed 4×) in the system
// Chromium, headless. Each run is a first visit: Lighthouse clears the site's
// storage and service worker before it loads the page, so the app shows its
// welcome. The browser speaks Chinese, so the welcome is the Chinese one, as
// on a phone in the bureau: `--accept-lang=zh-CN` (headless Chromium on Linux
// ignores `--lang`; its pages would see en-US). The report's own texts (audit
// titles) stay in Lighthouse's default English.
//
// Prints `lighthouse:` lines: the categories' scores (performance as the
// median of the runs, with the run's LCP, FCP, TBT and CLS, and its time to
// interactive: the LCP can be index.html's stand-in, painted before the app
// runs, so TTI says when the app itself could be used), and every audit
// of accessibility and best practices that scored under 1, with its id and
// title. The last line is JSON for `xtask`, which checks it against
// budget.toml.

import lighthouse from "lighthouse";
import * as chromeLauncher from "chrome-launcher";
import { existsSync } from "node:fs";
import { startServer, SERVER } from "./e2e/harness.mjs";

const RUNS = Number(process.env.QINGLIAN_LIGHTHOUSE_RUNS || 3);
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const CATEGORIES = ["performance", "accessibility", "best-practices"];
// One run takes 30–60 s on a busy two-core machine; past this, give up.
const RUN_TIMEOUT_MS = 180_000;

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Rejects after `ms`, so no run can hang the bench. */
function within(ms, promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** One Lighthouse run in a fresh Chromium (its own temporary profile). */
async function audit(url) {
  const chrome = await chromeLauncher.launch({
    chromePath: CHROMIUM,
    chromeFlags: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--accept-lang=zh-CN"],
    logLevel: "silent",
  });
  try {
    const result = await within(
      RUN_TIMEOUT_MS,
      lighthouse(url, {
        port: chrome.port,
        output: "json",
        logLevel: "error",
        onlyCategories: CATEGORIES,
        formFactor: "mobile",
      }),
      "a Lighthouse run"
    );
    if (!result || !result.lhr) throw new Error("Lighthouse returned no report");
    if (result.lhr.runtimeError) {
      throw new Error(`Lighthouse could not audit the page: ${result.lhr.runtimeError.message}`);
    }
    return result.lhr;
  } finally {
    // Also removes the temporary profile chrome-launcher made.
    await chrome.kill();
  }
}

const score = (lhr, category) => Math.round((lhr.categories[category].score ?? 0) * 100);
const metric = (lhr, id) => lhr.audits[id].numericValue;

/**
 * Audits of a category that scored under 1 in any run (informative, manual
 * and not applicable ones have no score), each once.
 */
function failing(lhrs, category) {
  const found = new Map();
  for (const lhr of lhrs) {
    for (const ref of lhr.categories[category].auditRefs) {
      const a = lhr.audits[ref.id];
      if (a.score !== null && a.score < 1 && !found.has(a.id)) found.set(a.id, { title: a.title, where: where(a) });
    }
  }
  return [...found].map(([id, found]) => ({ id, ...found }));
}

/** What an audit found wrong first: a file (without the server) or an element. */
function where(audit) {
  const item = audit.details?.items?.[0];
  const url = item?.url || item?.scriptUrl || item?.source?.url;
  if (url) return new URL(url).pathname;
  return item?.node?.selector || "";
}

// A missing server would end the process before its copy of the build is removed.
if (!existsSync(SERVER)) throw new Error(`no server binary at ${SERVER}: build it first (cargo xtask dist)`);
const server = await startServer();
const reports = [];
// Whatever happens, the server and its copy of the build go away.
const stopAll = async () => {
  await server.stop();
  server.cleanup();
};
process.on("SIGINT", () => stopAll().then(() => process.exit(130)));
try {
  for (let run = 0; run < RUNS; run++) {
    reports.push(await audit(`${server.url}/`));
  }
} finally {
  await stopAll();
}

// The performance figures are those of the median run by performance score.
const byPerformance = [...reports].sort((a, b) => score(a, "performance") - score(b, "performance"));
const mid = byPerformance[byPerformance.length >> 1];
const result = {
  runs: RUNS,
  performance: median(reports.map((r) => score(r, "performance"))),
  accessibility: median(reports.map((r) => score(r, "accessibility"))),
  best_practices: median(reports.map((r) => score(r, "best-practices"))),
  lcp_ms: Math.round(metric(mid, "largest-contentful-paint")),
  fcp_ms: Math.round(metric(mid, "first-contentful-paint")),
  tti_ms: Math.round(metric(mid, "interactive")),
  tbt_ms: Math.round(metric(mid, "total-blocking-time")),
  cls: Math.round(metric(mid, "cumulative-layout-shift") * 1000) / 1000,
  failing: {
    accessibility: failing(reports, "accessibility").map((a) => a.id),
    best_practices: failing(reports, "best-practices").map((a) => a.id),
  },
};
const lcpElement = mid.audits["largest-contentful-paint-element"]?.details?.items?.[0]?.items?.[0]?.node;

console.log(
  `lighthouse: performance ${result.performance}, accessibility ${result.accessibility}, best practices ${result.best_practices} (issue 10's goals: 95, 100, 100)`
);
console.log(`lighthouse: performance of each run: ${reports.map((r) => score(r, "performance")).join(", ")}`);
console.log(
  `lighthouse: LCP ${result.lcp_ms} ms, FCP ${result.fcp_ms} ms, TBT ${result.tbt_ms} ms, CLS ${result.cls}, interactive after ${result.tti_ms} ms (the median run)`
);
if (lcpElement) console.log(`lighthouse: the largest paint is ${lcpElement.snippet} (${lcpElement.nodeLabel})`);
for (const [label, category] of [
  ["accessibility", "accessibility"],
  ["best practices", "best-practices"],
]) {
  for (const a of failing(reports, category)) {
    console.log(`lighthouse: ${label} audit under 1: ${a.id}: ${a.title}${a.where ? ` (${a.where})` : ""}`);
  }
}
console.log(
  `lighthouse: medians of ${RUNS} runs; Lighthouse ${mid.lighthouseVersion}, mobile, simulated slow 4G (150 ms round trip, 1.6 Mbit/s, CPU slowed 4×), a first visit in Chinese`
);
console.log(JSON.stringify(result));
