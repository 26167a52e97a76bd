// The office console in Chromium (headless, through chromedriver) against a real
// campo-server that a scripted tablet synced a week of data to (scripts/console-web.sh
// sets it all up): each role signs in through the form and sees what it may, the audit
// log records it, and axe-core finds no WCAG 2.1 A/AA violation on any page.
//
// The tests run in order in one process: the audit test (4) reads the logins of 1 to 3 and
// the sign-out of 1. Each test has its own browser (its own profile, no cookie of another).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { openBrowser, cli, ACCOUNTS, TABLET, SHOTS, SIZES } from "./browser.mjs";
import { execFileSync } from "node:child_process";

/** One sync of the scripted tablet that sent the week's data, recording nothing new. */
function tabletSync() {
  return execFileSync(
    process.env.CAMPO_CONSOLE_TABLET_BIN,
    ["--server", process.env.CAMPO_CONSOLE_URL, "--dir", process.env.CAMPO_CONSOLE_TABLET_DIR, "--sync-only"],
    { env: { ...process.env, CAMPO_PASSPHRASE: process.env.CAMPO_CONSOLE_TABLET_PASSPHRASE }, encoding: "utf8" },
  );
}

const { admin, coordinator, psychologist, viewer } = ACCOUNTS;
const TABLET_RECORDS = Number(process.env.CAMPO_CONSOLE_TABLET_RECORDS);

/** A browser for the length of one test, closed whatever happens. */
async function withBrowser(fn) {
  const b = await openBrowser();
  try {
    return await fn(b);
  } finally {
    await b.quit();
  }
}

/** The value column of a report row, by section and figure. */
function figure(report, section, name) {
  const rows = report[section];
  assert.ok(rows, `the report has no section ${JSON.stringify(section)}; it has ${JSON.stringify(Object.keys(report))}`);
  const row = rows.find((r) => r[0] === name);
  assert.ok(row, `${section} has no figure ${JSON.stringify(name)}: ${JSON.stringify(rows.map((r) => r[0]))}`);
  return row[1];
}

/** The links the navigation offers, as [text, href]. */
function navLinks(b) {
  return b.exec("return [...document.querySelectorAll('header nav a')].map(a => [a.textContent.trim(), a.getAttribute('href')])");
}

/** The page shown is `path` and answered `status`; else what it says is in the failure. */
async function expectPage(b, path, status = 200, what = "") {
  const [at, got] = [await b.path(), await b.status()];
  if (at !== path || got !== status) {
    const body = ((await b.texts("body"))[0] ?? "").slice(0, 300);
    assert.fail(`${what}${what && ": "}${at} answered HTTP ${got} (expected ${path}, ${status}): ${body}`);
  }
}

/** Signs in through the form, and the console opens `next`. */
async function signIn(b, account, next = "/") {
  await b.signIn(account, next);
  await expectPage(b, next, 200, `signing in as ${account.name}`);
}

