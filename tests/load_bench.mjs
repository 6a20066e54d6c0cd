// The page-load benchmark of `cargo xtask bench`: the release build served by
// the real qinglian-server, opened in headless Chromium as a phone on a slow
// network (150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up) with the CPU
// slowed 4×, beside a plain static text page served by the same server in
// the same run. Prints medians of several runs:
// - cold: a first visit (no cache, no service worker): bytes the page received
//   until the network is idle (the service worker's own precaching is not
//   counted), and the
//   time until the app is ready (its first heading is on screen), also as a
//   ratio to the static page's time;
// - warm: an installed app (service worker and caches in place) opened again,
//   until Today is on screen.
// The last line is JSON for `xtask`, which checks it against budget.toml.

import { cpSync, mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchBrowser, phoneContext, startServer, waitForServiceWorker, DIST } from "./e2e/harness.mjs";

const RUNS = Number(process.env.QINGLIAN_LOAD_RUNS || 5);
const NETWORK = { offline: false, latency: 150, downloadThroughput: (1.6e6 / 8) | 0, uploadThroughput: (750e3 / 8) | 0 };
const CPU_SLOWDOWN = 4;

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** A page with the network and CPU of a slow phone, counting bytes received. */
async function slowPage(context) {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", NETWORK);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: CPU_SLOWDOWN });
  const received = { bytes: 0 };
  cdp.on("Network.loadingFinished", (event) => {
    received.bytes += event.encodedDataLength;
  });
  return { page, received };
}

/** Milliseconds from the navigation's start until `selector` is on screen. */
async function readyAfter(page, url, selector) {
  await page.goto(url, { waitUntil: "commit" });
  await page.waitForSelector(selector, { timeout: 120000 });
  return page.evaluate(() => performance.now());
}

const work = mkdtempSync(join(tmpdir(), "qinglian-load-"));
cpSync(DIST, join(work, "dist"), { recursive: true });
// The static page: a lesson's worth of plain text, no script, no style sheet.
const paragraph = "领导干部要带头学习廉洁从政规定，做到学而信、学而用、学而行。".repeat(12);
writeFileSync(
  join(work, "dist", "static-page.html"),
  `<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>静态页面</title></head><body><h1>静态页面</h1>${`<p>${paragraph}</p>`.repeat(8)}</body></html>`
);
const server = await startServer({ dir: work });
const browser = await launchBrowser();
const cold = [];
const coldBytes = [];
const staticPage = [];
const warm = [];
try {
  for (let run = 0; run < RUNS; run++) {
    // The static page, cold.
    {
      const context = await phoneContext(browser, { locale: "zh-CN" });
      const { page } = await slowPage(context);
      staticPage.push(await readyAfter(page, `${server.url}/static-page.html`, "h1"));
      await context.close();
    }
    // The app, cold: a first visit.
    const context = await phoneContext(browser, { locale: "zh-CN" });
    const { page, received } = await slowPage(context);
    cold.push(await readyAfter(page, server.url, "main h1"));
    // Everything the first visit loads (the content pack comes after the
    // first heading), not what the service worker fetches for itself.
    await page.waitForLoadState("networkidle");
    coldBytes.push(received.bytes);
    // Installed: the service worker holds the build; the welcome is answered.
    await page.getByLabel(/^工作人员/).check();
    await page.getByRole("button", { name: "开始学习" }).click();
    await page.getByRole("heading", { level: 1, name: "今日学习" }).waitFor();
    await waitForServiceWorker(page);
    await page.close();
    // Warm: opened again from the home screen.
    const again = await slowPage(context);
    warm.push(await readyAfter(again.page, server.url, "main h1"));
    await context.close();
  }
} finally {
  await browser.close();
  await server.stop();
  rmSync(work, { recursive: true, force: true });
}

const result = {
  runs: RUNS,
  cold_kb: Math.round(median(coldBytes) / 102.4) / 10,
  cold_ms: Math.round(median(cold)),
  static_ms: Math.round(median(staticPage)),
  cold_ratio: Math.round((median(cold) / median(staticPage)) * 10) / 10,
  warm_ms: Math.round(median(warm)),
};
console.log(
  `load: first visit ${result.cold_kb} KB received, ready in ${result.cold_ms} ms; the static page in ${result.static_ms} ms (${result.cold_ratio}×)`
);
console.log(`load: installed app opened again: ready in ${result.warm_ms} ms`);
console.log(`load: medians of ${RUNS} runs; 150 ms round trip, 1.6 Mbit/s, CPU slowed ${CPU_SLOWDOWN}×`);
console.log(JSON.stringify(result));
