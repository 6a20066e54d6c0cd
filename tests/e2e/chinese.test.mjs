// The Chinese edition in the built app, in headless Chromium against the real
// server: a phone set to Chinese opens the app in 简体中文, and the first
// screen, a lesson, a quiz with its feedback, a scenario and a risk check are
// all in Chinese; switching to English keeps every piece of progress; a phone
// set to English opens it in English. Quiz options are shuffled per attempt.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { launchBrowser, withApp as withAppIn, seriousViolations, DIST } from "./harness.mjs";

const zh = JSON.parse(readFileSync(join(DIST, "content/pack.zh-Hans.json"), "utf8"));
const en = JSON.parse(readFileSync(join(DIST, "content/pack.en.json"), "utf8"));
const staffLesson = zh.lessons.find((l) => l.tiers.length === 1 && l.tiers[0] === "staff" && l.quiz[0].kind !== "true_false");
const staffScenario = zh.scenarios.find((s) => s.tiers.includes("staff"));
const checklist = zh.risk_checklists[0];
const english = (list, id) => list.find((item) => item.id === id);

/** Mostly Chinese: more CJK characters than Latin letters. */
function isChinese(text) {
  const cjk = (text.match(/[\u4e00-\u9fff]/g) || []).length;
  const latin = (text.match(/[A-Za-z]/g) || []).length;
  return cjk > 0 && cjk > latin;
}

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

function withChinesePhone(run) {
  return withAppIn(browser, run, { tier: null, contextOptions: { locale: "zh-CN", bypassCSP: true } });
}

/** The texts of the options of the question on screen, in display order. */
async function optionTexts(page) {
  return page.locator("form.question .choice-text").allTextContents();
}

/** Answers the rest of the quiz with the first option shown, to the score. */
async function finishQuiz(card) {
  for (;;) {
    const next = card.getByRole("button", { name: /下一题|查看成绩/ });
    const label = await next.textContent();
    await next.click();
    if (label.includes("查看成绩")) break;
    await card.locator("label.choice").first().click();
    await card.getByRole("button", { name: "提交" }).click();
    await card.locator(".verdict p").waitFor();
  }
}

