// Studying together, with three phones against the real server: a leader and
// two members of one unit. A session is scheduled; both members check in with
// the code on the leader's phone while all three phones are offline, and are
// confirmed after syncing. A question is asked offline, answered and
// published (the other member reads it without the asker's name). A feedback
// round with too few answers shows nothing after its close. An assignment
// reaches Today, is completed by the member's own reading, and the leader's
// unit report shows it.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { startServer, launchBrowser, phoneContext, seriousViolations, SERVER } from "./harness.mjs";

const ADMIN_PASSWORD = "admin-password-for-tests";
const PASSWORD = "a long enough password";
// bypassCSP only so that axe-core can be injected.
const ZONE = { timezoneId: "Asia/Shanghai", bypassCSP: true };
const OFFSET_MS = 8 * 3600 * 1000;

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** A JSON call to the server as a signed-in account (node's own fetch). */
async function api(url, cookie, method, path, body) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return { json: text ? JSON.parse(text) : null, cookie: response.headers.get("set-cookie")?.split(";")[0] };
}

/** Local (Shanghai) date and HH:MM of a time, as the phones' date and time fields take them. */
function local(ms) {
  const iso = new Date(ms + OFFSET_MS).toISOString();
  return { date: iso.slice(0, 10), time: iso.slice(11, 16) };
}

async function openApp(context, url) {
  const page = await context.newPage();
  await page.goto(url);
  await page.getByRole("heading", { level: 1, name: "Welcome to Qinglian" }).waitFor();
  await page.getByLabel(/^Staff/).check();
  await page.getByRole("button", { name: "Start studying" }).click();
  await page.getByRole("heading", { level: 1, name: "Today" }).waitFor();
  return page;
}

async function signIn(page, url, login) {
  await page.goto(`${url}/settings`);
  await page.getByRole("heading", { level: 2, name: "Bureau server" }).waitFor();
  await page.getByLabel("Login name", { exact: true }).fill(login);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.locator("form.account-form").getByRole("button", { name: "Sign in" }).click();
  await page.getByText(new RegExp(`Signed in as .* \\(${login}\\)\\.`)).waitFor();
}

/** Opens a page of the app afresh: the start-up sync brings the server's news. */
async function visit(page, url, path, heading) {
  await page.goto(`${url}${path}`);
  await page.getByRole("heading", { level: 1, name: heading }).waitFor();
  await page.getByText(/^As of the last sync/).waitFor({ timeout: 20000 });
}

