// The bureau's administrator at work, in the built app against the real
// server: a unit and an invite (shown with its QR code) made in the admin
// console; a second phone joins with the invite link; disabling that account
// signs the phone out at its next sync without losing what it had not sent;
// a roster import creates accounts whose one-time password must be replaced;
// a content upload and a roll-back reach a learner.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, launchBrowser, phoneContext, seriousViolations, SERVER, DIST } from "./harness.mjs";

const ADMIN_PASSWORD = "admin-password-for-tests";
const PASSWORD = "a long enough password";
const en = JSON.parse(readFileSync(join(DIST, "content/pack.en.json"), "utf8"));
const lesson = en.lessons.find((l) => l.tiers.length === 1 && l.tiers[0] === "staff");

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

async function openApp(context, url, tier = "Staff") {
  const page = await context.newPage();
  await page.goto(url);
  await page.getByRole("heading", { level: 1, name: "Welcome to Qinglian" }).waitFor();
  await page.getByLabel(new RegExp(`^${tier}`)).check();
  await page.getByRole("button", { name: "Start studying" }).click();
  return page;
}

async function settings(page, url) {
  await page.goto(`${url}/settings`);
  await page.getByRole("heading", { level: 2, name: "Bureau server" }).waitFor();
}

async function signIn(page, url, login, password) {
  await settings(page, url);
  await page.getByLabel("Login name", { exact: true }).fill(login);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.locator("form.account-form").getByRole("button", { name: "Sign in" }).click();
  await page.getByText(new RegExp(`Signed in as .* \\(${login}\\)\\.`)).waitFor();
}

async function section(page, name) {
  await page.getByRole("navigation", { name: "Administration sections" }).getByRole("button", { name, exact: true }).click();
}

/** Both editions as the build made them, with every title of `lesson` changed by `rename`. */
function editionFiles(dir, rename) {
  return ["zh-Hans", "en"].map((lang) => {
    const pack = JSON.parse(readFileSync(join(DIST, `content/pack.${lang}.json`), "utf8"));
    const target = pack.lessons.find((l) => l.id === lesson.id);
    target.title = rename(target.title);
    const path = join(dir, `pack.${lang}.json`);
    writeFileSync(path, JSON.stringify(pack));
    return path;
  });
}