test("a coordinator signs in, reads and filters the report, sees the tablet, signs out", () =>
  withBrowser(async (b) => {
    // Not signed in: the console sends the browser to the login page, and back after it.
    await b.open("/");
    assert.equal(await b.path(), "/login?next=/");
    assert.deepEqual(await navLinks(b), [], "no navigation before signing in");
    await b.type("#name", coordinator.name);
    await b.type("#password", coordinator.password);
    await b.clickAndLoad("form.stack button[type=submit]");
    await expectPage(b, "/", 200, `signing in as ${coordinator.name}`);
    assert.equal(await b.text("h1"), "Overview · Valle Alta");
    assert.match(await b.text("header .who"), new RegExp(`Signed in as ${coordinator.name} \\(Coordinator\\)`));

    // The week the scripted tablet synced: a course with 7 carers (3 quizzes before and
    // after, 5 satisfaction scales), a peer group cancelled for snow, a committee meeting.
    let r = await b.report();
    assert.equal(figure(r, "Training courses", "Meetings held"), "1 (≥ 1)");
    assert.equal(figure(r, "Training courses", "Overall attendances"), "7");
    assert.equal(figure(r, "Training courses", "Understanding (post quiz, % correct)"), "100.0 (≥ 75)");
    assert.equal(figure(r, "Training courses", "Pre quiz (% correct)"), "33.3");
    assert.equal(figure(r, "Training courses", "Pre to post gain (points)"), "+66.7");
    assert.equal(figure(r, "Training courses", "Satisfaction (%)"), "86.9 (≥ 75)");
    assert.equal(figure(r, "Peer groups", "Meetings cancelled"), "1");
    assert.equal(figure(r, "Peer groups", "Cancelled on 2026-03-05"), "Snow: the road to the village was closed");
    assert.equal(figure(r, "Carers' committee", "Meetings held"), "1");
    assert.equal(figure(r, "Totals", "Meetings held"), "2");
    assert.equal(figure(r, "Totals", "Carers involved (sum of attendances)"), "13");
    assert.deepEqual(await b.rows("main section:last-of-type table"), [["2026-03", "2", "13", "86.9"]]);
    // Every section has a chart or a table of its own.
    assert.ok((await b.findAll("main svg[role=img]")).length >= 2, "the report's bar charts");

    // Training courses in the first days of March: the course stays, the cancelled peer
    // group (5 March) and the committee (6 March) go, and the form shows what it applied.
    await b.select("#activity", "training_course");
    await b.setField("#from", "2026-03-01");
    await b.setField("#to", "2026-03-04");
    await b.clickAndLoad("form.filters button[type=submit]");
    const u = await b.url();
    assert.equal(u.pathname, "/");
    assert.equal(u.searchParams.get("activity"), "training_course");
    assert.equal(u.searchParams.get("from"), "2026-03-01");
    assert.equal(u.searchParams.get("to"), "2026-03-04");
    assert.deepEqual(
      await b.exec("return ['#activity', '#from', '#to'].map(s => document.querySelector(s).value)"),
      ["training_course", "2026-03-01", "2026-03-04"],
    );
    r = await b.report();
    assert.equal(figure(r, "Training courses", "Meetings held"), "1 (≥ 1)");
    assert.equal(figure(r, "Training courses", "Overall attendances"), "7");
    assert.equal(figure(r, "Peer groups", "Meetings cancelled"), "0");
    assert.ok(!r["Peer groups"].some((row) => row[0].startsWith("Cancelled on")), "the cancellation is filtered out");
    assert.equal(figure(r, "Carers' committee", "Meetings held"), "0");
    assert.equal(figure(r, "Totals", "Meetings held"), "1");
    assert.equal(figure(r, "Totals", "Carers involved (sum of attendances)"), "7");
    assert.deepEqual(await b.rows("main section:last-of-type table"), [["2026-03", "1", "7", "86.9"]]);

    // The period alone, after the course: the course goes, the peer group and committee stay.
    await b.select("#activity", "");
    await b.setField("#from", "2026-03-04");
    await b.setField("#to", "2026-03-31");
    await b.clickAndLoad("form.filters button[type=submit]");
    r = await b.report();
    assert.equal(figure(r, "Training courses", "Meetings held"), "0 (≥ 1)");
    assert.equal(figure(r, "Training courses", "Overall attendances"), "0");
    assert.equal(figure(r, "Peer groups", "Meetings cancelled"), "1");
    assert.equal(figure(r, "Carers' committee", "Meetings held"), "1");
    assert.equal(figure(r, "Totals", "Meetings held"), "1");

    // The devices page, from the navigation: the scripted tablet, active, with its records.
    const nav = await navLinks(b);
    for (const link of [["Overview", "/"], ["Devices", "/devices"], ["Audit log", "/audit"], ["My account", "/account"]]) {
      assert.ok(nav.some((l) => l[0] === link[0] && l[1] === link[1]), `no ${link} in ${JSON.stringify(nav)}`);
    }
    assert.ok(!nav.some((l) => ["/users", "/projects"].includes(l[1])), `admin links for a coordinator: ${JSON.stringify(nav)}`);
    await b.clickAndLoad('header nav a[href="/devices"]');
    await expectPage(b, "/devices");
    assert.equal(await b.text("h1"), "Devices · Valle Alta");
    const devices = await b.rows("main table");
    assert.ok(devices, "a table of devices");
    assert.equal(devices.length, 1, JSON.stringify(devices));
    const [name, deviceName, enrolled, lastSync, records, state] = devices[0];
    assert.equal(name, TABLET);
    assert.equal(deviceName, "scripted tablet");
    assert.match(enrolled, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);
    // The tablet synced before the console opened: its last sync is a time, not "Never".
    assert.match(lastSync, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);
    assert.ok(lastSync >= enrolled, `last sync ${lastSync} before enrollment ${enrolled}`);
    assert.ok(TABLET_RECORDS > 0, "CAMPO_CONSOLE_TABLET_RECORDS");
    assert.equal(Number(records), TABLET_RECORDS);
    assert.equal(state, "Active");
    assert.equal(await b.text("main table button"), "Revoke");

    // Signing out ends the session: the next page asks to sign in again.
    await b.clickAndLoad('form[action="/logout"] button');
    assert.equal(await b.path(), "/login");
    await b.open("/devices");
    assert.equal(await b.path(), "/login?next=/devices");
  }));

