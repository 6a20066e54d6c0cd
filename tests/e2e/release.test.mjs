// The release binary that `cargo xtask dist` builds, as a bureau runs it: the
// crash test's fault-injection switch exists only in test builds, so setting
// its variable on the real server changes nothing (pushes are answered and
// the server keeps running).

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { startServer, SERVER } from "./harness.mjs";

test("the release server has no crash switch", async () => {
  const server = await startServer({ env: { QINGLIAN_FAULT_ABORT_AFTER_COMMIT: "1" } });
  try {
    execFileSync(SERVER, ["admin", "create-admin", "--data", join(server.dir, "data"), "--login", "admin", "--name", "Administrator"], {
      env: { ...process.env, QINGLIAN_ADMIN_PASSWORD: "admin-password-for-tests" },
    });
    const login = await fetch(`${server.url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ login: "admin", password: "admin-password-for-tests" }),
    });
    assert.equal(login.status, 200);
    const cookie = login.headers.get("set-cookie").split(";")[0];
    const now = Date.now();
    for (const seq of [1, 2]) {
      const event = { id: `release-${seq}`, device: "release-phone", seq, at: now, kind: "study_time", seconds: 60 };
      const push = await fetch(`${server.url}/api/v1/sync/push`, {
        method: "POST",
        headers: { "content-type": "application/json", cookie, origin: server.url },
        body: JSON.stringify({ device: "release-phone", events: [event] }),
      });
      const text = await push.text();
      assert.equal(push.status, 200, text);
      assert.equal(JSON.parse(text).acknowledged_seq, seq);
    }
    const health = await fetch(`${server.url}/api/health`);
    assert.equal(health.status, 200, "still running");
  } finally {
    await server.stop();
    server.cleanup();
  }
});
