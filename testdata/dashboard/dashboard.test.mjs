// The dashboard in headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core,
// with axe-core: run by scripts/test-dashboard.sh against a seeded `serve --http`, which passes
// everything through the environment. Prints one line per check and ends with
// `N passed, N failed`; exits 1 when anything failed.
import { createRequire } from "node:module";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const require = createRequire(path.join(process.env.DEPS, "package.json"));
const { chromium } = require("playwright-core");

const BASE = process.env.BASE;
const SHOTS = process.env.SHOTS;
const CURSOR_FILE = process.env.CURSOR_FILE;
const CANARIES = process.env.CANARIES.split(",");
const AXE_SOURCE = fs.readFileSync(process.env.AXE, "utf8");

let passed = 0;
let failed = 0;
function ok(name, detail = "") {
  passed += 1;
  console.log(`ok: ${name}${detail ? ` (${detail})` : ""}`);
}
function fail(name, detail = "") {
  failed += 1;
  console.log(`FAIL: ${name}${detail ? `: ${String(detail).slice(0, 2000)}` : ""}`);
}
async function check(name, body) {
  try {
    const detail = await body();
    ok(name, detail);
  } catch (error) {
    fail(name, error && error.stack ? error.stack : error);
  }
}
function assert(condition, message) {
  if (!condition) throw new Error(message);
}

const cspViolations = [];
function watch(page) {
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) cspViolations.push(`${page.url()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => cspViolations.push(`${page.url()}: script error ${e.message}`));
}

/// Every page: [name, path]. Client paths use the detected files.
function pages(cursor) {
  const file = encodeURIComponent(cursor);
  return [
    ["overview", "/"],
    ["client", `/clients/cursor?file=${file}`],
    ["deploy-confirm", `/clients/cursor/deploy?file=${file}&profile=default`],
    ["rollback-confirm", `/clients/cursor/rollback?file=${file}`],
    ["sync-confirm", "/sync?profile=default"],
    ["profiles", "/profiles"],
    ["profile", "/profiles/cursor/default"],
    ["publish-confirm", "/profiles/cursor/default/publish"],
    ["catalog", "/catalog"],
    ["catalog-search", "/catalog?q=git"],
    ["events", "/events"],
  ];
}

async function login(page, token) {
  await page.goto(`${BASE}/`);
  assert(page.url().startsWith(`${BASE}/login`), `not sent to the login page: ${page.url()}`);
  await page.getByLabel("Token").fill(token);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL(`${BASE}/`);
}

async function axe(page) {
  await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(() =>
    window.axe.run(document, { resultTypes: ["violations"], runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } }),
  );
  return results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

function describe(violations) {
  return violations
    .map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`)
    .join("; ");
}