test("a phone set to Chinese studies in Chinese, and English keeps all progress", async () => {
  await withChinesePhone(async ({ page, server }) => {
    // The first screen follows the phone's language.
    await page.goto(server.url);
    await page.getByRole("heading", { level: 1, name: "欢迎使用清廉" }).waitFor();
    assert.equal(await page.locator("html").getAttribute("lang"), "zh-Hans");
    assert.ok(await page.getByRole("radio", { name: "简体中文" }).isChecked(), "the welcome shows the language chosen");
    await page.getByLabel(/^工作人员/).check();
    await page.getByRole("button", { name: "开始学习" }).click();
    await page.getByRole("heading", { level: 1, name: "今日学习" }).waitFor();

    // A lesson in Chinese.
    await page.goto(`${server.url}/lesson/${staffLesson.id}`);
    await page.getByRole("heading", { level: 1, name: staffLesson.title }).waitFor();
    assert.ok(isChinese(staffLesson.title), staffLesson.title);
    const body = await page.locator("main").textContent();
    assert.ok(isChinese(body), "the lesson page reads in Chinese");
    assert.deepEqual(await seriousViolations(page), []);
    await page.getByRole("button", { name: "标记为已学完" }).click();
    await page.getByText("您已学完本课。").waitFor();

    // A quiz with feedback, its options shuffled and stable during the attempt.
    await page.getByRole("button", { name: "开始测验" }).click();
    const shown = await optionTexts(page);
    const inPack = staffLesson.quiz[0].options.map((o) => o.text);
    assert.deepEqual([...shown].sort(), [...inPack].sort(), "the first question's options, in some order");
    const card = page.locator("form.question");
    await card.locator("label.choice").first().click();
    await card.getByRole("button", { name: "提交" }).click();
    const verdict = (await card.locator(".verdict p").textContent()).trim();
    assert.ok(verdict === "回答正确。" || verdict.startsWith("回答有误"), verdict);
    const explanation = await card.locator(".explanation").first().textContent();
    assert.ok(isChinese(explanation), explanation);
    assert.deepEqual(await optionTexts(page), shown, "the order holds while the feedback shows");
    await finishQuiz(card);
    await page.getByText(/得分 \d\/\d。/).waitFor();
    // A new attempt draws a new order (three or more options: at most 1 in 6
    // to repeat; six attempts that all repeat are practically impossible).
    let differs = false;
    for (let attempt = 0; attempt < 6 && !differs; attempt++) {
      await page.getByRole("button", { name: "再做一次" }).click();
      differs = JSON.stringify(await optionTexts(page)) !== JSON.stringify(shown);
      if (!differs) {
        await card.locator("label.choice").first().click();
        await card.getByRole("button", { name: "提交" }).click();
        await finishQuiz(card);
      }
    }
    assert.ok(differs, "a new attempt shows the options in a new order");

    // A scenario in Chinese, played to its debrief.
    await page.goto(`${server.url}/scenario/${staffScenario.id}`);
    await page.getByRole("heading", { level: 1, name: staffScenario.title }).waitFor();
    assert.ok(isChinese(await page.locator("main").textContent()));
    while ((await page.getByRole("heading", { name: "复盘" }).count()) === 0) {
      await page.locator(".decision .choice-button").first().click();
    }
    await page.getByText(/个决定中有 \d+ 个稳妥/).waitFor();

    // A risk check in Chinese.
    await page.goto(`${server.url}/risk/${checklist.id}`);
    await page.getByRole("heading", { level: 1, name: checklist.post }).waitFor();
    await page.getByText(checklist.points[0].title).first().waitFor();
    await page.getByRole("button", { name: "保存自查结果" }).click();
    await page.getByText("请先为每个风险点评定可能性和影响程度。").waitFor();

    // Library search finds Chinese inside words.
    await page.goto(`${server.url}/library`);
    const word = [...staffLesson.title].slice(1, 3).join("");
    await page.getByRole("searchbox").fill(word);
    await page.getByRole("link", { name: new RegExp(staffLesson.title) }).first().waitFor();

    // Switching to English keeps every piece of progress.
    await page.goto(`${server.url}/settings`);
    await page.getByRole("radio", { name: "English" }).check();
    await page.getByRole("heading", { level: 1, name: "Settings" }).waitFor();
    const enLesson = english(en.lessons, staffLesson.id);
    await page.goto(`${server.url}/lesson/${staffLesson.id}`);
    await page.getByRole("heading", { level: 1, name: enLesson.title }).waitFor();
    await page.getByText("You have finished this lesson.").waitFor();
    await page.getByText(/Your best: \d of \d/).waitFor();
    await page.goto(`${server.url}/progress`);
    await page.getByRole("heading", { level: 1, name: "Progress" }).waitFor();
    const stats = await page.locator(".stats").textContent();
    assert.match(stats, /1\s*lessons? done/);
    await page.getByText("Scenarios played: 1").waitFor();
    await page.goto(`${server.url}/risk/${checklist.id}`);
    await page.getByRole("heading", { level: 1, name: english(en.risk_checklists, checklist.id).post }).waitFor();

    // And back: the Chinese edition again, progress unchanged, after a reload.
    await page.goto(`${server.url}/settings`);
    await page.getByRole("radio", { name: "简体中文" }).check();
    await page.reload();
    await page.goto(`${server.url}/lesson/${staffLesson.id}`);
    await page.getByRole("heading", { level: 1, name: staffLesson.title }).waitFor();
    await page.getByText("您已学完本课。").waitFor();
  });
});

test("a phone set to English opens the app in English", async () => {
  await withAppIn(
    browser,
    async ({ page, server }) => {
      await page.goto(server.url);
      await page.getByRole("heading", { level: 1, name: "Welcome to Qinglian" }).waitFor();
      assert.equal(await page.locator("html").getAttribute("lang"), "en");
      assert.ok(await page.getByRole("radio", { name: "English" }).isChecked());
    },
    { tier: null, contextOptions: { locale: "en-US" } }
  );
});
