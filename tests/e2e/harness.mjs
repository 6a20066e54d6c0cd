// Shared by the end-to-end tests: boots the real qinglian-server on a free
// port over a private copy of the built app and a fresh data directory, and
// launches the system Chromium through playwright-core.

import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const root = resolve(import.meta.dirname, "../..");
export const SERVER = process.env.QINGLIAN_SERVER || join(root, "target/release/qinglian-server");
export const DIST = process.env.QINGLIAN_DIST || join(root, "dist");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

/** A phone-sized viewport: the narrowest screen the app promises to fit. */
export const PHONE = { width: 360, height: 740 };

/**
 * Starts qinglian-server. `dir` keeps the copy of dist/ and the data so that a
 * restarted server (same dir) finds the same data; `env` adds environment
 * variables. Resolves when it listens.
 */
export async function startServer({ dir, port = 0, env = {} } = {}) {
  const work = dir || mkdtempSync(join(tmpdir(), "qinglian-e2e-"));
  if (!dir) cpSync(DIST, join(work, "dist"), { recursive: true });
  const child = spawn(
    SERVER,
    ["--addr", `127.0.0.1:${port}`, "--data", join(work, "data"), "--static", join(work, "dist")],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } }
  );
  let log = "";
  const url = await new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), 20000);
    const onData = (chunk) => {
      log += chunk;
      const match = log.match(/listening on (http:\/\/\S+)/);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}):\n${log}`));
    });
  });
  const exited = new Promise((r) => child.on("exit", r));
  return {
    url,
    dir: work,
    port: Number(new URL(url).port),
    /** Stops the process for real (SIGTERM, then SIGKILL) and waits for it. */
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timeout = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timeout);
    },
    cleanup() {
      rmSync(work, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-quic",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/**
 * A phone-sized context, set to English unless `options.locale` says otherwise
 * (the app's first run follows the phone's language); `bypassCSP` only where
 * a test injects axe-core.
 */
export async function phoneContext(browser, options = {}) {
  return browser.newContext({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: "en-US", ...options });
}

/** Opens the app and answers the first-run welcome with `tier`. */
export async function openAndChooseTier(page, url, tier = "Staff") {
  await page.goto(url);
  await page.getByRole("heading", { level: 1, name: "Welcome to Qinglian" }).waitFor();
  await page.getByLabel(new RegExp(`^${tier}`)).check();
  await page.getByRole("button", { name: "Start studying" }).click();
  await page.getByRole("heading", { level: 1, name: "Today" }).waitFor();
}

/**
 * Waits until a service worker controls the page (it claims clients on
 * activate). Installing precaches the whole build (both content editions), so
 * on a loaded two-core CI machine it is given a minute.
 */
export async function waitForServiceWorker(page) {
  await page.waitForFunction(() => navigator.serviceWorker && navigator.serviceWorker.controller !== null, null, {
    timeout: 60000,
  });
}

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/** Runs axe-core on the page; returns the serious and critical violations. */
export async function seriousViolations(page) {
  await page.addScriptTag({ content: AXE_SOURCE });
  const results = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, { resultTypes: ["violations"] })
  );
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

/**
 * Boots a fresh server, opens a phone-sized page (answering the welcome with
 * `tier` unless it is null), runs `run({ page, server, context })`, and cleans
 * everything up whatever happens.
 */
export async function withApp(browser, run, { tier = "Staff", contextOptions = {}, beforeOpen } = {}) {
  const server = await startServer();
  const context = await phoneContext(browser, contextOptions);
  const page = await context.newPage();
  try {
    if (beforeOpen) await beforeOpen(page);
    if (tier) await openAndChooseTier(page, server.url, tier);
    await run({ page, server, context });
  } finally {
    await context.close();
    await server.stop();
    server.cleanup();
  }
}