test("a psychologist sees the peer groups and the totals, no training course, no devices", () =>
  withBrowser(async (b) => {
    await signIn(b, psychologist);
    assert.equal(await b.text("p.notice"), "You see the peer groups and the project's totals.");
    const r = await b.report();
    assert.deepEqual(Object.keys(r), ["Peer groups", "Totals", "Month by month"]);
    assert.equal(figure(r, "Peer groups", "Meetings cancelled"), "1");
    assert.equal(figure(r, "Peer groups", "Cancelled on 2026-03-05"), "Snow: the road to the village was closed");
    // The project's totals, training course included.
    assert.equal(figure(r, "Totals", "Meetings held"), "2");
    assert.equal(figure(r, "Totals", "Carers involved (sum of attendances)"), "13");
    // Not a figure of the other activities anywhere in the report (the filter form still
    // names every activity).
    const text = (await b.texts("main section")).join(" ");
    for (const word of ["Training course", "quiz", "Understanding", "committee", "Goal"]) {
      assert.ok(!text.toLowerCase().includes(word.toLowerCase()), `a psychologist sees ${JSON.stringify(word)}`);
    }
    // The month by month table counts only the peer groups (none held).
    assert.deepEqual(await b.rows("main section:last-of-type table"), [["2026-03", "0", "0", "no data"]]);
    // Asking for the training courses shows no more than before.
    await b.open("/?activity=training_course");
    assert.deepEqual(Object.keys(await b.report()), ["Peer groups", "Totals", "Month by month"]);
    assert.ok(!(await b.texts("main section")).join(" ").includes("Understanding"));

    const nav = await navLinks(b);
    assert.deepEqual(nav[0], ["Overview", "/"]);
    assert.deepEqual(nav.at(-1), ["My account", "/account"]);
    for (const path of ["/devices", "/audit", "/users", "/projects"]) {
      assert.ok(!nav.some((l) => l[1] === path), `a link to ${path} in ${JSON.stringify(nav)}`);
      assert.equal((await b.findAll(`a[href^="${path}"]`)).length, 0, `a link to ${path}`);
    }
    for (const path of ["/devices", "/audit"]) {
      await b.open(path);
      await expectPage(b, path, 403);
      assert.equal(await b.text("main p.error"), "Your role does not allow this page.");
      assert.equal((await b.findAll("main table")).length, 0, `${path} shows a table`);
    }
  }));