test("an administrator runs the bureau from the app: units, invites, people, roster, content", async () => {
  const server = await startServer();
  const files = mkdtempSync(join(tmpdir(), "qinglian-admin-"));
  execFileSync(SERVER, ["admin", "create-admin", "--data", join(server.dir, "data"), "--login", "admin", "--name", "Administrator"], {
    env: { ...process.env, QINGLIAN_ADMIN_PASSWORD: ADMIN_PASSWORD },
  });
  const adminPhone = await phoneContext(browser, { bypassCSP: true });
  const staffPhone = await phoneContext(browser);
  const newcomerPhone = await phoneContext(browser);
  try {
    const admin = await openApp(adminPhone, server.url);
    await signIn(admin, server.url, "admin", ADMIN_PASSWORD);
    await admin.getByRole("link", { name: "Open the administration" }).click();
    await admin.getByRole("heading", { level: 1, name: "Administration" }).waitFor();

    // A unit. What is typed survives the browser saying "online" again and
    // the sync that starts (the console once redrew itself and lost it).
    await admin.locator("#unit-name").fill("Legal Aid Centre");
    const before = await admin.evaluate(() => localStorage.getItem("qinglian.sync"));
    await admin.evaluate(() => window.dispatchEvent(new Event("online")));
    // The sync that starts ends by noting its time in the stored record.
    await admin.waitForFunction((was) => localStorage.getItem("qinglian.sync") !== was, before);
    assert.equal(await admin.locator("#unit-name").inputValue(), "Legal Aid Centre");
    await admin.getByRole("button", { name: "Add", exact: true }).click();
    await admin.locator(".unit-row", { hasText: "Legal Aid Centre" }).waitFor();
    assert.deepEqual(await seriousViolations(admin), []);

    // An invite, shown with its QR code.
    await section(admin, "Invites");
    await admin.locator("#invite-unit").selectOption({ label: "Legal Aid Centre" });
    await admin.locator("#invite-uses").fill("5");
    await admin.getByRole("button", { name: "Create the invite" }).click();
    const qr = admin.getByRole("img", { name: "QR code of the invite link" });
    await qr.waitFor();
    const box = await qr.boundingBox();
    assert.ok(box.width > 150 && Math.abs(box.width - box.height) < 2, `a square QR code, ${box.width}×${box.height}`);
    const code = (await admin.locator(".invite-sheet strong.code").textContent()).trim();
    const link = (await admin.locator(".invite-sheet .break").textContent()).trim();
    assert.match(code, /^[A-Z2-9]{10}$/);
    assert.ok(link.endsWith(`/join?code=${code}`), link);
    assert.deepEqual(await seriousViolations(admin), []);

    // A second phone opens the invite link and joins.
    const staff = await openApp(staffPhone, link);
    await staff.getByText("You opened an invite link").waitFor();
    assert.equal(await staff.getByLabel("Invite code").inputValue(), code);
    await staff.getByLabel("Your name", { exact: true }).fill("Zhao Min");
    await staff.getByLabel("Login name", { exact: true }).fill("zhao.min");
    await staff.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await staff.locator("form.account-form").getByRole("button", { name: "Join with an invite code" }).click();
    await staff.getByText("Signed in as Zhao Min (zhao.min).").waitFor();
    await staff.getByRole("button", { name: "Sync now" }).click();
    await staff.getByText(/Synced at \d\d:\d\d/).waitFor({ timeout: 20000 });

    // The administrator disables the account.
    await section(admin, "People");
    const row = admin.locator(".person", { hasText: "zhao.min" });
    await row.getByRole("button", { name: "Disable" }).click();
    await row.getByText("Disabled").waitFor();

    // The phone studies on; its next sync (a few seconds after the new
    // event) finds the account disabled: it is signed out, and keeps its outbox.
    await staff.goto(`${server.url}/lesson/${lesson.id}`);
    await staff.getByRole("button", { name: "Mark as done" }).click();
    await settings(staff, server.url);
    await staff.getByText(/Signed out by the bureau server/).first().waitFor({ timeout: 20000 });
    await staff.getByRole("button", { name: "Join with an invite code" }).waitFor();
    const notice = await staff.getByText(/Signed out by the bureau server/).first().textContent();
    assert.match(notice, /[1-9]\d* events? waits?/, notice);
    await staff.reload();
    await staff.goto(`${server.url}/lesson/${lesson.id}`);
    await staff.getByText("You have finished this lesson.").waitFor();

    // A roster import: one good row, one bad; the good one becomes an account.
    await section(admin, "Roster import");
    const roster = "name,login,unit path,role\nWang Fang,wang.fang,Legal Aid Centre,learner\nLi Lei,li.lei,No Such Unit,learner\n";
    await admin.locator("#roster-file").setInputFiles({ name: "roster.csv", mimeType: "text/csv", buffer: Buffer.from(roster) });
    await admin.getByText("1 row is ready, 1 row has an error.").waitFor();
    await admin.getByRole("button", { name: "Create the accounts" }).click();
    await admin.getByText(/1 account created/).waitFor();
    const oneTime = (await admin.locator(".roster-sheet tbody tr", { hasText: "wang.fang" }).locator("strong.code").textContent()).trim();
    assert.ok(oneTime.length >= 8, oneTime);

    // The newcomer signs in with the one-time password and must set their own.
    const newcomer = await openApp(newcomerPhone, server.url);
    await signIn(newcomer, server.url, "wang.fang", oneTime);
    await newcomer.getByText("You signed in with a one-time password").first().waitFor();
    await newcomer.getByLabel("Current password (or the one-time password)").fill(oneTime);
    await newcomer.getByLabel("New password", { exact: true }).fill("my own good password");
    await newcomer.getByRole("button", { name: "Change password" }).click();
    await newcomer.getByText("Password changed.").waitFor();
    await newcomer.getByRole("button", { name: "Sync now" }).click();
    await newcomer.getByText(/Synced at \d\d:\d\d/).waitFor({ timeout: 20000 });

    // Content: two versions published, the first rolled back to; each reaches the learner.
    await section(admin, "Content");
    await admin.locator("#content-files").setInputFiles(editionFiles(files, (t) => `${t} (v2)`));
    await admin.getByText(/^Published version [0-9a-f]+: /).waitFor();
    await admin.locator("#content-files").setInputFiles(editionFiles(files, (t) => `${t} (v3)`));
    // Two versions in the history: the older one can be published again.
    await admin.getByRole("button", { name: "Publish this version again" }).waitFor();
    const learnerSees = async (title) => {
      await settings(newcomer, server.url);
      await newcomer.getByRole("button", { name: "Sync now" }).click();
      await newcomer.getByText(/Synced at \d\d:\d\d/).waitFor({ timeout: 20000 });
      await newcomer.goto(`${server.url}/lesson/${lesson.id}`);
      await newcomer.getByRole("heading", { level: 1, name: title }).waitFor();
    };
    await learnerSees(`${lesson.title} (v3)`);
    // Roll back to v2.
    await admin.getByRole("button", { name: "Publish this version again" }).click();
    await admin.getByText("Done.").waitFor();
    await learnerSees(`${lesson.title} (v2)`);

    // The audit log names what was done.
    await section(admin, "Audit log");
    await admin.locator("table.audit").waitFor();
    const audit = await admin.locator("table.audit").textContent();
    for (const action of ["unit", "invite", "disable", "roster", "content"]) {
      assert.ok(audit.toLowerCase().includes(action), `the audit log mentions ${action}`);
    }

    // Offline, the console says it needs the server.
    await adminPhone.setOffline(true);
    await admin.getByText("The administration works on the bureau server: connect to a network to use it.").waitFor();
  } catch (err) {
    // What each phone showed, for whoever reads the failure.
    for (const [name, ctx] of [["admin", adminPhone], ["staff", staffPhone], ["newcomer", newcomerPhone]]) {
      for (const [i, p] of ctx.pages().entries()) {
        const path = join(tmpdir(), `qinglian-admin-failure-${name}-${i}.png`);
        await p.screenshot({ path, fullPage: true }).catch(() => {});
        console.log(`screenshot: ${path}`);
      }
    }
    throw err;
  } finally {
    await adminPhone.close();
    await staffPhone.close();
    await newcomerPhone.close();
    await server.stop();
    server.cleanup();
    rmSync(files, { recursive: true, force: true });
  }
});

test("the admin console tells a learner it is for administrators", async () => {
  const server = await startServer();
  const phone = await phoneContext(browser);
  try {
    const page = await openApp(phone, server.url);
    await page.goto(`${server.url}/admin`);
    await page.getByText("Only administrators of the bureau server can use this page.").waitFor();
  } finally {
    await phone.close();
    await server.stop();
    server.cleanup();
  }
});
