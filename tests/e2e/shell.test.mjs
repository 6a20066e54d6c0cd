// The installable, offline app shell, driven in headless Chromium against the
// real server.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, readFileSync, utimesSync } from "node:fs";
import { join } from "node:path";
import {
  startServer,
  launchBrowser,
  phoneContext,
  openAndChooseTier,
  waitForServiceWorker,
  seriousViolations,
  withApp,
  DIST,
  PHONE,
} from "./harness.mjs";

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

test("the app renders at 360×740 without sideways scrolling", async () => {
  await withApp(
    browser,
    async ({ page, server }) => {
      await openAndChooseTier(page, server.url);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= PHONE.width, `page is ${width}px wide`);
      const nav = page.getByRole("navigation", { name: "Main" });
      for (const name of ["Today", "Library", "Progress", "Settings"]) {
        const link = nav.getByRole("link", { name });
        await link.waitFor();
        const box = await link.boundingBox();
        assert.ok(box.height >= 44, `${name} tab is ${box.height}px tall: too small for a thumb`);
      }
      await assert.doesNotReject(page.getByText("Online").waitFor());
    },
    { tier: null }
  );
});

test("after the server is stopped, a reload still gives a working app", async () => {
  const server = await startServer();
  const context = await phoneContext(browser);
  const page = await context.newPage();
  try {
    await openAndChooseTier(page, server.url);
    await waitForServiceWorker(page);
    await server.stop();
    // The server is gone: nothing answers on its port any more.
    await assert.rejects(fetch(`${server.url}/api/health`));

    await page.reload();
    await page.getByRole("heading", { level: 1, name: "Today" }).waitFor();
    const nav = page.getByRole("navigation", { name: "Main" });
    await nav.getByRole("link", { name: "Library" }).click();
    await page.getByRole("heading", { level: 1, name: "Library" }).waitFor();
    await nav.getByRole("link", { name: "Settings" }).click();
    await page.getByRole("heading", { level: 1, name: "Settings" }).waitFor();
    // A deep link typed while offline is answered from the cached shell.
    await page.goto(`${server.url}/progress`);
    await page.getByRole("heading", { level: 1, name: "Progress" }).waitFor();
  } finally {
    await context.close();
    server.cleanup();
  }
});

test("a first visit loads the welcome part alone, then the study part; the bureau part's pages open from it, also offline, and lead back", async () => {
  const server = await startServer();
  const context = await phoneContext(browser);
  const page = await context.newPage();
  const loaded = [];
  page.on("requestfinished", (request) => loaded.push(new URL(request.url()).pathname));
  try {
    await openAndChooseTier(page, server.url);
    // The first visit is the welcome part alone; answering it opens the
    // study part (the service worker fetches the bureau part for itself,
    // for offline use).
    const wasm = loaded.filter((path) => path.endsWith(".wasm"));
    assert.equal(wasm.length, 2, `the first visit loaded ${wasm.join(", ")}`);
    assert.ok(wasm[0].includes("qinglian-welcome"), `the first visit started with ${wasm[0]}`);
    assert.ok(!/welcome|bureau/.test(wasm[1]), `the welcome answered opened ${wasm[1]}`);
    assert.ok(
      await page.evaluate(() => document.cookie.includes("qinglian-started=")),
      "the app told the server that the welcome was answered"
    );
    await waitForServiceWorker(page);
    // Installed, a reload is the study part straight away.
    loaded.length = 0;
    await page.reload();
    await page.getByRole("heading", { level: 1, name: "Today" }).waitFor();
    assert.ok(!loaded.some((path) => path.includes("qinglian-welcome")), `the reload loaded ${loaded.join(", ")}`);
    await server.stop();
    await assert.rejects(fetch(`${server.url}/api/health`));

    const nav = page.getByRole("navigation", { name: "Main" });
    await nav.getByRole("link", { name: "Together" }).click();
    // The bureau part reads the same storage: the tier chosen holds, so it
    // opens on the page, not on the welcome.
    await page.getByRole("heading", { level: 1, name: "Study sessions" }).waitFor();
    assert.equal(new URL(page.url()).pathname, "/sessions");
    assert.ok(
      await page.evaluate(() => performance.getEntriesByType("resource").some((r) => r.name.includes("qinglian-bureau"))),
      "the Together tab opened the bureau part"
    );
    await nav.getByRole("link", { name: "Library" }).click();
    await page.getByRole("heading", { level: 1, name: "Library" }).waitFor();
    // Back returns to the bureau part's page, then forward again.
    await page.goBack();
    await page.getByRole("heading", { level: 1, name: "Study sessions" }).waitFor();
    await page.goForward();
    await page.getByRole("heading", { level: 1, name: "Library" }).waitFor();
    // A deep link into the bureau part, typed offline.
    await page.goto(`${server.url}/sessions/check-in`);
    await page.getByRole("heading", { level: 1 }).first().waitFor();
    assert.ok(
      await page.evaluate(() => [...document.scripts].some((s) => s.src.includes("boot-")) && document.querySelector("link[href*='qinglian-bureau']") !== null),
      "a bureau page is answered with bureau.html"
    );
    // An address that is no page at all is still "page not found", with no reloading.
    await page.goto(`${server.url}/no/such/page`);
    await page.getByRole("heading", { level: 1, name: "Page not found" }).waitFor();
  } finally {
    await context.close();
    server.cleanup();
  }
});

