// The page-load benchmark of `cargo xtask bench`: the release build served by
// the real qinglian-server, opened in headless Chromium as a phone on a slow
// network (150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up) with the CPU
// slowed 4×, beside a plain static text page served by the same server in
// the same run. Prints medians of several runs:
// - cold: a first visit (no cache, no service worker), which is the welcome
//   part: bytes the page received until the network is idle (the service
//   worker's own precaching, the study part among it, is not counted), and
//   the time until the app is ready (its first heading is on screen), also
//   as a ratio to the static page's time; then the welcome answered at once,
//   the time from the page load that follows until Today is on screen, the
//   study part downloaded then (service workers are blocked in this context:
//   the bench cannot slow a worker's network, and on a phone the worker
//   would have begun the download while the learner read: the worst case);
// - the floor: a minimal page (a heading and a line) installed with a
//   service worker of its own and opened again, as the warm starts below
//   are: what this phone takes to show any installed page;
// - warm: an installed app (service worker and caches in place) opened again,
//   until Today's heading is on screen, and until Today's figures are (the
//   content pack read and the learner's log folded: the heading comes first);
//   each painted from Today's picture when the app kept one that still holds
//   (src/today_picture.rs), so also until the app's own Today's figures are
//   (the app running: every button answers). Each warm start follows a use
//   of the app that ended on Today, as a learner's day does;
// - warm with 500 lessons: the same, with a synthetic content pack of 500
//   lessons (the real pack's lessons repeated under new ids and titles),
//   served by a second server over its own copy of the build;
// - warm with 50,000 events: the same, with the learner's log filled with a
//   realistic mix of 50,000 events between installing and opening again (in
//   rounds, the app opened after each so that it keeps them in its own
//   form, and its snapshot of the progress written). When the browser's
//   storage quota cannot hold them, as many as fit
//   (found by writing until the browser refuses) are measured instead, and
//   said so. The Progress page is then checked to show every event seeded.
// The last line is JSON for `xtask`, which checks it against budget.toml.

import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { brotliCompressSync, gzipSync, constants as zlib } from "node:zlib";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchBrowser, phoneContext, startServer, waitForServiceWorker, DIST, SERVER } from "./e2e/harness.mjs";

const RUNS = Number(process.env.QINGLIAN_LOAD_RUNS || 5);
const MANY_LESSONS = 500;
const MANY_EVENTS = 50_000;
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
  // No response bodies kept for DevTools: keeping them decodes every text
  // body on the page's main thread (a tenth of a second for the 500-lesson
  // pack, slowed 4×), which is the bench's cost, not the app's. Bytes
  // received are still counted.
  await cdp.send("Network.enable", { maxTotalBufferSize: 0, maxResourceBufferSize: 0 });
  await cdp.send("Network.emulateNetworkConditions", NETWORK);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: CPU_SLOWDOWN });
  await page.addInitScript(noteWhenShown, WATCHED);
  const received = { bytes: 0 };
  cdp.on("Network.loadingFinished", (event) => {
    received.bytes += event.encodedDataLength;
  });
  return { page, received };
}

/**
 * What the timings wait for: any page's heading, and Today's figures, drawn
 * by the app or painted from Today's picture (`src/today_picture.rs`); the
 * app's own Today's figures (the app running, every button answering); and
 * the picture itself (whether it was painted).
 */
const HEADING = "main h1";
const TODAY_FIGURES = "main .today .stats";
const APP_FIGURES = "#app main .today .stats";
const PICTURE = "#today-picture";
const WATCHED = [HEADING, TODAY_FIGURES, APP_FIGURES, PICTURE, "h1"];

/**
 * Runs in the page before its own scripts: notes, in `window.__shownAt`, the
 * page's clock at the first frame drawn with each selector present. Timed in
 * the page itself, because waiting with Playwright's `waitForSelector` and
 * then asking for the time added the round trip to a CPU slowed 4× (and its
 * checks on every frame competed with the app for that CPU).
 */
