// The learner's features in the built app, in headless Chromium against the
// real server: offline study that survives a reload, the review queue, data
// export / import / reset, the risk self-check, the pledge and the plan.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { launchBrowser, withApp as withAppIn, waitForServiceWorker, seriousViolations, DIST, PHONE } from "./harness.mjs";

const pack = JSON.parse(readFileSync(join(DIST, "content/pack.en.json"), "utf8"));
const staffLessons = pack.lessons.filter((l) => l.tiers.length === 1 && l.tiers[0] === "staff");
const firstStaffLesson = staffLessons[0];
const staffScenario = pack.scenarios.find((s) => s.tiers.includes("staff"));

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

function withApp(run, options) {
  return withAppIn(browser, run, options);
}

function nav(page, name) {
  return page.getByRole("navigation", { name: "Main" }).getByRole("link", { name, exact: true }).click();
}

/**
 * Answers every question of the open quiz by choosing only the first option.
 * Each lesson has a multiple-choice question with two or more right answers, so
 * at least one answer is missed. Returns the prompts that were missed.
 */
async function takeQuizChoosingFirstOptions(page) {
  await page.getByRole("button", { name: "Start the quiz" }).click();
  const missed = [];
  for (;;) {
    const card = page.locator("form.question");
    await card.waitFor();
    const prompt = (await card.locator("legend").textContent()).trim();
    await card.locator("label.choice").first().click();
    await card.getByRole("button", { name: "Check" }).click();
    await card.locator(".verdict p").waitFor();
    if ((await card.locator(".verdict p").textContent()).startsWith("Not quite")) missed.push(prompt);
    const next = card.getByRole("button", { name: /Next question|See your score/ });
    const label = await next.textContent();
    await next.click();
    if (label.includes("See your score")) break;
  }
  await page.getByText(/You scored \d of \d\./).waitFor();
  return missed;
}

test("a lesson, a quiz and a scenario done offline are all in Progress after a reload", async () => {
  await withApp(async ({ page, server }) => {
    await waitForServiceWorker(page);
    await server.stop();

    await nav(page, "Library");
    await page.getByRole("link", { name: new RegExp(firstStaffLesson.title) }).first().click();
    await page.getByRole("heading", { level: 1, name: firstStaffLesson.title }).waitFor();
    await page.getByRole("button", { name: "Mark as done" }).click();
    await page.getByText("You have finished this lesson.").waitFor();
    const missed = await takeQuizChoosingFirstOptions(page);
    assert.ok(missed.length >= 1, "choosing only first options misses the multiple-choice question");

    await page.goto(`${server.url}/scenario/${staffScenario.id}`);
    await page.getByRole("heading", { level: 1, name: staffScenario.title }).waitFor();
    while ((await page.getByRole("heading", { name: "Debrief" }).count()) === 0) {
      await page.locator(".decision .choice-button").first().click();
    }
    await page.getByText(/of your choices were sound/).waitFor();

    await page.reload();
    await nav(page, "Progress");
    await page.getByRole("heading", { level: 1, name: "Progress" }).waitFor();
    const stats = page.locator(".stats");
    await stats.getByText("lessons done").waitFor();
    assert.equal((await stats.locator(".stat").nth(1).locator("strong").textContent()).trim(), "1");
    assert.equal((await stats.locator(".stat").nth(2).locator("strong").textContent()).trim(), String(missed.length));
    await page.getByRole("link", { name: firstStaffLesson.title }).waitFor();
    await page.getByText("Scenarios played: 1").waitFor();
    await page.getByText(`1/${staffLessons.length}`).first().waitFor();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= PHONE.width, `progress page is ${width}px wide`);
  });
});

