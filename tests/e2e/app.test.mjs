// End to end: the real app (under Xvfb, through tauri-driver and WebKitWebDriver) and the
// real campo-server on a loopback port, driven as a facilitator would.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startServer, startApp, capture } from "./harness.mjs";
import { sleep } from "./webdriver.mjs";

const PASS = "alpine meadow 42";
const QUIZ = "quiz_carer_wellbeing";
// quiz_carer_wellbeing: correct options q1=b, q2=c, q3=a; buttons are in option order a, b, c.
const RIGHT = [1, 2, 0];
const WRONG = [0, 0, 1];

const seen = new Set();
const violations = [];
/** Screenshots and axe-core once per screen name. */
async function shot(d, name) {
  if (seen.has(name)) return;
  seen.add(name);
  violations.push(...(await capture(d, name)));
}

async function firstRun(d, server, code) {
  await shot(d, "setup-language");
  await d.click("#lang-en");
  await d.find("#facilitator");
  await shot(d, "setup-vault");
  await d.type("#facilitator", "Anna Rossi");
  await d.type("#pass1", PASS);
  await d.type("#pass2", PASS);
  await d.click("#create-vault");
  const recovery = await d.waitText("#recovery-code", (t) => t.length > 10);
  await shot(d, "setup-recovery");
  await d.click("#recovery-done");
  await d.find("#server-url");
  await shot(d, "setup-server");
  if (server) {
    await d.type("#server-url", server.url);
    await d.type("#enroll-code", code);
    await d.click("#enroll");
  } else {
    await d.click("#skip-enroll");
  }
  await d.find("#new-meeting");
  return recovery;
}

async function newMeeting(d, activity, place, topic) {
  await d.click("#nav-meetings");
  await d.click("#new-meeting");
  await d.find("#m-place");
  await shot(d, "meeting-new");
  await d.click(`#activity-${activity}`);
  await d.type("#m-place", place);
  await d.type("#m-topic", topic);
  await d.click("#create-meeting");
  await d.find("#meeting-title");
}

/** Answers the open instrument one tap per question, then submits: items+1 taps. */
async function answerAll(d, picks, { texts = {}, shotName = "respondent-question" } = {}) {
  for (let i = 0; i < picks.length; i++) {
    await d.waitText("#q-counter", (t) => t.startsWith(`Question ${i + 1} of`));
    if (i === 0) await shot(d, shotName);
    if (picks[i] === null) {
      if (texts[i]) await d.type("#q-input", texts[i]);
      await d.click("#next");
    } else {
      const buttons = await d.findAll(".answer");
      await d.clickEl(buttons[picks[i]]);
    }
  }
  await d.find("#submit");
  await shot(d, "respondent-review");
  await d.click("#submit");
  await d.find("#thanks");
  await shot(d, "respondent-thanks");
}

async function leaveRespondentMode(d) {
  await d.click("#leave");
  await d.find("#leave-pass");
  await shot(d, "respondent-leave");
  await d.type("#leave-pass", PASS);
  await d.click("#leave-confirm");
  await d.find("#meeting-title");
}

async function quiz(d, code, phase, picks) {
  await d.select(`#resp-${QUIZ}`, code);
  await d.select(`#phase-${QUIZ}`, phase);
  await d.click(`#start-${QUIZ}`);
  await answerAll(d, picks);
  await leaveRespondentMode(d);
}

async function syncNow(d) {
  await d.click("#nav-sync");
  await d.find("#sync-now");
  await d.click("#sync-now");
  await d.waitText("#pending-count", (t) => t === "0", { timeout: 30000 });
  await d.waitText("#last-sync", (t) => t !== "Never", { timeout: 30000 });
  await shot(d, "sync");
}

const close = (a, b) => Math.abs(a - b) < 0.01;

