// Sync against the real server: two browser contexts signed in as the same
// learner; progress made in one while the server is stopped reaches the other
// after the server returns; a leader's unit report shows a member's progress.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startServer, launchBrowser, phoneContext, waitForServiceWorker, SERVER, DIST } from "./harness.mjs";

const pack = JSON.parse(readFileSync(join(DIST, "content/pack.en.json"), "utf8"));
const lesson = pack.lessons.find((l) => l.tiers.includes("staff"));
const ADMIN_PASSWORD = "admin-password-for-tests";

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** Creates the first administrator with the real CLI, then a unit and invites over the API. */
async function bootstrap(server) {
  execFileSync(SERVER, ["admin", "create-admin", "--data", join(server.dir, "data"), "--login", "admin", "--name", "Administrator"], {
    env: { ...process.env, QINGLIAN_ADMIN_PASSWORD: ADMIN_PASSWORD },
  });
  const login = await fetch(`${server.url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ login: "admin", password: ADMIN_PASSWORD }),
  });
  assert.equal(login.status, 200);
  const cookie = login.headers.get("set-cookie").split(";")[0];
  const api = async (path, body) => {
    const response = await fetch(`${server.url}/api/v1${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie },
      body: JSON.stringify(body),
    });
    assert.equal(response.status, 201, `${path}: ${await response.clone().text()}`);
    return response.json();
  };
  const { unit } = await api("/admin/units", { name: "Legal Aid Section" });
  const learner = await api("/admin/invites", { unit_id: unit.id, role: "learner", max_uses: 5, expires_in_days: 7 });
  const leader = await api("/admin/invites", { unit_id: unit.id, role: "leader", max_uses: 1, expires_in_days: 7 });
  return { learnerCode: learner.code, leaderCode: leader.code, cookie };
}

async function openApp(context, url, tier = "Staff") {
  const page = await context.newPage();
  await page.goto(url);
  await page.getByRole("heading", { level: 1, name: "Welcome to Qinglian" }).waitFor();
  await page.getByLabel(new RegExp(`^${tier}`)).check();
  await page.getByRole("button", { name: "Start studying" }).click();
  await page.getByRole("heading", { level: 1, name: "Today" }).waitFor();
  return page;
}

async function settings(page) {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings", exact: true }).click();
  await page.getByRole("heading", { level: 2, name: "Bureau server" }).waitFor();
}

async function joinWithInvite(page, code, login, name) {
  await settings(page);
  await page.getByRole("button", { name: "Join with an invite code" }).click();
  await page.getByLabel("Invite code").fill(code);
  await page.getByLabel("Your name", { exact: true }).fill(name);
  await page.getByLabel("Login name", { exact: true }).fill(login);
  await page.getByLabel("Password", { exact: true }).fill("a long enough password");
  await page.locator("form.account-form").getByRole("button", { name: "Join with an invite code" }).click();
  await page.getByText(`Signed in as ${name} (${login}).`).waitFor();
}

async function signIn(page, login) {
  await settings(page);
  await page.getByLabel("Login name", { exact: true }).fill(login);
  await page.getByLabel("Password", { exact: true }).fill("a long enough password");
  await page.locator("form.account-form").getByRole("button", { name: "Sign in" }).click();
  await page.getByText(new RegExp(`Signed in as .* \\(${login}\\)\\.`)).waitFor();
}

async function syncNow(page) {
  await page.getByRole("button", { name: "Sync now" }).click();
  await page.getByText(/Synced at \d\d:\d\d/).waitFor({ timeout: 20000 });
}

test("progress made offline on one phone reaches the other after the server returns; the leader sees it", async () => {
  let server = await startServer();
  const phoneA = await phoneContext(browser);
  const phoneB = await phoneContext(browser);
  const leaderPhone = await phoneContext(browser);
  try {
    const { learnerCode, leaderCode } = await bootstrap(server);
    const a = await openApp(phoneA, server.url);
    // Progress made before signing in is uploaded at the first sync.
    await a.goto(`${server.url}/pledge`);
    await a.getByRole("button", { name: "I have read it and I commit to it" }).click();
    await joinWithInvite(a, learnerCode, "wang.fang", "Wang Fang");
    await syncNow(a);
    await waitForServiceWorker(a);

    const b = await openApp(phoneB, server.url);
    await signIn(b, "wang.fang");
    await syncNow(b);
    await b.goto(`${server.url}/pledge`);
    await b.getByText("You have acknowledged this version.").waitFor();

    // The server goes away; phone A keeps studying.
    const { dir, port } = server;
    await server.stop();
    await a.goto(`${server.url}/lesson/${lesson.id}`);
    await a.getByRole("button", { name: "Mark as done" }).click();
    await a.getByText("You have finished this lesson.").waitFor();
    await settings(a);
    await a.getByRole("button", { name: "Sync now" }).click();
    await a.getByText(/Sync failed|waiting to sync|Offline/).first().waitFor({ timeout: 20000 });
    assert.match(await a.locator(".sync-status").textContent(), /Sync failed|waiting|Offline/);

    // The server returns on the same address with the same data.
    server = await startServer({ dir, port });
    await syncNow(a);
    assert.match(await a.locator(".sync-status").textContent(), /Synced at/);

    await settings(b);
    await syncNow(b);
    await b.goto(`${server.url}/lesson/${lesson.id}`);
    await b.getByText("You have finished this lesson.").waitFor();

    // A leader of the same unit sees the member's progress in the report.
    const leader = await openApp(leaderPhone, server.url, "Department head");
    await joinWithInvite(leader, leaderCode, "li.lei", "Li Lei");
    await leader.getByRole("link", { name: "Unit report" }).click();
    await leader.getByRole("heading", { level: 1, name: "Unit report" }).waitFor();
    const row = leader.locator(".report-table tbody tr", { hasText: "Wang Fang" });
    await row.waitFor();
    const cells = await row.locator("td").allTextContents();
    assert.equal(cells[1].trim(), "1", `lessons done in ${cells}`);
    assert.equal(cells[5].trim(), "✓", "pledge acknowledged");
  } finally {
    await phoneA.close();
    await phoneB.close();
    await leaderPhone.close();
    await server.stop();
    server.cleanup();
  }
});