test("the review queue brings back a missed question the next day", async () => {
  const start = new Date("2026-11-02T09:00:00+08:00");
  await withApp(
    async ({ page }) => {
      await page.goto(page.url().replace(/\/$/, "") + `/lesson/${firstStaffLesson.id}`);
      const missed = await takeQuizChoosingFirstOptions(page);
      await nav(page, "Today");
      assert.equal(await page.getByRole("link", { name: "Start review" }).count(), 0, "nothing due on the same day");

      await page.clock.setSystemTime(new Date(start.getTime() + 26 * 3600 * 1000));
      await nav(page, "Library");
      await nav(page, "Today");
      // Options are shuffled for each attempt, so how many the first options
      // miss varies; the count is said in the singular for one.
      assert.ok(missed.length > 0, "choosing the first options missed no question this time");
      const due = missed.length === 1 ? "1 question to review" : `${missed.length} questions to review`;
      await page.getByText(due).waitFor();
      await page.getByRole("link", { name: "Start review" }).click();
      await page.getByRole("heading", { level: 1, name: "Review" }).waitFor();
      const prompt = (await page.locator("form.question legend").textContent()).trim();
      assert.ok(missed.includes(prompt), `review asks a missed question: ${prompt}`);
    },
    { beforeOpen: (page) => page.clock.install({ time: start }) }
  );
});

test("export, reset and import bring everything back, and a second import adds nothing", async () => {
  await withApp(async ({ page, server }) => {
    await page.goto(`${server.url}/lesson/${firstStaffLesson.id}`);
    await page.getByRole("button", { name: "Mark as done" }).click();
    await page.getByRole("textbox", { name: /What does this lesson mean/ }).fill("Return gifts; record them.");
    await page.getByRole("button", { name: "Save note" }).click();
    await page.getByText("Saved.").waitFor();

    await nav(page, "Settings");
    const downloading = page.waitForEvent("download");
    await page.getByRole("button", { name: "Export (JSON)" }).click();
    const download = await downloading;
    const file = await download.path();
    const exported = JSON.parse(readFileSync(file, "utf8"));
    assert.equal(exported.format, "qinglian-export");
    assert.equal(exported.events.length, 2);

    await page.getByRole("button", { name: "Reset all progress…" }).click();
    await page.getByRole("button", { name: "Yes, delete everything" }).click();
    await page.getByText("All progress on this phone was deleted.").waitFor();
    await nav(page, "Progress");
    assert.equal((await page.locator(".stats .stat").nth(1).locator("strong").textContent()).trim(), "0");

    await nav(page, "Settings");
    await page.locator("#import-file").setInputFiles(file);
    await page.getByText("Imported 2 new events (2 in the file).").waitFor();
    await page.locator("#import-file").setInputFiles(file);
    await page.getByText("Imported 0 new events (2 in the file).").waitFor();
    await page.locator("#import-file").setInputFiles({ name: "notes.json", mimeType: "application/json", buffer: Buffer.from('{"hello":1}') });
    await page.getByText("Nothing was imported: the file is not a Qinglian export.").waitFor();

    await page.reload();
    await page.goto(`${server.url}/lesson/${firstStaffLesson.id}`);
    await page.getByText("You have finished this lesson.").waitFor();
    assert.equal(await page.getByRole("textbox", { name: /What does this lesson mean/ }).inputValue(), "Return gifts; record them.");
  });
});

test("the risk self-check rates every point and shows the risk map, highest first", async () => {
  const checklist = pack.risk_checklists[0];
  await withApp(async ({ page, server }) => {
    await page.goto(`${server.url}/risk`);
    await page.getByRole("link", { name: new RegExp(checklist.post) }).click();
    await page.getByRole("heading", { level: 1, name: checklist.post }).waitFor();
    await page.getByRole("button", { name: "Save the self-check" }).click();
    await page.getByText("Rate the likelihood and impact of every point first.").waitFor();
    const points = page.locator(".risk-point");
    const count = await points.count();
    assert.equal(count, checklist.points.length);
    for (let i = 0; i < count; i++) {
      const point = points.nth(i);
      // The first point is rated highest, so it must lead the map.
      const level = i === 0 ? "5" : String(1 + (i % 3));
      await point.locator(".scale").nth(0).getByRole("radio", { name: level, exact: true }).check();
      await point.locator(".scale").nth(1).getByRole("radio", { name: level, exact: true }).check();
    }
    await points.nth(0).getByRole("textbox").fill("Two signatures on every leave approval.");
    await page.getByRole("button", { name: "Save the self-check" }).click();
    await page.getByText("Saved. Your risk map is below.").waitFor();
    const firstRow = page.locator(".risk-table tbody tr").first();
    assert.equal((await firstRow.locator("td").first().textContent()).trim(), checklist.points[0].title);
    assert.equal((await firstRow.locator(".score").textContent()).trim(), "25");
    await page.getByText("Two signatures on every leave approval.").last().waitFor();
    await page.getByRole("button", { name: "Print" }).waitFor();
    await page.reload();
    await page.locator(".risk-table").waitFor();
  });
});