test("Today is drawn from the content's outline while the whole edition is still on its way", async () => {
  const server = await startServer();
  // No service worker: every read goes to the network, where it can be held.
  const context = await phoneContext(browser, { serviceWorkers: "block" });
  const page = await context.newPage();
  try {
    await openAndChooseTier(page, server.url);
    let release;
    const held = new Promise((resolve) => (release = resolve));
    let asked = false;
    await page.route("**/content/pack.en.json", async (route) => {
      asked = true;
      await held;
      await route.continue();
    });
    await page.reload();
    await page.getByRole("heading", { level: 1, name: "Today" }).waitFor();
    // The figures and the next lesson, while the whole edition is held back.
    await page.locator("main .today .stats").waitFor();
    await page.getByRole("heading", { level: 3, name: "Next lesson" }).waitFor();
    const outline = JSON.parse(readFileSync(join(DIST, "content/outline.en.json"), "utf8"));
    const next = await page.locator("main .session li.card p strong").first().textContent();
    assert.ok(outline.lessons.some((l) => l.title === next), `Today offers "${next}"`);
    assert.ok(asked, "the whole edition was asked for");
    // A page that needs the lessons' texts waits for them, then shows them.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Library" }).click();
    await page.getByRole("status").filter({ hasText: "Loading" }).waitFor();
    release();
    await page.locator('main a[href^="/lesson/"]').first().waitFor();
    await page.locator('main a[href^="/lesson/"]').first().click();
    await page.getByRole("button", { name: "Start the quiz" }).waitFor();
  } finally {
    await context.close();
    await server.stop();
    server.cleanup();
  }
});