test("a whole training meeting, from first run to the server's report", async () => {
  const server = await startServer();
  const app = await startApp();
  const d = app.d;
  try {
    await firstRun(d, server, server.enroll("Tablet Val Brembana"));
    await shot(d, "meetings");
    await newMeeting(d, "training_course", "Sala parrocchiale", "Looking after yourself");

    const carers = ["C01", "C02", "C03", "C04", "C05", "C06", "C07"];
    for (const [i, code] of carers.entries()) {
      await d.type("#new-code", code);
      await d.type("#new-name", `Carer ${i + 1}`);
      await d.click("#add-code");
      await d.waitText("#att-h", (t) => t.includes(`(${i + 1} present)`));
    }
    await d.click("#save-attendance");
    await d.find("#attendance-saved");
    await shot(d, "meeting");

    // Pre quiz: 0/3, 1/3, 2/3 correct; post quiz: 3/3, 3/3, 2/3.
    await quiz(d, "C01", "pre", WRONG);
    await quiz(d, "C02", "pre", [RIGHT[0], WRONG[1], WRONG[2]]);
    await quiz(d, "C03", "pre", [RIGHT[0], RIGHT[1], WRONG[2]]);
    await quiz(d, "C01", "post", RIGHT);
    await quiz(d, "C02", "post", RIGHT);
    await quiz(d, "C03", "post", [RIGHT[0], WRONG[1], RIGHT[2]]);

    // Satisfaction, handed from carer to carer: all fully (100), all partly (50), 7 fully + 6 partly.
    const sat = [Array(13).fill(2), Array(13).fill(1), [...Array(7).fill(2), ...Array(6).fill(1)]];
    await d.click("#start-training_satisfaction");
    for (const [i, picks] of sat.entries()) {
      await answerAll(d, picks, { shotName: "respondent-faces" });
      if (i < sat.length - 1) await d.click("#another");
    }
    await leaveRespondentMode(d);
    await d.waitText("#collected-count", (t) => t === "9");

    await d.click("#mark-held");
    await d.waitText("#meeting-status", (t) => t === "Held");

    await d.click("#nav-report");
    await d.find("#report-table");
    await shot(d, "report");
    await syncNow(d);
    await d.click("#nav-settings");
    await d.find("#save-settings");
    await shot(d, "settings");
    await d.click("#nav-lock");
    await d.find("#unlock-pass");
    await shot(d, "unlock");

    const r = server.report();
    const tr = r.training;
    assert.equal(tr.meetings.held, 1, "one course meeting held");
    assert.equal(tr.meetings.attendances, 7, "seven attendances");
    assert.equal(tr.understanding.n, 3);
    assert.ok(close(tr.understanding.mean, (100 + 100 + 200 / 3) / 3), `understanding ${tr.understanding.mean}`);
    assert.ok(close(tr.pre.mean, (0 + 100 / 3 + 200 / 3) / 3), `pre ${tr.pre.mean}`);
    assert.equal(tr.satisfaction.n, 3);
    assert.ok(close(tr.satisfaction.mean, (100 + 50 + (700 + 300) / 13) / 3), `satisfaction ${tr.satisfaction.mean}`);
  } finally {
    await app.stop();
    server.stop();
  }
});

test("a peer group cancelled with its reason and a committee's six goals reach the server", async () => {
  const server = await startServer();
  const app = await startApp();
  const d = app.d;
  try {
    await firstRun(d, server, server.enroll("Tablet Valle Seriana"));
    await newMeeting(d, "peer_group", "Casa di comunità", "Mutual support");
    await d.click("#cancel-meeting");
    await d.type("#cancel-reason", "Snow closed the road");
    await d.click("#confirm-cancel");
    await d.waitText("#meeting-status", (t) => t === "Cancelled");

    await newMeeting(d, "committee", "Municipio", "Quarterly review");
    await d.click("#anon-plus");
    await d.click("#anon-plus");
    await d.click("#save-attendance");
    await d.find("#attendance-saved");
    // Six goals, each followed by its optional note: achieved x3, partial x2, unfulfilled x1.
    const states = [0, 0, 1, 2, 0, 1];
    const picks = states.flatMap((s) => [s, null]);
    await d.click("#start-committee_goals");
    await answerAll(d, picks, { texts: { 1: "A spokesperson was chosen" }, shotName: "respondent-goals" });
    await leaveRespondentMode(d);
    await d.click("#mark-held");
    await d.waitText("#meeting-status", (t) => t === "Held");
    await syncNow(d);

    const r = server.report();
    assert.equal(r.peer.meetings.cancelled.length, 1);
    assert.equal(r.peer.meetings.cancelled[0].reason, "Snow closed the road");
    assert.equal(r.committee.meetings.held, 1);
    assert.equal(r.committee.meetings.attendances, 2);
    const counts = Object.fromEntries(r.committee.latest.states.map((l) => [l.value, l.count]));
    assert.deepEqual(counts, { achieved: 3, partial: 2, unfulfilled: 1 });
  } finally {
    await app.stop();
    server.stop();
  }
});

test("after the idle time the app shows the unlock screen and the vault is closed", async () => {
  // CAMPO_IDLE_LOCK_SECONDS overrides the minutes setting so the test need not wait minutes.
  const app = await startApp({ CAMPO_IDLE_LOCK_SECONDS: "3" });
  const d = app.d;
  try {
    await firstRun(d, null, null);
    assert.ok((await d.invoke("list_meetings")).ok, "vault open after setup");
    await sleep(4500);
    await d.find("#unlock-pass", { timeout: 5000 });
    const closed = await d.invoke("list_meetings");
    assert.equal(closed.err?.code, "locked", `vault still open: ${JSON.stringify(closed)}`);
    await d.type("#unlock-pass", PASS);
    await d.click("#unlock");
    await d.find("#new-meeting");
  } finally {
    await app.stop();
  }
});

test("every screen passes axe-core's WCAG 2.1 AA rules", () => {
  assert.ok(seen.size >= 12, `screens checked: ${[...seen].join(", ")}`);
  assert.deepEqual(violations, []);
});