test("the pledge is asked for on Today until acknowledged", async () => {
  await withApp(async ({ page }) => {
    await page.getByRole("link", { name: "Read the pledge" }).click();
    await page.getByRole("heading", { level: 1, name: pack.pledge.title }).waitFor();
    await page.getByRole("button", { name: "I have read it and I commit to it" }).click();
    await page.getByText("You have acknowledged this version.").waitFor();
    await nav(page, "Today");
    await page.getByText("Your ten minutes").waitFor();
    assert.equal(await page.getByRole("link", { name: "Read the pledge" }).count(), 0);
  });
});

test("electives chosen from the menu join the study plan; library search and filters work", async () => {
  await withApp(async ({ page, server }) => {
    const elective = pack.lessons.find((l) => !l.tiers.includes("staff"));
    await page.goto(`${server.url}/plan`);
    await page.getByText("No electives chosen yet").waitFor();
    await page.locator(".menu-item", { hasText: elective.title }).getByRole("button", { name: "Add" }).click();
    await page.locator(".lesson-list").last().getByRole("link", { name: new RegExp(elective.title) }).waitFor();

    await nav(page, "Library");
    await page.getByRole("searchbox", { name: "Search lessons" }).fill("gift register");
    await page.getByText(/lessons found/).waitFor();
    const found = await page.locator(".lesson-list .lesson-title").allTextContents();
    assert.ok(found.length >= 1 && found.length < pack.lessons.length, `search narrowed to ${found.length}`);
    await page.getByRole("searchbox", { name: "Search lessons" }).fill("");
    await page.getByLabel("Path").selectOption("leading_cadre");
    const cadre = await page.locator(".lesson-list .lesson-title").allTextContents();
    assert.equal(cadre.length, pack.lessons.filter((l) => l.tiers.includes("leading_cadre")).length);
  });
});

test("two tabs of the app keep each other's progress, and each shows what the other recorded", async () => {
  await withApp(async ({ page, server, context }) => {
    const [first, second] = pack.lessons.filter((l) => !l.tiers.includes("staff"));
    const other = await context.newPage();
    await page.goto(`${server.url}/plan`);
    await other.goto(`${server.url}/plan`);
    await page.getByText("No electives chosen yet").waitFor();
    await other.getByText("No electives chosen yet").waitFor();
    const chosen = (tab, lesson) =>
      tab.locator(".lesson-list").last().getByRole("link", { name: new RegExp(lesson.title) });
    // Each tab adds an elective; neither is reloaded in between.
    await page.locator(".menu-item", { hasText: first.title }).getByRole("button", { name: "Add" }).click();
    await chosen(page, first).waitFor();
    // The other tab shows it without a reload …
    await chosen(other, first).waitFor();
    // … and its own choice does not write over it.
    await other.locator(".menu-item", { hasText: second.title }).getByRole("button", { name: "Add" }).click();
    await chosen(other, second).waitFor();
    await chosen(page, second).waitFor();
    await other.close();
    await page.reload();
    await chosen(page, first).waitFor();
    await chosen(page, second).waitFor();
  });
});

test("every learning page passes the accessibility check and fits 360 px", async () => {
  await withApp(
    async ({ page, server }) => {
      const paths = [
        `/lesson/${firstStaffLesson.id}`,
        "/review",
        "/scenarios",
        `/scenario/${staffScenario.id}`,
        "/plan",
        "/risk",
        `/risk/${pack.risk_checklists[0].id}`,
        "/pledge",
        "/certificate/staff",
      ];
      const problems = {};
      for (const path of paths) {
        await page.goto(server.url + path);
        await page.locator("main h1").waitFor();
        if (path.startsWith("/lesson/")) await page.getByRole("button", { name: "Start the quiz" }).click();
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(width <= PHONE.width, `${path} is ${width}px wide`);
        problems[path] = await seriousViolations(page);
      }
      for (const [where, list] of Object.entries(problems)) assert.deepEqual(list, [], `${where}: ${list.join("\n")}`);
    },
    { contextOptions: { bypassCSP: true } }
  );
});