function noteWhenShown(selectors) {
  const shown = (window.__shownAt = {});
  const look = () => {
    for (const selector of selectors) {
      if (!(selector in shown) && document.querySelector(selector)) {
        shown[selector] = null;
        requestAnimationFrame(() => {
          shown[selector] = performance.now();
        });
      }
    }
    if (Object.keys(shown).length === selectors.length) observer.disconnect();
  };
  const observer = new MutationObserver(look);
  observer.observe(document, { childList: true, subtree: true });
}

/**
 * Waits until `selector` was drawn; the page's clock then. Asks every 100 ms
 * with a plain evaluation: Playwright's `waitForFunction` first installs its
 * selector engine in the page, a script that took 85 ms of the slowed CPU
 * while the app was starting.
 */
async function readyAt(page, selector) {
  const deadline = Date.now() + 120000;
  for (;;) {
    const at = await page
      .evaluate((s) => (window.__shownAt && typeof window.__shownAt[s] === "number" ? window.__shownAt[s] : null), selector)
      .catch(() => null); // the page between two documents
    if (at !== null) return at;
    if (Date.now() > deadline) throw new Error(`${selector} was not on screen after two minutes`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Whether `selector` was drawn in this page load (asked once, not waited for). */
async function wasShown(page, selector) {
  return page.evaluate((s) => Boolean(window.__shownAt && s in window.__shownAt), selector);
}

/**
 * Waits until the app has kept Today's picture, as it does a moment after
 * drawing Today (and when the learner leaves it): a learner who opens the
 * app again has seen Today before.
 */
async function pictureKept(page) {
  await page.waitForFunction(() => localStorage.getItem("qinglian.today-picture") !== null, null, { timeout: 60000 });
}

/** Milliseconds from the navigation's start until `selector` is on screen. */
async function readyAfter(page, url, selector) {
  await page.goto(url, { waitUntil: "commit" });
  return readyAt(page, selector);
}


/**
 * The real pack with its lessons repeated (ids `<id>-r<n>`, titles with the
 * copy's number) until it has `count` lessons. Scenarios and risk points keep
 * pointing at the original lessons, which stay.
 */
function manyLessonsPack(text, count) {
  const pack = JSON.parse(text);
  const originals = pack.lessons;
  const lessons = [...originals];
  for (let copy = 1; lessons.length < count; copy++) {
    for (const lesson of originals.slice(0, count - lessons.length)) {
      lessons.push({ ...lesson, id: `${lesson.id}-r${copy}`, title: `${lesson.title}（${copy + 1}）` });
    }
  }
  pack.lessons = lessons;
  return JSON.stringify(pack);
}

/**
 * The outline of a pack, as `Pack::outline` makes it (the build writes one
 * next to each edition, and the app draws Today from it first). Checked
 * against the build's own outline of the real pack before use.
 */
function outlineOf(pack) {
  return {
    ...pack,
    lessons: pack.lessons.map((lesson) => ({ ...lesson, body: [], quiz: [] })),
    scenarios: pack.scenarios.map((scenario) => ({ ...scenario, debrief: [], nodes: [] })),
    risk_checklists: pack.risk_checklists.map((checklist) => ({ ...checklist, points: [] })),
    pledge: { ...pack.pledge, text: [] },
  };
}

/** Writes the file at `path` and its compressed copies (.br, .gz), which the server prefers, as the build does. */
function writeWithCompressedCopies(path, text) {
  const bytes = Buffer.from(text);
  writeFileSync(path, bytes);
  writeFileSync(
    `${path}.br`,
    brotliCompressSync(bytes, {
      params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: bytes.length },
    })
  );
  writeFileSync(`${path}.gz`, gzipSync(bytes, { level: 9 }));
}

/**
 * Adds events `from`..`count` of the log to localStorage, in the form the
 * server is sent and schema 1 of `src/storage.rs` stored (chunks of 256
 * events as JSON arrays under `qinglian.events.NNNNNN`, after the chunks
 * already there, and `qinglian.events.meta`), which the app reads whatever
 * form it now keeps its log in. Event `n` is the same in every round: a
 * realistic mix as in `tests/bench.rs` (study time, answers, quizzes, lessons
 * done, reflections in Chinese) of this device, seq n + 1, on the pack's
 * lessons, two minutes apart up to `now`. Writes until the browser refuses
 * (QuotaExceededError), then puts as many events as fit in the last chunk.
 * Runs in a page of the app's origin; returns how many events it added.
 */
function seedEvents({ count, from, now, lessons, questions }) {
  const CHUNK = 256;
  const device = localStorage.getItem("qinglian.device");
  if (!device) throw new Error("the app has not created its device id");
  const key = (index) => `qinglian.events.${String(index).padStart(6, "0")}`;
  if (from === 0) {
    for (const k of Object.keys(localStorage)) {
      if (k.startsWith("qinglian.events.")) localStorage.removeItem(k);
    }
  }
  let chunks = 0;
  while (localStorage.getItem(key(chunks)) !== null) chunks++;
  // Ten events in a row are about one lesson, as a study session would be.
  const lessonOf = (n) => lessons[Math.floor(n / 10) % lessons.length];
  // Ids as random as the browser's own (crypto.randomUUID, which the app
  // stores as their 16 bytes), but the same for event n in every round.
  const mix = (x) => {
    x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
    x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
    return (x ^ (x >>> 16)) >>> 0;
  };
  const uuid = (n) => {
    const [a, b, c, d] = [0, 1, 2, 3].map((k) => mix(n * 4 + k + 1).toString(16).padStart(8, "0"));
    return `${a}-${b.slice(0, 4)}-4${b.slice(5)}-${"89ab"[mix(n) & 3]}${c.slice(1, 4)}-${c.slice(4)}${d}`;
  };
  const event = (n) => {
    const lesson = lessonOf(n);
    const head = {
      id: uuid(n),
      device,
      seq: n + 1,
      at: now - (count - 1 - n) * 120000,
    };
    switch (n % 10) {
      case 0:
      case 1:
      case 2:
      case 3:
        return { ...head, kind: "study_time", seconds: 60 };
      case 4:
      case 5:
      case 6:
        return {
          ...head,
          kind: "question_answered",
          lesson,
          question: questions[n % questions.length],
          chosen: [n % 4],
          correct: n % 3 !== 0,
        };
      case 7:
        return { ...head, kind: "quiz_finished", lesson, score: n % 6, total: 5 };
      case 8:
        return { ...head, kind: "lesson_done", lesson };
      default:
        return { ...head, kind: "reflection_saved", lesson, text: "每一次请托、每一份礼品都如实登记，留下书面记录。" };
    }
  };
  const write = (k, v) => {
    try {
      localStorage.setItem(k, v);
      return true;
    } catch (err) {
      if (err.name === "QuotaExceededError") return false;
      throw err;
    }
  };
  // The meta entry's room is taken first, at its longest, so it always fits.
  const meta = (chunkCount, nextSeq) => JSON.stringify({ chunks: chunkCount, next_seq: nextSeq });
  if (!write("qinglian.events.meta", meta(999999, 9999999999))) return 0;
  let stored = from;
  while (stored < count) {
    const size = Math.min(CHUNK, count - stored);
    const events = Array.from({ length: size }, (_, i) => event(stored + i));
    if (write(key(chunks), JSON.stringify(events))) {
      stored += size;
      chunks++;
      continue;
    }
    // The quota is reached: the most events of this chunk that fit.
    let low = 0;
    let high = size - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (write(key(chunks), JSON.stringify(events.slice(0, mid)))) low = mid;
      else high = mid - 1;
    }
    localStorage.removeItem(key(chunks));
    if (low > 0 && write(key(chunks), JSON.stringify(events.slice(0, low)))) {
      stored += low;
      chunks++;
    }
    break;
  }
  localStorage.setItem("qinglian.events.meta", meta(chunks, stored + 1));
  return stored - from;
}

/** What the first `stored` seeded events add up to on the Progress page. */
function seededTotals(stored, lessons) {
  let quizzes = 0;
  const lessonsDone = new Set();
  for (let n = 0; n < stored; n++) {
    if (n % 10 === 7) quizzes++;
    if (n % 10 === 8) lessonsDone.add(lessons[Math.floor(n / 10) % lessons.length]);
  }
  return { quizzes, lessonsDone: lessonsDone.size };
}

/**
 * Installs the app on a fresh phone (first visit, the welcome answered, the
 * service worker in control), lets `prepare(context)` change what is stored,
 * then opens it again on the slow phone: the milliseconds until the heading
 * and until Today's figures are on screen. `check(page)` may look at the
 * opened app afterwards (not timed).
 */
async function warmStart(browser, url, { prepare, check } = {}) {
  const context = await phoneContext(browser, { locale: "zh-CN" });
  try {
    const { page } = await slowPage(context);
    await readyAfter(page, url, HEADING);
    await installFromWelcome(page);
    await pictureKept(page);
    await page.close();
    const prepared = prepare ? await prepare(context) : undefined;
    const again = await slowPage(context);
    const heading = await readyAfter(again.page, url, HEADING);
    const figures = await readyAt(again.page, TODAY_FIGURES);
    const running = await readyAt(again.page, APP_FIGURES);
    const painted = await wasShown(again.page, PICTURE);
    const checked = check ? await check(again.page, prepared) : undefined;
    return { heading, figures, running, painted, prepared, checked };
  } finally {
    await context.close();
  }
}

/**
 * Answers the welcome. On a first visit that is the welcome part, and
 * answering it loads the page again as the study part: returns the
 * milliseconds from that page load's start until Today's heading is on
 * screen.
 */
async function answerWelcome(page) {
  await page.getByLabel(/^工作人员/).check();
  const reloaded = page.waitForEvent("framenavigated", { predicate: (frame) => frame === page.mainFrame() });
  await page.getByRole("button", { name: "开始学习" }).click();
  await reloaded;
  const today = await readyAt(page, HEADING);
  await page.getByRole("heading", { level: 1, name: "今日学习" }).waitFor();
  return today;
}

/** Answers the welcome and waits for the service worker to hold the build. */
async function installFromWelcome(page) {
  await answerWelcome(page);
  await waitForServiceWorker(page);
}

/** What the app shows of the seeded log: the Progress page's totals. */
async function progressShown(page, seeded) {
  const banner = await page.locator(".banner.error").allTextContents();
  const setAside = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("qinglian.set-aside.")));
  await page.goto(`${new URL(page.url()).origin}/progress`);
  await page.waitForSelector("main .progress .stats", { timeout: 120000 });
  const lessonsDone = Number(await page.locator("main .progress .stats .stat strong").nth(1).textContent());
  const attempts = (await page.locator("main .score-list li").allTextContents())
    .map((text) => Number((text.match(/共 (\d+) 次/) || [])[1] || 0))
    .reduce((a, b) => a + b, 0);
  const problems = [];
  if (banner.length) problems.push(`the app shows an error: ${banner.join(" ")}`);
  if (setAside.length) problems.push(`the app set aside ${setAside.join(", ")}`);
  if (attempts !== seeded.quizzes) problems.push(`Progress shows ${attempts} quiz attempts, ${seeded.quizzes} were seeded`);
  if (lessonsDone !== seeded.lessonsDone) problems.push(`Progress shows ${lessonsDone} lessons done, ${seeded.lessonsDone} were seeded`);
  if (problems.length) throw new Error(`the seeded log is not what the app shows: ${problems.join("; ")}`);
  return { attempts, lessonsDone };
}