function statusJson() {
  const out = execFileSync(process.env.BIN, ["--home", process.env.ORCH_HOME, "status", "--json"], {
    cwd: process.env.HOME,
    encoding: "utf8",
  });
  return JSON.parse(out);
}

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: "light" });
  const page = await context.newPage();
  watch(page);
  const original = fs.readFileSync(CURSOR_FILE, "utf8");

  await check("no session: the overview sends the browser to the login page", async () => {
    const response = await page.goto(`${BASE}/`);
    assert(page.url().startsWith(`${BASE}/login?next=`), page.url());
    assert(response.status() === 200, `status ${response.status()}`);
    await page.screenshot({ path: path.join(SHOTS, "login.png"), fullPage: true });
  });

  await check("a wrong token is refused on the login page", async () => {
    await page.getByLabel("Token").fill("mcpo_wrong");
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("alert").filter({ hasText: "not accepted" }).waitFor();
    assert(page.url().startsWith(`${BASE}/login`), page.url());
  });

  await check("log in with a write token", async () => {
    await login(page, process.env.WRITE_TOKEN);
    await page.locator("table#clients").waitFor();
    const scope = await page.locator("form.logout .badge").innerText();
    assert(scope.includes("write"), scope);
  });

  await check("the overview's statuses equal `status --json`", async () => {
    const expected = statusJson().map((r) => `${r.client_id} ${r.file} ${r.status}`).sort();
    const shown = (
      await page.locator("table#clients tbody tr").evaluateAll((rows) =>
        rows.map((r) => `${r.dataset.client} ${r.dataset.file} ${r.querySelector(".badge[data-status]").textContent.trim()}`),
      )
    ).sort();
    assert(JSON.stringify(shown) === JSON.stringify(expected), `shown ${JSON.stringify(shown)} vs ${JSON.stringify(expected)}`);
    assert(expected.some((r) => r.endsWith(" diverged")), "the seed has a diverged client");
    return `${shown.length} files: ${shown.map((s) => s.split(" ").at(-1)).join(", ")}`;
  });

  await check("open the diverged client and see its diff (unified and side by side)", async () => {
    await page.locator('table#clients tr[data-status="diverged"] th a').click();
    await page.waitForURL(/\/clients\/cursor\?/);
    assert((await page.locator("#status .badge").innerText()) === "diverged", "badge");
    const removed = await page.locator(".diff-unified .d-del").allInnerTexts();
    const added = await page.locator(".diff-unified .d-add").allInnerTexts();
    const split = page.locator(".diff-split");
    // The script shows one layout at a time; the toggle switches.
    await page.getByRole("button", { name: "Side by side" }).click();
    assert(await split.isVisible(), "side-by-side view not shown");
    assert(!(await page.locator(".diff-unified").isVisible()), "unified view still shown");
    const leftDel = await split.locator("td.d-del").allInnerTexts();
    await page.getByRole("button", { name: "Unified" }).click();
    assert(removed.some((l) => l.includes("/home")) && added.some((l) => l.includes("/tmp")), `removed ${removed} added ${added}`);
    assert(leftDel.some((l) => l.includes("/home")), `side by side: ${leftDel}`);
    const changes = await page.locator("#changes tbody tr").count();
    assert(changes >= 1, "no semantic change listed");
    await page.screenshot({ path: path.join(SHOTS, "client-diverged.png"), fullPage: true });
    return `${removed.length} line(s) removed, ${added.length} added, ${changes} change(s)`;
  });

  await check("keyboard: Tab reaches the Deploy action with a visible focus ring", async () => {
    await page.goto(page.url());
    await page.keyboard.press("Tab");
    const first = await page.evaluate(() => document.activeElement.textContent.trim());
    assert(first === "Skip to content", `first Tab stop: ${first}`);
    for (let i = 0; i < 40; i += 1) {
      const text = await page.evaluate(() => document.activeElement.textContent.trim());
      if (text === "Deploy…") {
        const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
        assert(outline !== "none", `no focus outline (${outline})`);
        return `${i} Tab presses`;
      }
      await page.keyboard.press("Tab");
    }
    throw new Error("Deploy… not reached within 40 Tab presses");
  });

  await check("deploy asks for confirmation, then the badge turns up-to-date and the file changes", async () => {
    await page.getByRole("link", { name: "Deploy…" }).click();
    await page.waitForURL(/\/deploy\?/);
    await page.getByText("Dry run: nothing is written until you confirm").waitFor();
    assert((await page.locator(".diff-unified .d-del").count()) > 0, "the confirmation shows no diff");
    assert(fs.readFileSync(CURSOR_FILE, "utf8") === original, "the confirmation page wrote the file");
    await page.screenshot({ path: path.join(SHOTS, "deploy-confirm.png"), fullPage: true });
    await page.getByRole("button", { name: "Deploy", exact: true }).click();
    await page.waitForURL(/done=deployed/);
    const badge = await page.locator("#status .badge").innerText();
    assert(badge === "up-to-date", `badge ${badge}`);
    const now = fs.readFileSync(CURSOR_FILE, "utf8");
    assert(now !== original && now.includes('"/tmp"') && !now.includes('"/home"'), now);
    await page.screenshot({ path: path.join(SHOTS, "client-deployed.png"), fullPage: true });
    await page.goto(`${BASE}/`);
    const row = await page.locator('table#clients tr[data-client="cursor"]').getAttribute("data-status");
    assert(row === "up-to-date", `overview row ${row}`);
  });

  await check("roll back with confirmation: the file is back", async () => {
    await page.locator('table#clients tr[data-client="cursor"] th a').click();
    await page.getByRole("link", { name: "Roll back…" }).click();
    await page.waitForURL(/\/rollback\?/);
    await page.screenshot({ path: path.join(SHOTS, "rollback-confirm.png"), fullPage: true });
    await page.getByRole("button", { name: "Roll back", exact: true }).click();
    await page.waitForURL(/done=rolled-back/);
    assert(fs.readFileSync(CURSOR_FILE, "utf8") === original, "the file differs from before the deploy");
    const badge = await page.locator("#status .badge").innerText();
    assert(badge === "diverged", `badge ${badge}`);
  });

  const all = pages(CURSOR_FILE);
  await check("a screenshot of every page, light and dark", async () => {
    for (const [name, p] of all) {
      const response = await page.goto(`${BASE}${p}`);
      assert(response.status() === 200, `${name}: status ${response.status()}`);
      await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
    }
    await page.emulateMedia({ colorScheme: "dark" });
    for (const [name, p] of all.filter(([n]) => ["overview", "client", "profile", "events"].includes(n))) {
      await page.goto(`${BASE}${p}`);
      await page.screenshot({ path: path.join(SHOTS, `${name}-dark.png`), fullPage: true });
    }
    await page.emulateMedia({ colorScheme: "light" });
    return `${fs.readdirSync(SHOTS).length} files in ${path.relative(process.cwd(), SHOTS) || SHOTS}`;
  });

  for (const scheme of ["light", "dark"]) {
    await check(`axe-core: no serious or critical violation on any page (${scheme})`, async () => {
      await page.emulateMedia({ colorScheme: scheme });
      const bad = [];
      for (const [name, p] of [["login", "/login"], ...all]) {
        if (name === "login") {
          const anonymous = await browser.newPage({ colorScheme: scheme });
          await anonymous.goto(`${BASE}${p}`);
          const v = await axe(anonymous);
          if (v.length) bad.push(`${name}: ${describe(v)}`);
          await anonymous.close();
          continue;
        }
        await page.goto(`${BASE}${p}`);
        const v = await axe(page);
        if (v.length) bad.push(`${name}: ${describe(v)}`);
      }
      await page.emulateMedia({ colorScheme: "light" });
      assert(bad.length === 0, bad.join("\n"));
      return `${all.length + 1} pages`;
    });
  }

  await check("no canary secret on any page", async () => {
    for (const [name, p] of all) {
      await page.goto(`${BASE}${p}`);
      const html = await page.content();
      for (const canary of CANARIES) assert(!html.includes(canary), `${name} shows ${canary}`);
    }
    return `${all.length} pages, ${CANARIES.length} canaries`;
  });

  await check("phone (375 px): every page renders without horizontal scroll, and axe-core passes there too", async () => {
    const phone = await browser.newContext({
      viewport: { width: 375, height: 812 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      storageState: await context.storageState(),
    });
    const small = await phone.newPage();
    watch(small);
    const wide = [];
    for (const [name, p] of all) {
      await small.goto(`${BASE}${p}`);
      const [scroll, width] = await small.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      if (scroll > width) wide.push(`${name}: ${scroll}px > ${width}px`);
      const v = await axe(small);
      if (v.length) wide.push(`${name}: ${describe(v)}`);
      if (["overview", "client", "catalog"].includes(name)) {
        await small.screenshot({ path: path.join(SHOTS, `${name}-phone.png`), fullPage: true });
      }
    }
    await phone.close();
    assert(wide.length === 0, wide.join("; "));
    return `${all.length} pages`;
  });

  await check("a read session sees the pages but no action", async () => {
    const readContext = await browser.newContext();
    const reader = await readContext.newPage();
    watch(reader);
    await login(reader, process.env.READ_TOKEN);
    await reader.goto(`${BASE}${all[1][1]}`);
    assert((await reader.getByRole("link", { name: "Deploy…" }).count()) === 0, "a Deploy link for a read token");
    await reader.getByText("Log in with a write token").waitFor();
    const response = await reader.goto(`${BASE}${all[2][1]}`);
    assert(response.status() === 403, `deploy confirmation: ${response.status()}`);
    await readContext.close();
  });

  await check("no Content-Security-Policy violation or script error on any page", async () => {
    assert(cspViolations.length === 0, cspViolations.join("\n"));
  });

  await check("log out ends the session", async () => {
    await page.goto(`${BASE}/`);
    await page.getByRole("button", { name: "Log out" }).click();
    await page.waitForURL(/\/login/);
    await page.goto(`${BASE}/events`);
    assert(page.url().startsWith(`${BASE}/login`), page.url());
  });
} finally {
  await browser.close();
}

console.log(`dashboard: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