/** Both editions as the build made them, ready to upload (the server computes the version). */
function builtEditions() {
  return {
    version: "",
    packs: ["zh-Hans", "en"].map((lang) => JSON.parse(readFileSync(join(DIST, `content/pack.${lang}.json`), "utf8"))),
  };
}

test("a content pack published by an admin reaches the app, works offline, and progress survives it", async () => {
  const server = await startServer();
  const phone = await phoneContext(browser);
  try {
    const { learnerCode, cookie } = await bootstrap(server);
    const page = await openApp(phone, server.url);
    await waitForServiceWorker(page);
    await page.goto(`${server.url}/lesson/${lesson.id}`);
    await page.getByRole("button", { name: "Mark as done" }).click();
    await page.goto(`${server.url}/pledge`);
    await page.getByRole("button", { name: "I have read it and I commit to it" }).click();
    await joinWithInvite(page, learnerCode, "zhao.min", "Zhao Min");
    await syncNow(page);

    const upload = (body) =>
      fetch(`${server.url}/api/v1/admin/content`, { method: "PUT", headers: { "content-type": "application/json", cookie }, body });
    // A broken pack is refused with its reasons.
    const broken = builtEditions();
    broken.packs[1].lessons[0].quiz = [];
    const refused = await upload(JSON.stringify(broken));
    assert.equal(refused.status, 422);
    assert.ok((await refused.json()).problems.some((p) => p.includes("quiz")));

    const revised = builtEditions();
    for (const edition of revised.packs) {
      const revisedLesson = edition.lessons.find((l) => l.id === lesson.id);
      revisedLesson.title = `${revisedLesson.title} (revised)`;
      edition.pledge.version += 1;
    }
    const target = revised.packs[1].lessons.find((l) => l.id === lesson.id);
    const accepted = await upload(JSON.stringify(revised));
    assert.ok(accepted.status === 200 || accepted.status === 201, `upload answered ${accepted.status}: ${await accepted.text()}`);

    await settings(page);
    await syncNow(page);
    await page.goto(`${server.url}/lesson/${lesson.id}`);
    await page.getByRole("heading", { level: 1, name: target.title }).waitFor();
    await page.getByText("You have finished this lesson.").waitFor();
    await page.goto(`${server.url}/pledge`);
    await page.getByText("The pledge has changed since you last acknowledged it.").waitFor();

    // The published pack is kept for offline use.
    await server.stop();
    await page.reload();
    await page.goto(`${server.url}/lesson/${lesson.id}`);
    await page.getByRole("heading", { level: 1, name: target.title }).waitFor();
  } finally {
    await phone.close();
    await server.stop();
    server.cleanup();
  }
});

test("a publication kept in local storage by an earlier version moves to Cache Storage and still opens offline", async () => {
  const server = await startServer();
  const phone = await phoneContext(browser);
  try {
    const { cookie } = await bootstrap(server);
    const revised = builtEditions();
    for (const edition of revised.packs) {
      const revisedLesson = edition.lessons.find((l) => l.id === lesson.id);
      revisedLesson.title = `${revisedLesson.title} (kept before)`;
    }
    const title = revised.packs[1].lessons.find((l) => l.id === lesson.id).title;
    const upload = await fetch(`${server.url}/api/v1/admin/content`, {
      method: "PUT",
      headers: { "content-type": "application/json", cookie },
      body: JSON.stringify(revised),
    });
    assert.ok(upload.status === 200 || upload.status === 201, `upload answered ${upload.status}`);
    // The publication as the server sends it (its version is the content's hash).
    const published = await (await fetch(`${server.url}/api/v1/content`, { headers: { cookie } })).text();

    const page = await openApp(phone, server.url);
    await waitForServiceWorker(page);
    // Where versions before the move kept it: both editions in one entry.
    await page.evaluate((raw) => localStorage.setItem("qinglian.server-pack", raw), published);
    await page.goto(`${server.url}/lesson/${lesson.id}`);
    await page.getByRole("heading", { level: 1, name: title }).waitFor();
    await page.waitForFunction(() => localStorage.getItem("qinglian.server-pack") === null, null, { timeout: 10000 });
    const cached = await page.evaluate(async () => {
      const cache = await caches.open("qinglian.published-content");
      return (await cache.keys()).map((request) => new URL(request.url).pathname).sort();
    });
    // Each edition with its outline, which start-up reads first.
    assert.deepEqual(cached, [
      "/published/outline.en.json",
      "/published/outline.zh-Hans.json",
      "/published/pack.en.json",
      "/published/pack.zh-Hans.json",
    ]);

    await server.stop();
    await page.reload();
    await page.getByRole("heading", { level: 1, name: title }).waitFor();
  } finally {
    await phone.close();
    await server.stop();
    server.cleanup();
  }
});
