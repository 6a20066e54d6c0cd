// Phone screenshots of the Chinese edition for the README, from the real
// release build: `cargo xtask screenshots` (it installs a CJK font first).
// A zh-CN phone at 360 × 740 opens the app, chooses the staff path, and the
// Today page and a lesson are captured into docs/screenshots/.

import { mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { launchBrowser, phoneContext, startServer, waitForServiceWorker, DIST } from "./e2e/harness.mjs";

const root = resolve(import.meta.dirname, "..");
const out = join(root, "docs/screenshots");
mkdirSync(out, { recursive: true });
const zh = JSON.parse(readFileSync(join(DIST, "content/pack.zh-Hans.json"), "utf8"));
const lesson = zh.lessons.find((l) => l.id === "st-gifts-and-hospitality") || zh.lessons[0];

const server = await startServer();
const browser = await launchBrowser();
try {
  const context = await phoneContext(browser, { locale: "zh-CN", deviceScaleFactor: 2 });
  const page = await context.newPage();
  await page.goto(server.url);
  await page.getByRole("heading", { level: 1, name: "欢迎使用清廉" }).waitFor();
  await page.getByLabel(/^工作人员/).check();
  await page.getByRole("button", { name: "开始学习" }).click();
  await page.getByRole("heading", { level: 1, name: "今日学习" }).waitFor();
  await waitForServiceWorker(page);
  await page.evaluate(async () => {
    await document.fonts.ready;
    window.scrollTo(0, 0);
  });
  await page.screenshot({ path: join(out, "today.zh-Hans.png") });
  await page.goto(`${server.url}/lesson/${lesson.id}`);
  await page.getByRole("heading", { level: 1, name: lesson.title }).waitFor();
  await page.evaluate(() => document.fonts.ready);
  await page.screenshot({ path: join(out, "lesson.zh-Hans.png") });
  console.log(`wrote ${join("docs/screenshots", "today.zh-Hans.png")} and ${join("docs/screenshots", "lesson.zh-Hans.png")}`);
  await context.close();
} finally {
  await browser.close();
  await server.stop();
  server.cleanup();
}