/**
 * Writes `count` events of this device (a mix of study time, answers, quizzes
 * and lessons done, on `lessons`, two minutes apart up to now) as the log's
 * chunks, in the form the server is sent (which the app reads and rewrites
 * in its own), with the meta entry. Runs in a page of the app's origin.
 */
function seedLog({ count, lessons }) {
  const device = localStorage.getItem("qinglian.device");
  const now = Date.now();
  const events = Array.from({ length: count }, (_, n) => {
    const lesson = lessons[Math.floor(n / 10) % lessons.length];
    const head = { id: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`, device, seq: n + 1, at: now - (count - n) * 120000 };
    switch (n % 10) {
      case 7:
        return { ...head, kind: "quiz_finished", lesson, score: 4, total: 5 };
      case 8:
        return { ...head, kind: "lesson_done", lesson };
      default:
        return { ...head, kind: "study_time", seconds: 60 };
    }
  });
  for (let chunk = 0; chunk * 256 < count; chunk++) {
    localStorage.setItem(`qinglian.events.${String(chunk).padStart(6, "0")}`, JSON.stringify(events.slice(chunk * 256, (chunk + 1) * 256)));
  }
  localStorage.setItem("qinglian.events.meta", JSON.stringify({ chunks: Math.ceil(count / 256), next_seq: count + 1 }));
}

test("with a long history, a reload starts from the progress snapshot, shows every total and keeps what is done at once", async () => {
  const seeded = staffLessons.slice(1).map((l) => l.id);
  const count = 1000;
  await withApp(async ({ page, server }) => {
    await page.evaluate(seedLog, { count, lessons: seeded });
    // Opened again: the whole log is read and folded, and a snapshot written.
    await page.reload();
    await page.getByRole("heading", { level: 1, name: "Today" }).waitFor();
    await page.waitForFunction((n) => JSON.parse(localStorage.getItem("qinglian.events.snapshot") || "null")?.n >= n, count);

    // Opened again with the snapshot: a lesson marked done at once.
    await page.goto(`${server.url}/lesson/${firstStaffLesson.id}`);
    await page.getByRole("button", { name: "Mark as done" }).click();
    await page.getByText("You have finished this lesson.").waitFor();
    // Only the log's last chunk was read at start, the rest after the first screen.
    await page.waitForFunction(() => performance.getEntriesByName("qinglian:log-completed").length === 1);
    const marks = await page.evaluate(() => ["events-loaded", "log-completed"].map((m) => performance.getEntriesByName(`qinglian:${m}`)[0].startTime));
    assert.ok(marks[0] < marks[1], `the log was completed after start-up: ${marks}`);

    await page.reload();
    await nav(page, "Progress");
    await page.getByRole("heading", { level: 1, name: "Progress" }).waitFor();
    const stats = page.locator("main .progress .stats");
    await stats.getByText("lessons done").waitFor();
    const lessonsDone = Number(await stats.locator(".stat strong").nth(1).textContent());
    assert.equal(lessonsDone, new Set(seeded.slice(0, count / 10)).size + 1, "every seeded lesson, and the one done at once");
    const attempts = (await page.locator("main .score-list li").allTextContents())
      .map((text) => Number((text.match(/(\d+) attempts?/) || [])[1] || 0))
      .reduce((a, b) => a + b, 0);
    assert.equal(attempts, count / 10, "every seeded quiz");
    const log = await page.evaluate(() => Object.keys(localStorage).filter((k) => /^qinglian\.events\.\d+$/.test(k)).length);
    assert.equal(log, Math.ceil((count + 1) / 256));
    // The snapshot follows the log once it is read in full (study time may
    // have added an event of its own).
    await page.waitForFunction((n) => JSON.parse(localStorage.getItem("qinglian.events.snapshot") || "null")?.n >= n, count + 1);
    assert.deepEqual(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("qinglian.set-aside."))), []);
  });
});