test("an installed app opened again shows Today's picture at once, and the app takes its place with the same figures", async () => {
  const server = await startServer();
  // No service worker, so the wasm can be held back on the network.
  const context = await phoneContext(browser, { serviceWorkers: "block" });
  const page = await context.newPage();
  // Notes whether the picture was ever painted, how many `main`s the page
  // ever had at once, and any script the content security policy refused.
  await page.addInitScript(() => {
    window.__picture = { painted: false, mains: 0, refused: [], shifted: 0 };
    document.addEventListener("securitypolicyviolation", (e) => window.__picture.refused.push(e.violatedDirective));
    new PerformanceObserver((list) => {
      for (const shift of list.getEntries()) window.__picture.shifted += shift.value;
    }).observe({ type: "layout-shift", buffered: true });
    new MutationObserver(() => {
      if (document.getElementById("today-picture")) window.__picture.painted = true;
      window.__picture.mains = Math.max(window.__picture.mains, document.querySelectorAll("main").length);
    }).observe(document, { childList: true, subtree: true });
  });
  try {
    await openAndChooseTier(page, server.url);
    const figures = (await page.locator("#app main .today .stats").textContent()).trim();
    // Kept a moment after Today is drawn.
    await page.waitForFunction(() => localStorage.getItem("qinglian.today-picture") !== null, null, { timeout: 10000 });
    let release;
    let held = new Promise((resolve) => (release = resolve));
    await page.route("**/*_bg.wasm", async (route) => {
      await held;
      await route.continue();
    });
    await page.reload();
    // The picture, while the app's wasm is held back: Today with its figures,
    // the tab bar's links, the connection badge.
    const picture = page.locator("#today-picture");
    await picture.locator("main .today .stats").waitFor();
    assert.equal((await picture.locator("main .today .stats").textContent()).trim(), figures);
    await picture.getByRole("heading", { level: 1, name: "Today" }).waitFor();
    assert.equal((await picture.locator(".connection").textContent()).trim(), "Online");
    assert.equal(await picture.getByRole("link", { name: "Library" }).getAttribute("href"), "/library");
    assert.equal(await page.locator("#app").count(), 0, "the app has not started");
    const before = await page.screenshot();
    release();
    // The app takes its place: the same figures, one page.
    await page.locator("#app main .today .stats").waitFor();
    await picture.waitFor({ state: "detached" });
    assert.equal((await page.locator("#app main .today .stats").textContent()).trim(), figures);
    // The screen is the same, pixel for pixel, with the app in its place.
    assert.ok((await page.screenshot()).equals(before), "the screen changed when the app took over");
    const seen = await page.evaluate(() => window.__picture);
    // Nothing moved when the app took the picture's place (layout shift).
    assert.deepEqual(seen, { painted: true, mains: 1, refused: [], shifted: 0 });
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Library" }).click();
    await page.getByRole("heading", { level: 1, name: "Library" }).waitFor();

    // Settings changed (the text size): Today was not drawn since, so the
    // picture no longer matches what is stored and is not painted.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).click();
    await page.getByLabel("Large", { exact: true }).check();
    held = new Promise((resolve) => (release = resolve));
    await page.goto(server.url + "/");
    await page.locator("#boot-shell").waitFor();
    assert.equal(await page.evaluate(() => window.__picture.painted), false, "a picture of other settings was painted");
    release();
    await page.locator("#app main .today .stats").waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.className), "text-large");
  } finally {
    await context.close();
    await server.stop();
    server.cleanup();
  }
});

test("settings changed before a reload are still set after it", async () => {
  await withApp(
    browser,
    async ({ page, server }) => {
      await openAndChooseTier(page, server.url, "Department head");
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).click();
      await page.getByRole("radio", { name: "简体中文" }).check();
      await page.getByRole("heading", { level: 1, name: "设置" }).waitFor();
      await page.getByRole("radio", { name: "特大" }).check();
      await page.getByRole("radio", { name: "深色" }).check();
      await page.reload();
      await page.getByRole("heading", { level: 1, name: "设置" }).waitFor();
      const html = await page.evaluate(() => ({
        lang: document.documentElement.lang,
        size: document.documentElement.className,
        theme: document.documentElement.dataset.theme,
      }));
      assert.deepEqual(html, { lang: "zh-Hans", size: "text-larger", theme: "dark" });
      assert.ok(await page.getByLabel(/^科室负责人/).isChecked(), "the tier is remembered");
      await page.getByRole("navigation", { name: "主导航" }).getByRole("link", { name: "进度" }).waitFor();
    },
    { tier: null }
  );
});