/** The Library's lesson count: the big pack must be the one in use. */
async function libraryLessons(page) {
  await page.goto(`${new URL(page.url()).origin}/library`);
  await page.waitForSelector("main .library .track h2", { timeout: 120000 });
  // A lesson for every tier is listed in each tier's track: count each once.
  const listed = await page.evaluate(
    () => new Set([...document.querySelectorAll('main a[href^="/lesson/"]')].map((a) => a.getAttribute("href"))).size
  );
  if (listed !== MANY_LESSONS) throw new Error(`the Library lists ${listed} lessons, not the ${MANY_LESSONS} of the pack served`);
  return listed;
}

// A missing server would end the process before any clean-up could run.
if (!existsSync(SERVER)) throw new Error(`no server binary at ${SERVER}: build it first (cargo xtask dist)`);
const work = mkdtempSync(join(tmpdir(), "qinglian-load-"));
/**
 * The floor: a minimal page (one heading and a line, no style sheet, no
 * script but its service worker's registration), kept in its service
 * worker's cache and answered from there, as the app's pages are. Served by
 * a plain HTTP server of its own on loopback. No installed page opens
 * sooner on this phone, whatever it holds; the warm starts are printed
 * beside it.
 */
async function startFloorServer() {
  const page = `<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>今日学习</title></head><body><main><h1>今日学习</h1><p>利用十分钟空闲时间学习。</p></main><script>navigator.serviceWorker.register("/sw.js")</script></body></html>`;
  const worker = `self.addEventListener("install", (e) => e.waitUntil(caches.open("floor").then((c) => c.add("/")).then(() => self.skipWaiting())));
self.addEventListener("activate", (e) => e.waitUntil(self.clients.claim()));
self.addEventListener("fetch", (e) => { if (e.request.mode === "navigate") e.respondWith(caches.match("/").then((r) => r || fetch(e.request))); });`;
  const floor = createServer((request, response) => {
    const isWorker = request.url === "/sw.js";
    response.writeHead(200, { "content-type": isWorker ? "text/javascript" : "text/html; charset=utf-8" });
    response.end(isWorker ? worker : page);
  });
  await new Promise((resolve) => floor.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${floor.address().port}/`, close: () => floor.close() };
}

let server;
let floorServer;
let manyLessonsServer;
let browser;
let manyLessonsText;
let seedPlan;
const cold = [];
const coldBytes = [];
const staticPage = [];
const afterWelcome = [];
const warm = [];
const warmToday = [];
const floor = [];
const manyLessons = { heading: [], figures: [], running: [], shown: [] };
const manyEvents = { heading: [], figures: [], running: [], stored: [], chars: [], shown: null };
const warmRunning = [];
/** For each timed warm start, whether Today's picture was painted. */
const painted = [];

/**
 * Fills the log with up to MANY_EVENTS events, in rounds: events are written
 * from a page of the app's origin that runs no app (the service worker
 * answers every navigation with the app, except /api/), then the app is
 * opened once, which reads them and keeps them in its own form (a compact
 * one rewrites them smaller, leaving room for the next round). Stops when
 * all are stored or a round adds none; the app has then read them all, so
 * the timed start that follows is an ordinary one. Returns how many were
 * stored, what Progress should show, and the characters stored.
 */
const seedFor = (url) => async (context) => {
  const page = await context.newPage();
  try {
    const plan = { ...seedPlan, now: Date.now(), from: 0 };
    for (let round = 1; ; round++) {
      await page.goto(`${url}/api/bench-seeding`);
      // Today's picture of before the seeding would no longer be painted;
      // the app keeps a new one when it has drawn Today with the new log.
      await page.evaluate(() => localStorage.removeItem("qinglian.today-picture"));
      const added = await page.evaluate(seedEvents, plan);
      plan.from += added;
      await page.goto(url);
      await page.waitForSelector(HEADING, { timeout: 120000 });
      if (plan.from >= plan.count || added === 0 || round >= 20) break;
    }
    // As after any use of the app, its snapshot of the progress is in place
    // (written once it has read the whole log), so the timed start reads only
    // the log's last chunk before Today's figures.
    await page
      .waitForFunction((n) => JSON.parse(localStorage.getItem("qinglian.events.snapshot") || "null")?.n >= n, plan.from, {
        timeout: 120000,
      })
      .catch(() => {
        throw new Error(`the app kept no snapshot of the progress of the ${plan.from} events seeded`);
      });
    await pictureKept(page);
    await page.goto(`${url}/api/bench-seeding`);
    const chars = await page.evaluate(() =>
      Object.keys(localStorage).reduce((sum, k) => sum + k.length + localStorage.getItem(k).length, 0)
    );
    return { stored: plan.from, chars, ...seededTotals(plan.from, plan.lessons) };
  } finally {
    await page.close();
  }
};

try {
  cpSync(DIST, join(work, "dist"), { recursive: true });
  // The static page: a lesson's worth of plain text, no script, no style sheet.
  const paragraph = "领导干部要带头学习廉洁从政规定，做到学而信、学而用、学而行。".repeat(12);
  writeFileSync(
    join(work, "dist", "static-page.html"),
    `<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>静态页面</title></head><body><h1>静态页面</h1>${`<p>${paragraph}</p>`.repeat(8)}</body></html>`
  );
  // The build again, for a second server, with a pack of 500 lessons.
  const manyLessonsWork = join(work, "many-lessons");
  mkdirSync(manyLessonsWork);
  cpSync(DIST, join(manyLessonsWork, "dist"), { recursive: true });
  const packPath = join(manyLessonsWork, "dist", "content", "pack.zh-Hans.json");
  const realPack = JSON.parse(readFileSync(packPath, "utf8"));
  manyLessonsText = manyLessonsPack(readFileSync(packPath, "utf8"), MANY_LESSONS);
  writeWithCompressedCopies(packPath, manyLessonsText);
  // Its outline, made as the build makes one (checked on the real pack).
  const outlinePath = join(manyLessonsWork, "dist", "content", "outline.zh-Hans.json");
  const builtOutline = readFileSync(outlinePath, "utf8");
  if (JSON.stringify(outlineOf(realPack)) !== builtOutline) {
    throw new Error("the bench makes outlines other than the build's (Pack::outline changed?)");
  }
  writeWithCompressedCopies(outlinePath, JSON.stringify(outlineOf(JSON.parse(manyLessonsText))));
  seedPlan = {
    count: MANY_EVENTS,
    lessons: realPack.lessons.map((l) => l.id),
    questions: realPack.lessons[0].quiz.map((q) => q.id),
  };

  server = await startServer({ dir: work });
  manyLessonsServer = await startServer({ dir: manyLessonsWork });
  floorServer = await startFloorServer();
  browser = await launchBrowser();
  for (let run = 0; run < RUNS; run++) {
    // The static page, cold.
    {
      const context = await phoneContext(browser, { locale: "zh-CN" });
      const { page } = await slowPage(context);
      staticPage.push(await readyAfter(page, `${server.url}/static-page.html`, "h1"));
      await context.close();
    }
    // The floor: the minimal page, installed, opened again.
    {
      const context = await phoneContext(browser, { locale: "zh-CN" });
      const { page } = await slowPage(context);
      await readyAfter(page, floorServer.url, HEADING);
      await waitForServiceWorker(page);
      await page.close();
      const again = await slowPage(context);
      floor.push(await readyAfter(again.page, floorServer.url, HEADING));
      await context.close();
    }
    // The app, cold: a first visit. Its service worker is blocked here: the
    // bench cannot slow a worker's network, and its downloads at full speed
    // would make the next page load look faster than a phone's.
    {
      const context = await phoneContext(browser, { locale: "zh-CN", serviceWorkers: "block" });
      const { page, received } = await slowPage(context);
      cold.push(await readyAfter(page, server.url, "main h1"));
      // Everything the first visit loads, not what a service worker would
      // fetch for itself.
      await page.waitForLoadState("networkidle");
      coldBytes.push(received.bytes);
      // The welcome answered at once: the study part opens, downloaded in
      // full after the answer (the worst case; on a phone the service
      // worker has begun it while the learner reads the welcome).
      afterWelcome.push(await answerWelcome(page));
      await context.close();
    }
    // Installed: a first visit, the welcome answered, the service worker
    // holding the build.
    const context = await phoneContext(browser, { locale: "zh-CN" });
    const { page } = await slowPage(context);
    await readyAfter(page, server.url, "main h1");
    await installFromWelcome(page);
    await pictureKept(page);
    await page.close();
    // Warm: opened again from the home screen.
    const again = await slowPage(context);
    warm.push(await readyAfter(again.page, server.url, HEADING));
    warmToday.push(await readyAt(again.page, TODAY_FIGURES));
    warmRunning.push(await readyAt(again.page, APP_FIGURES));
    painted.push(await wasShown(again.page, PICTURE));
    await context.close();

    // Warm, with 500 lessons in the pack.
    {
      const run500 = await warmStart(browser, manyLessonsServer.url, {
        check: run === 0 ? libraryLessons : undefined,
      });
      manyLessons.heading.push(run500.heading);
      manyLessons.figures.push(run500.figures);
      manyLessons.running.push(run500.running);
      painted.push(run500.painted);
      if (run500.checked !== undefined) manyLessons.shown.push(run500.checked);
    }
    // Warm, with 50,000 events in the log (or as many as fit).
    {
      const runEvents = await warmStart(browser, server.url, {
        prepare: seedFor(server.url),
        check: run === 0 ? progressShown : undefined,
      });
      manyEvents.heading.push(runEvents.heading);
      manyEvents.figures.push(runEvents.figures);
      manyEvents.running.push(runEvents.running);
      painted.push(runEvents.painted);
      manyEvents.stored.push(runEvents.prepared.stored);
      manyEvents.chars.push(runEvents.prepared.chars);
      if (runEvents.checked) manyEvents.shown = runEvents.checked;
    }
  }
} finally {
  await browser?.close();
  await server?.stop();
  await manyLessonsServer?.stop();
  floorServer?.close();
  rmSync(work, { recursive: true, force: true });
}

const result = {
  runs: RUNS,
  cold_kb: Math.round(median(coldBytes) / 102.4) / 10,
  cold_ms: Math.round(median(cold)),
  static_ms: Math.round(median(staticPage)),
  cold_ratio: Math.round((median(cold) / median(staticPage)) * 10) / 10,
  after_welcome_ms: Math.round(median(afterWelcome)),
  warm_ms: Math.round(median(warm)),
  warm_today_ms: Math.round(median(warmToday)),
  warm_running_ms: Math.round(median(warmRunning)),
  pictures_painted: painted.filter(Boolean).length,
  warm_starts: painted.length,
  floor_ms: Math.round(median(floor)),
  warm_500_lessons_ms: Math.round(median(manyLessons.heading)),
  warm_500_lessons_today_ms: Math.round(median(manyLessons.figures)),
  warm_500_lessons_running_ms: Math.round(median(manyLessons.running)),
  events_wanted: MANY_EVENTS,
  events_stored: Math.min(...manyEvents.stored),
  warm_events_ms: Math.round(median(manyEvents.heading)),
  warm_events_today_ms: Math.round(median(manyEvents.figures)),
  warm_events_running_ms: Math.round(median(manyEvents.running)),
};
const fitted = result.events_stored === MANY_EVENTS;
const storedText = result.events_stored.toLocaleString("en");
console.log(
  `load: first visit ${result.cold_kb} KB received, ready in ${result.cold_ms} ms; the static page in ${result.static_ms} ms (${result.cold_ratio}×)`
);
console.log(
  `load: the welcome answered at once, the study part then downloaded in full (no service worker's head start): Today ready ${result.after_welcome_ms} ms after the page load that follows`
);
console.log(
  `load: installed app opened again: ready in ${result.warm_ms} ms, Today's figures in ${result.warm_today_ms} ms, the app running (its own Today's figures) in ${result.warm_running_ms} ms`
);
console.log(
  `load: Today's picture was painted in ${result.pictures_painted} of ${result.warm_starts} timed warm starts (the learner had seen Today before in each)`
);
console.log(
  `load: the floor, a minimal page (one heading, no style sheet, no script) answered by its service worker the same way: ready in ${result.floor_ms} ms`
);
console.log(
  `load: with ${MANY_LESSONS} lessons (a pack of ${(Buffer.byteLength(manyLessonsText) / 1048576).toFixed(1)} MB; the Library lists ${manyLessons.shown.join(", ")} lessons): ready in ${result.warm_500_lessons_ms} ms, Today's figures in ${result.warm_500_lessons_today_ms} ms, the app running in ${result.warm_500_lessons_running_ms} ms`
);
if (!fitted) {
  console.log(
    `load: ${MANY_EVENTS.toLocaleString("en")} events did NOT fit in Chromium's localStorage (QuotaExceededError): ${storedText} did, measured with those`
  );
}
console.log(
  `load: with ${storedText} events in the log (${(Math.max(...manyEvents.chars) / 1e6).toFixed(2)} million characters in localStorage; Progress shows ${manyEvents.shown.attempts} quiz attempts and ${manyEvents.shown.lessonsDone} lessons done, as seeded): ready in ${result.warm_events_ms} ms, Today's figures in ${result.warm_events_today_ms} ms, the app running in ${result.warm_events_running_ms} ms`
);
console.log(`load: medians of ${RUNS} runs; 150 ms round trip, 1.6 Mbit/s, CPU slowed ${CPU_SLOWDOWN}×`);
console.log(JSON.stringify(result));