test("a unit studies together: sessions with offline check-in, questions, anonymous feedback, assignments", async () => {
  const server = await startServer();
  execFileSync(SERVER, ["admin", "create-admin", "--data", join(server.dir, "data"), "--login", "admin", "--name", "Administrator"], {
    env: { ...process.env, QINGLIAN_ADMIN_PASSWORD: ADMIN_PASSWORD },
  });
  const { cookie: admin } = await api(server.url, null, "POST", "/api/v1/auth/login", { login: "admin", password: ADMIN_PASSWORD });
  const bureau = (await api(server.url, admin, "POST", "/api/v1/admin/units", { name: "Municipal Bureau" })).json.unit.id;
  const unit = (await api(server.url, admin, "POST", "/api/v1/admin/units", { name: "Legal Aid Centre", parent_id: bureau })).json.unit.id;
  const people = [
    ["leader", "zhao", "Director Zhao"],
    ["learner", "qian", "Qian Li"],
    ["learner", "sun", "Sun Mei"],
  ];
  for (const [role, login, name] of people) {
    const { code } = (await api(server.url, admin, "POST", "/api/v1/admin/invites", { unit_id: unit, role, max_uses: 1, expires_in_days: 7 })).json;
    await api(server.url, null, "POST", "/api/v1/auth/join", { invite_code: code, login, display_name: name, password: PASSWORD });
  }

  const phones = await Promise.all([0, 1, 2].map(() => phoneContext(browser, ZONE)));
  const [leaderPhone, qianPhone, sunPhone] = phones;
  try {
    const leader = await openApp(leaderPhone, server.url);
    const qian = await openApp(qianPhone, server.url);
    const sun = await openApp(sunPhone, server.url);
    await signIn(leader, server.url, "zhao");
    await signIn(qian, server.url, "qian");
    await signIn(sun, server.url, "sun");

    // Not signed in, the pages explain themselves.
    const stranger = await openApp(await phoneContext(browser, ZONE), server.url);
    await stranger.goto(`${server.url}/ask`);
    await stranger.getByText(/This part works with your bureau's server/).waitFor();
    await stranger.context().close();

    // --- The leader schedules a session that is on now.
    await visit(leader, server.url, "/sessions", "Study sessions");
    await leader.getByRole("link", { name: "Schedule a session" }).click();
    await leader.getByRole("heading", { level: 1, name: "Schedule a session" }).waitFor();
    const now = Date.now();
    const start = local(now - 10 * 60 * 1000);
    const end = local(now + 80 * 60 * 1000);
    await leader.getByLabel("Topic").fill("Studying the rules on gifts");
    await leader.getByLabel("Date").fill(start.date);
    await leader.getByLabel("Starts").fill(start.date === local(now).date ? start.time : "00:00");
    await leader.getByLabel("Ends").fill(end.date === local(now).date ? end.time : "23:59");
    await leader.getByLabel("Place").fill("Meeting room 3");
    await leader.getByRole("button", { name: "Schedule", exact: true }).click();
    await leader.getByText("Scheduled: it reaches the unit with the next sync.").waitFor();
    await visit(leader, server.url, "/sessions", "Study sessions");
    await leader.getByRole("heading", { level: 3, name: "Studying the rules on gifts" }).waitFor();
    assert.deepEqual(await seriousViolations(leader), [], "the sessions page passes axe");

    // Members see it on Today and in the list.
    for (const member of [qian, sun]) {
      await visit(member, server.url, "/sessions", "Study sessions");
      await member.getByRole("heading", { level: 3, name: "Studying the rules on gifts" }).waitFor();
      await member.getByRole("link", { name: "Details and check-in" }).click();
      await member.getByLabel("The code on the convener's phone (6 digits)").waitFor();
    }

    // --- All three phones go offline; the leader shows the code, members type it.
    for (const phone of phones) await phone.setOffline(true);
    await leader.getByRole("link", { name: "Details and check-in" }).click();
    await leader.getByRole("button", { name: "Show the check-in code" }).click();
    const shown = (await leader.locator(".check-in-code .code").textContent()).replace(/\s/g, "");
    assert.match(shown, /^\d{6}$/);
    assert.equal(await leader.getByRole("img", { name: "Check-in QR code" }).count(), 1);
    assert.deepEqual(await seriousViolations(leader), [], "the check-in code passes axe");
    for (const member of [qian, sun]) {
      // A code from memory that is not six digits is refused on the phone itself.
      await member.getByLabel("The code on the convener's phone (6 digits)").fill("12345");
      await member.getByRole("button", { name: "Check in", exact: true }).click();
      await member.getByText("Enter the 6 digits shown on the convener's phone.").waitFor();
      await member.getByLabel("The code on the convener's phone (6 digits)").fill(shown);
      await member.getByRole("button", { name: "Check in", exact: true }).click();
      await member.getByText("Checked in, to be confirmed").first().waitFor();
    }

    // --- Back online: the server confirms both.
    for (const phone of phones) await phone.setOffline(false);
    for (const member of [qian, sun]) {
      await member.getByText("Attendance confirmed").first().waitFor({ timeout: 30000 });
    }
    await leader.reload();
    await leader.getByText(/^2 of \d+ checked in/).waitFor({ timeout: 20000 });

    // --- Qian asks a question while offline; it waits, then goes up.
    await visit(qian, server.url, "/ask", "Ask a leader");
    await qianPhone.setOffline(true);
    await qian.getByLabel("Your question").fill("May I accept a box of mooncakes from a legal aid applicant after the case is closed?");
    await qian.getByLabel("Let the leaders see my name").check();
    await qian.getByRole("button", { name: "Send the question" }).click();
    await qian.getByText("Waiting to be sent").waitFor();
    await qianPhone.setOffline(false);
    await qian.getByText("Waiting for an answer").waitFor({ timeout: 30000 });

    // The leader answers and publishes it.
    await visit(leader, server.url, "/ask", "Ask a leader");
    const inbox = leader.locator("li.question", { hasText: "box of mooncakes" });
    await inbox.getByText(/Qian Li, Legal Aid Centre/).waitFor();
    await inbox.getByLabel("Your answer").fill("No. Gifts from people whose cases we handle are refused, also after the case; thank them and explain the rule.");
    await inbox.getByLabel("Also publish it for the unit (without the asker's name)").check();
    await inbox.getByRole("button", { name: "Send the answer" }).click();
    await leader.getByText("Saved: sent with the next sync.").waitFor();

    // Qian sees the new answer on Today; Sun reads it in the unit's list, without a name.
    await qian.goto(server.url);
    await qian.getByRole("heading", { level: 2, name: "Your question has a new answer" }).waitFor({ timeout: 30000 });
    await qian.getByRole("link", { name: "Read it" }).click();
    await qian.getByText(/Gifts from people whose cases we handle are refused/).first().waitFor();
    await visit(sun, server.url, "/ask", "Ask a leader");
    const faq = sun.locator("ul.faq li", { hasText: "box of mooncakes" });
    await faq.getByText(/Gifts from people whose cases we handle are refused/).waitFor();
    assert.equal(await faq.getByText("Qian Li").count(), 0, "a published entry never names the asker");
    assert.deepEqual(await seriousViolations(sun), [], "the ask page passes axe");

    // --- A feedback round with two answers shows nothing after it closes.
    const closesAt = Date.now() + 40 * 1000;
    await api(server.url, admin, "POST", "/api/v1/feedback/rounds", {
      client_id: "e2e-round-1",
      unit_id: unit,
      statements: [
        { "zh-Hans": "领导班子成员带头学习", en: "Our leaders study what they ask us to study" },
        { "zh-Hans": "重大事项集体研究决定", en: "Important matters are decided collectively" },
      ],
      closes_at: closesAt,
    });
    for (const member of [qian, sun]) {
      await visit(member, server.url, "/feedback", "Feedback on the leadership");
      const fieldsets = member.locator("fieldset.rating");
      await fieldsets.first().waitFor();
      if (member === qian) assert.deepEqual(await seriousViolations(member), [], "the rating form passes axe");
      await fieldsets.nth(0).getByLabel("4 of 5").check();
      await fieldsets.nth(1).getByLabel("5 of 5").check();
      await member.getByRole("button", { name: "Send my answer" }).click();
      await member.getByText("You have answered. Thank you.").waitFor({ timeout: 20000 });
    }
    await visit(leader, server.url, "/feedback", "Feedback on the leadership");
    await leader.getByText("You lead this unit: you see the results after the close, like everyone.").waitFor();
    await new Promise((r) => setTimeout(r, Math.max(0, closesAt - Date.now()) + 1000));
    await visit(leader, server.url, "/feedback", "Feedback on the leadership");
    await leader.getByText("Fewer than 5 people answered: to keep the answers anonymous, nothing is shown.").waitFor();
    assert.equal(await leader.getByText(/average/).count(), 0);
    assert.equal(await leader.locator("ul.comments").count(), 0);
    assert.deepEqual(await seriousViolations(leader), [], "the feedback page passes axe");

    // --- An assignment due in two days: on Today, done by reading, in the report.
    await visit(leader, server.url, "/assignments", "Assignments");
    await leader.getByText("Assign study").click();
    const assignForm = leader.locator("details", { hasText: "Assign study" });
    const firstLesson = assignForm.locator("fieldset", { hasText: "Lessons" }).locator("label.check").first();
    const lessonTitle = (await firstLesson.textContent()).trim();
    await firstLesson.locator("input").check();
    await assignForm.getByLabel("Due at the end of").fill(local(Date.now() + 2 * 86400 * 1000).date);
    await assignForm.getByRole("button", { name: "Assign", exact: true }).click();
    await leader.getByText("Assigned: members see it after the next sync.").waitFor();

    await sun.goto(server.url);
    await sun.getByRole("heading", { level: 2, name: "Assigned to you" }).waitFor({ timeout: 30000 });
    await sun.getByText("Due in 2 days").first().waitFor();
    assert.deepEqual(await seriousViolations(sun), [], "Today with an assignment passes axe");
    await sun.locator("section", { hasText: "Assigned to you" }).getByRole("link", { name: lessonTitle }).click();
    await sun.getByRole("button", { name: "Mark as done" }).click();
    await visit(sun, server.url, "/assignments", "Assignments");
    await sun.locator("li.assignment > p.muted").first().getByText("Done", { exact: true }).waitFor();

    // The leader's unit report counts it, with the attendance.
    await leader.goto(`${server.url}/unit`);
    await leader.getByText(/Studying the rules on gifts/).first().waitFor({ timeout: 20000 });
    await leader.getByText(new RegExp(lessonTitle.slice(0, 12))).first().waitFor();
    await leader.getByText(/^2 of \d+ attended, \d+ prepared$/).waitFor();
    await leader.getByText(/^Due \d{4}-\d\d-\d\d: 1 of \d+ done, 0 overdue$/).waitFor();
    assert.deepEqual(await seriousViolations(leader), [], "the unit report passes axe");
  } finally {
    for (const phone of phones) await phone.close();
    await server.stop();
    server.cleanup();
  }
});