test("a viewer sees the report only", () =>
  withBrowser(async (b) => {
    await signIn(b, viewer);
    const r = await b.report();
    assert.equal(figure(r, "Training courses", "Meetings held"), "1 (≥ 1)");
    assert.equal(figure(r, "Peer groups", "Meetings cancelled"), "1");
    assert.equal(figure(r, "Totals", "Meetings held"), "2");
    const notices = [];
    for (const id of await b.findAll("p.notice")) notices.push(await b.cmd("GET", `/element/${id}/text`));
    assert.ok(!notices.some((n) => n.includes("peer groups")), `no peer-group notice for a viewer: ${notices}`);
    assert.ok(notices.some((n) => n.includes("All but the excluded ones")), "says which submissions count");
    assert.deepEqual(await navLinks(b), [
      ["Overview", "/"],
      ["My account", "/account"],
    ]);
    for (const path of ["/audit", "/devices", "/users"]) {
      await b.open(path);
      await expectPage(b, path, 403);
      assert.equal(await b.text("main p.error"), "Your role does not allow this page.");
    }
    await b.open("/account");
    await expectPage(b, "/account");
    assert.equal(await b.text("h1"), "My account");
  }));

test("the admin's audit log lists those logins and a failed one", async () => {
  // A wrong password, on purpose: refused, and said so on the login page.
  await withBrowser(async (b) => {
    await b.open("/login");
    await b.type("#name", coordinator.name);
    await b.type("#password", "not the password at all");
    await b.clickAndLoad("form.stack button[type=submit]");
    await expectPage(b, "/login", 401, "a wrong password");
    assert.equal(await b.text("p.error[role=alert]"), "Wrong user name or password.");
    await b.open("/");
    assert.match(await b.path(), /^\/login/, "a wrong password opens no session");
  });
  await withBrowser(async (b) => {
    await signIn(b, admin, "/account");
    await b.clickAndLoad('header nav a[href="/audit"]');
    await expectPage(b, "/audit");
    assert.equal(await b.text("h1"), "Audit log");
    // When, who, address, action, project, target, detail; newest first.
    const lines = await b.rows("main table");
    const when = lines.map((l) => l[0]);
    assert.deepEqual(when, [...when].sort().reverse(), "newest first");
    const find = (who, action) => lines.filter((l) => l[1] === who && l[3] === action);
    for (const a of [coordinator, psychologist, viewer]) {
      const logins = find(a.name, "login");
      assert.ok(logins.length >= 1, `no login of ${a.name}: ${JSON.stringify(lines)}`);
      assert.equal(logins[0][2], "127.0.0.1");
      assert.equal(logins[0][4], "valle");
    }
    assert.equal(find(coordinator.name, "logout").length, 1, "the coordinator's sign-out");
    const failed = find(coordinator.name, "login_failed");
    assert.equal(failed.length, 1, `the failed login: ${JSON.stringify(lines)}`);
    assert.equal(failed[0][2], "127.0.0.1");
    // The admin's own login came after the failed one.
    assert.ok(lines.indexOf(find(admin.name, "login")[0]) < lines.indexOf(failed[0]));

    // Filtered by action: only the failed login.
    await b.type("#action", "login_failed");
    await b.clickAndLoad("form.filters button[type=submit]");
    assert.deepEqual(
      (await b.rows("main table")).map((l) => [l[1], l[3]]),
      [[coordinator.name, "login_failed"]],
    );
  });
});