test("the manifest is valid and every icon it names loads", async () => {
  await withApp(
    browser,
    async ({ page, server }) => {
      await page.goto(server.url);
      const href = await page.getAttribute('link[rel="manifest"]', "href");
      const response = await page.request.get(new URL(href, server.url).href);
      assert.equal(response.status(), 200);
      assert.equal(response.headers()["content-type"], "application/manifest+json");
      const manifest = await response.json();
      for (const field of ["name", "short_name", "description", "start_url", "scope", "theme_color", "background_color", "lang"]) {
        assert.ok(manifest[field], `manifest.${field} is missing`);
      }
      assert.equal(manifest.display, "standalone");
      const sizes = manifest.icons.map((icon) => `${icon.sizes}:${icon.purpose}`);
      assert.ok(sizes.includes("192x192:any") && sizes.includes("512x512:any") && sizes.includes("512x512:maskable"), sizes.join());
      for (const icon of manifest.icons) {
        const [w, h] = icon.sizes.split("x").map(Number);
        const loaded = await page.evaluate(
          (src) =>
            new Promise((resolve) => {
              const img = new Image();
              img.onload = () => resolve({ w: img.naturalWidth, h: img.naturalHeight });
              img.onerror = () => resolve(null);
              img.src = src;
            }),
          icon.src
        );
        assert.deepEqual(loaded, { w, h }, `${icon.src} loads at ${icon.sizes}`);
      }
      const touch = await page.getAttribute('link[rel="apple-touch-icon"]', "href");
      assert.equal((await page.request.get(new URL(touch, server.url).href)).status(), 200);
    },
    { tier: null }
  );
});

test("no page has a serious or critical accessibility violation", async () => {
  await withApp(
    browser,
    async ({ page, server }) => {
      await page.goto(server.url);
      await page.getByRole("heading", { level: 1, name: "Welcome to Qinglian" }).waitFor();
      const problems = { welcome: await seriousViolations(page) };
      await page.getByLabel(/^Staff/).check();
      await page.getByRole("button", { name: "Start studying" }).click();
      for (const path of ["/", "/library", "/progress", "/settings", "/no-such-page"]) {
        await page.goto(server.url + path);
        await page.locator("main h1").waitFor();
        const h1s = await page.locator("h1").count();
        assert.equal(h1s, 1, `${path} has ${h1s} h1 elements`);
        problems[path] = await seriousViolations(page);
      }
      for (const [where, list] of Object.entries(problems)) {
        assert.deepEqual(list, [], `${where}: ${list.join("\n")}`);
      }
    },
    { tier: null, contextOptions: { bypassCSP: true } }
  );
});

test("a new version waits, and the Reload button activates it", async () => {
  await withApp(
    browser,
    async ({ page, server }) => {
      await openAndChooseTier(page, server.url);
      await waitForServiceWorker(page);
      const first = await page.evaluate(() => caches.keys());
      // Publish a "new build": any change to sw.js is a new version.
      appendFileSync(join(server.dir, "dist", "sw.js"), "\n// next build\n");
      // A real build lands later; here it can land in the same second as
      // the copy the server started with, and the browser's check (If-Modified-Since,
      // whole seconds) would answer "not modified". Date it a little later.
      const later = new Date(Date.now() + 3000);
      utimesSync(join(server.dir, "dist", "sw.js"), later, later);
      await page.evaluate(async () => (await navigator.serviceWorker.getRegistration()).update());
      const button = page.getByRole("button", { name: "Reload" });
      await button.waitFor({ timeout: 20000 });
      await page.getByText("Update ready").waitFor();
      const controllerChanged = page.evaluate(
        () => new Promise((resolve) => navigator.serviceWorker.addEventListener("controllerchange", () => resolve(true)))
      );
      await button.click();
      await controllerChanged.catch(() => true); // the page reloads as the new worker takes over
      await page.getByRole("heading", { level: 1, name: "Today" }).waitFor();
      await waitForServiceWorker(page);
      assert.equal(await page.getByRole("button", { name: "Reload" }).count(), 0, "no prompt after updating");
      assert.ok(first.length >= 1);
    },
    { tier: null }
  );
});