test("axe-core finds no WCAG 2.1 A/AA violation on any page, at desktop and tablet size", async (t) => {
  const violations = [];
  const broken = [];
  const checked = [];
  /**
   * One page: `reach` brings the browser to it, then it must answer `status`, and it is
   * photographed and checked at both sizes. A page that cannot be reached is noted and the
   * others are still checked; both lists must be empty at the end.
   */
  async function page(b, name, reach, { status = 200 } = {}) {
    try {
      await reach();
      const got = await b.status();
      if (got !== status) throw new Error(`HTTP ${got} instead of ${status}: ${((await b.texts("body"))[0] ?? "").slice(0, 200)}`);
      violations.push(...(await b.check(name)));
      checked.push(name);
    } catch (e) {
      broken.push(`${name}: ${e.message.split("\n")[0].slice(0, 400)}`);
    }
  }
  const open = (b, path) => () => b.open(path);

  // Without a session: the login page, its error, the set-password page of a one-time link
  // from `campo-server users add` and the login page that follows it.
  await withBrowser(async (b) => {
    await page(b, "login", open(b, "/login"));
    await page(b, "login-failed", async () => {
      await b.open("/login");
      await b.type("#name", "nobody-here");
      await b.type("#password", "wrong wrong wrong");
      await b.clickAndLoad("form.stack button[type=submit]");
    }, { status: 401 });
    const out = cli(["users", "add", "--name", "sofia", "--role", "viewer", "--project", "valle"]);
    const link = out.match(/^\/set-password\/\S+$/m)?.[0];
    assert.ok(link, `no link in: ${out}`);
    await page(b, "set-password", open(b, link));
    const password = "a long enough password";
    await page(b, "login-password-set", async () => {
      await b.open(link);
      await b.type("#new", password);
      await b.type("#repeat", password);
      await b.clickAndLoad("form.stack button[type=submit]");
      await expectPage(b, "/login?done=password_set");
    });
    // The password just set opens a session; the link is used up.
    await signIn(b, { name: "sofia", password }, "/account");
    await b.open(link);
    await expectPage(b, link, 404, "a used link");
  });

  await withBrowser(async (b) => {
    await signIn(b, coordinator, "/account");
    await page(b, "overview", open(b, "/"));
    await page(b, "overview-filtered", open(b, "/?activity=training_course&from=2026-03-01&to=2026-03-31"));
    await page(b, "devices", open(b, "/devices"));
    // Enrolling a device: its one-time code as text and as a QR code.
    await page(b, "devices-enrollment-code", async () => {
      await b.open("/devices");
      await b.type('form[action="/devices/enroll"] #name', "Tablet Valle 2");
      await b.clickAndLoad('form[action="/devices/enroll"] button');
      assert.match(await b.text("main code.big"), /^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/);
      assert.equal((await b.findAll("main .qr[role=img] svg")).length, 1, "the QR code");
    });
    await page(b, "audit-coordinator", open(b, "/audit"));
    await page(b, "meetings", open(b, "/meetings"));
    await page(b, "meeting", async () => {
      await b.open("/meetings");
      await b.clickAndLoad("main table td a");
    });
    await page(b, "submissions", open(b, "/submissions"));
    await page(b, "exports", open(b, "/exports"));
    await page(b, "instruments", open(b, "/instruments"));
    // A carer's rights: the form, what is held under a code the tablet used, and the answer
    // for a code nobody used.
    await page(b, "carers", open(b, "/carers"));
    const lookUp = (code) => async () => {
      await b.open("/carers");
      await b.type("main #code", code);
      await b.clickAndLoad('form[action="/carers/look"] button');
    };
    await page(b, "carers-held", async () => {
      await lookUp("VAL-001")();
      assert.match(await b.text("main h2"), /VAL-001/);
      assert.equal((await b.findAll('form[action="/carers/forget"] input[type=checkbox][required]')).length, 1, "forgetting asks to confirm");
    });
    await page(b, "carers-nothing-held", lookUp("NOBODY-1"), { status: 404 });
  });

  await withBrowser(async (b) => {
    await signIn(b, psychologist, "/account");
    await page(b, "overview-psychologist", open(b, "/"));
    await page(b, "submissions-psychologist", open(b, "/submissions"));
    await page(b, "not-allowed", open(b, "/devices"), { status: 403 });
  });

  await withBrowser(async (b) => {
    await signIn(b, admin, "/account");
    await page(b, "account", open(b, "/account"));
    await page(b, "overview-admin", open(b, "/"));
    await page(b, "devices-admin", open(b, "/devices"));
    await page(b, "audit", open(b, "/audit"));
    await page(b, "users", open(b, "/users"));
    // Adding an account: the page shows its one-time link.
    await page(b, "users-new-link", async () => {
      await b.open("/users");
      await b.type('form[action="/users"] #name', "nora");
      await b.select('form[action="/users"] #role', "viewer");
      await b.select('form[action="/users"] #project', "valle");
      await b.clickAndLoad('form[action="/users"] button');
      assert.match(await b.text("main section.notice code"), /^\/set-password\/[A-Za-z0-9_-]{20,}$/);
    });
    await page(b, "projects", async () => {
      await b.open("/projects");
      // The targets and privacy forms are folded away: open them so that axe sees them too.
      await b.exec("document.querySelectorAll('main details').forEach(d => { d.open = true; })");
      assert.equal(await b.exec("return [...document.querySelectorAll('main details')].every(d => d.open)"), true);
      assert.ok((await b.findAll("main textarea")).length >= 2, "the information sheet's texts");
    });
  });

  for (const name of checked) {
    for (const s of SIZES) assert.ok(existsSync(join(SHOTS, `${name}-${s.name}.png`)), `${name}-${s.name}.png`);
  }
  t.diagnostic(`${checked.length} pages x ${SIZES.length} sizes checked; screenshots in ${SHOTS}`);
  console.log(`console-web: screenshots of ${checked.length} pages at ${SIZES.map((s) => `${s.width}x${s.height}`).join(" and ")} in ${SHOTS}`);
  if (broken.length || violations.length) {
    assert.fail(
      [
        ...(broken.length ? ["pages that could not be checked:", ...broken.map((b) => `  ${b}`)] : []),
        ...(violations.length ? ["axe-core violations:"] : []),
        ...violations.map((v) => `  ${v.page} (${v.size}): ${v.id} [${v.impact}] ${v.help}: ${v.nodes?.join(", ")}`),
      ].join("\n"),
    );
  }
  assert.equal(checked.length, 27, "every page checked");
});

test("a coordinator marks a submission 'has issues'; the tablet gets the comment; the export downloads", () =>
  withBrowser(async (b) => {
    await signIn(b, coordinator, "/account");
    await b.clickAndLoad('header nav a[href="/meetings"]');
    await expectPage(b, "/meetings");
    // The training course (the first meeting of the list that is a course).
    const href = await b.exec(
      "return [...document.querySelectorAll('main table tr')].find(r => r.textContent.includes('Training course'))?.querySelector('a')?.getAttribute('href')",
    );
    assert.ok(href, "the course is listed");
    await b.open(href);
    const first = await b.exec("return document.querySelector('main tr[id^=\"s-\"]').id.slice(2)");
    assert.ok(first, "a submission with its review form");
    await b.select(`#state-${first}`, "has_issues");
    await b.type(`#comment-${first}`, "Manca la seconda pagina del questionario");
    await b.clickAndLoad(`tr#s-${first} form button`);
    assert.equal(await b.path(), href);
    const row = await b.exec(`return document.querySelector('tr#s-${first}').textContent`);
    assert.match(row, /Has issues/);
    assert.match(row, /Manca la seconda pagina del questionario/);

    // The tablet's next sync brings the comment to the vault that sent the submission.
    const out = tabletSync();
    assert.match(out, new RegExp(`note from the office on submission ${first}: has_issues: Manca la seconda pagina del questionario`));

    // The export page's download is a workbook (read back cell by cell in the server's
    // own tests): with this browser's session, the link gets an XLSX file. (The page's CSP
    // lets no script fetch, so the download is fetched here with the browser's cookie.)
    await b.clickAndLoad('header nav a[href="/exports"]');
    await expectPage(b, "/exports");
    const cookies = await b.cmd("GET", "/cookie");
    const session = cookies.find((c) => c.name.includes("campo_session"));
    assert.ok(session, "the session cookie");
    const r = await fetch(`${process.env.CAMPO_CONSOLE_URL}/exports/download?format=xlsx&lang=en`, {
      headers: { cookie: `${session.name}=${session.value}` },
    });
    const bytes = new Uint8Array(await r.arrayBuffer());
    const got = [r.status, r.headers.get("content-type"), bytes.length, bytes[0], bytes[1]];
    assert.equal(got[0], 200);
    assert.equal(got[1], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    assert.ok(got[2] > 1000, `a workbook of ${got[2]} bytes`);
    assert.deepEqual([got[3], got[4]], [0x50, 0x4b], "a zip (XLSX) file");
  }));
