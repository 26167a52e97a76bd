// End to end: the real app (under Xvfb, through tauri-driver and WebKitWebDriver) and the
// real campo-server on a loopback port, driven as a facilitator would.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startServer, startApp, capture, tempDir, ROOT } from "./harness.mjs";
import { sleep } from "./webdriver.mjs";
import { readFileSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";

const PASS = "alpine meadow 42";
const QUIZ = "quiz_carer_wellbeing";
// quiz_carer_wellbeing: correct options q1=b, q2=c, q3=a; buttons are in option order a, b, c.
const RIGHT = [1, 2, 0];
const WRONG = [0, 0, 1];

const seen = new Set();
const violations = [];
/** Screenshots and axe-core once per screen name. */
async function shot(d, name, options) {
  if (seen.has(name)) return;
  seen.add(name);
  violations.push(...(await capture(d, name, options)));
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

/** Taps option `pick` on questions `from`..`to` (1-based, inclusive) of a 13-item scale. */
async function tapQuestions(d, from, to, pick = 2) {
  for (let q = from; q <= to; q++) {
    await d.waitText("#q-counter", (t) => t.startsWith(`Question ${q} of 13`));
    await d.clickEl((await d.findAll(".answer"))[pick]);
  }
}

async function unlockWith(d, passphrase) {
  await d.type("#unlock-pass", passphrase);
  await d.click("#unlock");
}

test("killed at question 7 of the satisfaction scale, the app offers it back and loses nothing", async () => {
  const server = await startServer();
  let app = await startApp();
  const dataDir = app.dataDir;
  try {
    await firstRun(app.d, server, server.enroll("Tablet Valle Imagna"));
    await newMeeting(app.d, "training_course", "Biblioteca", "Sleeping well");
    await app.d.click("#start-training_satisfaction");
    await tapQuestions(app.d, 1, 6);
    await app.d.waitText("#q-counter", (t) => t.startsWith("Question 7 of 13"));
    await app.kill();

    app = await startApp({}, { dataDir });
    const d = app.d;
    await unlockWith(d, PASS);
    await d.find("#unfinished-title");
    await shot(d, "unfinished");
    assert.equal(await d.text(".answered"), "6 answers given");
    await d.click(".resume");
    await d.waitText("#q-counter", (t) => t.startsWith("Question 7 of 13"));
    // The six answers are there: question 6 shows its choice when going back.
    await d.click("#prev");
    await d.waitText("#q-counter", (t) => t.startsWith("Question 6 of 13"));
    assert.equal(await d.exec("return document.querySelectorAll('.answer[aria-pressed=\"true\"]').length"), 1);
    await d.click("#next");
    await tapQuestions(d, 7, 13);
    await d.click("#submit");
    await d.find("#thanks");
    await leaveRespondentMode(d);
    await syncNow(d);

    const rows = JSON.parse(readFileSync(join(server.exportJson(), "training_satisfaction_v1.json"), "utf8"));
    assert.equal(rows.length, 1, "exactly one submission on the server");
    const items = JSON.parse(readFileSync(join(ROOT, "schemas/instruments/training_satisfaction.json"), "utf8")).items;
    // Columns are "<item id>: <label>".
    const answered = items.filter((i) => Object.entries(rows[0]).some(([k, v]) => k.startsWith(i.id + ": ") && v !== ""));
    assert.equal(answered.length, 13, `answers: ${JSON.stringify(rows[0])}`);
  } finally {
    await app.stop();
    server.stop();
  }
});

test("left on the Sync screen the app still locks; idle mid-questionnaire, it resumes after unlock", async () => {
  const app = await startApp({ CAMPO_IDLE_LOCK_SECONDS: "4" });
  const d = app.d;
  try {
    await firstRun(d, null, null);
    await d.click("#nav-sync");
    await d.find("#sync-now");
    // The screen polls every 3 s; polling is not a person, so the lock comes all the same.
    await sleep(6000);
    await d.find("#unlock-pass", { timeout: 5000 });
    await unlockWith(d, PASS);
    await d.find("#new-meeting");

    await newMeeting(d, "training_course", "Oratorio", "Asking for help");
    await d.click("#start-training_satisfaction");
    await tapQuestions(d, 1, 3);
    await d.waitText("#q-counter", (t) => t.startsWith("Question 4 of 13"));
    await sleep(6000);
    await d.find("#unlock-pass", { timeout: 5000 });
    await unlockWith(d, PASS);
    await d.find("#unfinished-title");
    assert.equal(await d.text(".answered"), "3 answers given");
    await d.click(".resume");
    await d.waitText("#q-counter", (t) => t.startsWith("Question 4 of 13"));
    await tapQuestions(d, 4, 13);
    await d.click("#submit");
    await d.find("#thanks");
    const view = await d.invoke("list_meetings");
    const id = view.ok[0].id;
    const meeting = await d.invoke("meeting_view", { id });
    assert.equal(meeting.ok.submissions.length, 1);
    assert.equal(Object.keys(meeting.ok.submissions[0].answers).length, 13);
  } finally {
    await app.stop();
  }
});

test("a forgotten passphrase: recovery code, new passphrase, all data there, old passphrase refused", async () => {
  const NEW_PASS = "chestnut harvest 1987";
  const app = await startApp();
  const d = app.d;
  try {
    const recovery = await firstRun(d, null, null);
    await newMeeting(d, "committee", "Municipio", "Goals review");
    await d.click("#nav-lock");
    await d.find("#unlock-pass");
    await d.click("#forgot");
    await d.find("#recovery-input");
    await shot(d, "recover-code");
    await d.type("#recovery-input", recovery.toLowerCase());
    await d.click("#recovery-unlock");
    await d.find("#new-pass1");
    await d.type("#new-pass1", NEW_PASS);
    await d.type("#new-pass2", NEW_PASS);
    await d.waitEnabled("#set-passphrase");
    await shot(d, "recover-passphrase");
    await d.click("#set-passphrase");
    const fresh = await d.waitText("#new-recovery-code", (t) => t.length > 10);
    assert.notEqual(fresh, recovery, "a new recovery code replaces the one used");
    await shot(d, "recover-new-code");
    await d.click("#new-recovery-done");
    await d.find("#new-meeting");
    assert.equal((await d.invoke("list_meetings")).ok.length, 1, "the meeting is still there");

    await d.click("#nav-lock");
    await unlockWith(d, PASS);
    await d.waitText("#error", (t) => t === "Wrong passphrase.");
    await unlockWith(d, NEW_PASS);
    await d.find("#new-meeting");
    // The recovery code used once no longer opens the vault.
    await d.click("#nav-lock");
    await d.click("#forgot");
    await d.type("#recovery-input", recovery);
    await d.click("#recovery-unlock");
    await d.waitText("#error", (t) => t === "Wrong recovery code.");
  } finally {
    await app.stop();
  }
});

test("a record the server refuses as an unknown instrument shows why, and goes once the server knows it", async () => {
  // A project instrument of the coordinators' own (a copy of the peer-group scale).
  const dir = tempDir("campo-e2e-instrument-");
  const file = join(dir, "peer_checkin.json");
  const inst = JSON.parse(readFileSync(join(ROOT, "schemas/instruments/peer_satisfaction.json"), "utf8"));
  inst.id = "peer_checkin";
  inst.title = { it: "Com'è andato l'incontro", en: "How the meeting went" };
  writeFileSync(file, JSON.stringify(inst));

  let server = await startServer();
  server.cli(["instruments", "add", "--file", file]);
  const app = await startApp();
  const d = app.d;
  try {
    await firstRun(d, server, server.enroll("Tablet Val Taleggio"));
    await syncNow(d); // brings peer_checkin to the tablet
    const { url, db } = server;
    await server.stop();

    await newMeeting(d, "peer_group", "Casa di comunità", "Evenings at home");
    await d.click("#start-peer_checkin");
    await d.waitText("#q-counter", (t) => t.startsWith("Question 1 of 1"));
    await d.clickEl((await d.findAll(".answer"))[3]);
    await d.click("#submit");
    await d.find("#thanks");
    await leaveRespondentMode(d);

    // No server: the Sync screen says the tablet is offline and when it looks again.
    await d.click("#nav-sync");
    await d.find("#link-state[data-link='offline']", { timeout: 30000 });
    assert.match(await d.text("#link-state"), /No network: next probe in \d+ s/);
    await shot(d, "sync-offline");

    // The server comes back from a backup taken before the instrument was added: a fault
    // of operations that only surgery on its database can cause here.
    execFileSync("sqlite3", [db, "DELETE FROM instruments WHERE id = 'peer_checkin'"]);
    server = await startServer({ db, listen: url.replace("http://", "") });
    await d.click("#nav-sync");
    await d.click("#sync-now");
    await d.find(".refused[data-code='unknown_instrument']", { timeout: 30000 });
    await shot(d, "sync-refused");
    assert.match(await d.text(".refused"), /does not know this questionnaire/);

    server.cli(["instruments", "add", "--file", file]);
    await d.click("#sync-now");
    await d.waitText("#refused-count", (t) => t === "0", { timeout: 30000 });
    await d.waitText("#pending-count", (t) => t === "0", { timeout: 30000 });
    const stored = JSON.parse(readFileSync(join(server.exportJson(), "peer_checkin_v1.json"), "utf8"));
    assert.equal(stored.length, 1, "the refused submission reached the server once");
  } finally {
    await app.stop();
    await server.stop();
  }
});

test("the roster moves to a new tablet, the outreach counters are kept, a quiz answer is corrected", async () => {
  const app = await startApp();
  const d = app.d;
  let other = null;
  try {
    await firstRun(d, null, null);
    await d.click("#nav-roster");
    await d.type("#roster-code", "C10");
    await d.type("#roster-name", "Maria Bianchi");
    await d.type("#roster-contact", "0345 000000");
    await d.click("#roster-save");
    await d.waitText("#roster-list-h", (t) => t.includes("(1)"));
    await d.click(".roster-entry .edit");
    await d.type("#roster-name", "Maria B. Bianchi");
    await d.click("#roster-save");
    await d.waitText(".roster-entry", (t) => t.includes("Maria B. Bianchi"));
    // Adding under a code already in use never overwrites that carer's name.
    await d.type("#roster-code", "C10");
    await d.type("#roster-name", "Someone Else");
    await d.click("#roster-save");
    await d.waitText("#error", (t) => t.startsWith("This code is already on the roster"));
    assert.equal((await d.invoke("roster")).ok.carers[0].name, "Maria B. Bianchi");
    // No information sheet from the project: consent is neither recorded nor required.
    await d.find("#no-sheet");
    assert.equal(await d.text(".roster-entry .consent-state"), "Consent: No consent recorded");
    assert.equal((await d.findAll(".record-consent")).length, 0);
    await d.click("#roster-export");
    const pass = await d.waitText("#roster-export-pass", (t) => t.length > 10);
    const file = await d.exec("return document.querySelector('#roster-export-path').dataset.path");
    await shot(d, "roster");

    await d.click("#nav-outreach");
    await d.type("#outreach-period", "2026-11");
    await d.type("#outreach-page_likes", "12");
    await d.type("#outreach-site_visits", "40");
    await d.click("#outreach-save");
    await d.find("#outreach-saved");
    await shot(d, "outreach");
    const months = (await d.invoke("outreach")).ok;
    assert.equal(months.length, 1);
    assert.equal(months[0].site_visits, 40);

    await newMeeting(d, "training_course", "Sala civica", "Medicines at home");
    await d.click(".attend");
    await d.click("#save-attendance");
    await d.find("#attendance-saved");
    await quiz(d, "C10", "pre", WRONG);
    await d.click(".submission .correct");
    await answerAll(d, RIGHT);
    await leaveRespondentMode(d);
    await d.waitText("#collected-count", (t) => t === "2");
    await shot(d, "meeting-corrected");
    const id = (await d.invoke("list_meetings")).ok[0].id;
    const subs = (await d.invoke("meeting_view", { id })).ok.submissions;
    const correction = subs.find((x) => x.replaces);
    assert.ok(correction, "one submission replaces the other");
    assert.ok(subs.some((x) => x.id === correction.replaces));
    // What the tablet holds under the code: the carer, the course, both answers in words.
    await d.click("#nav-roster");
    await d.click(".roster-entry .held");
    await d.waitText("#held-q-h", (t) => t.endsWith("(2)"));
    assert.match(await d.text("#held-who"), /Maria B\. Bianchi/);
    assert.match(await d.text("#held-attendances"), /Sala civica/);
    await shot(d, "carer-held");
    await app.stop();

    // The roster file, imported on another tablet with the one-time passphrase.
    other = await startApp();
    await firstRun(other.d, null, null);
    await other.d.click("#nav-roster");
    await other.d.type("#roster-file-pass", "wrong " + pass);
    await other.d.sendFile("#roster-file", file);
    await other.d.click("#roster-import");
    await other.d.waitText("#error", (t) => t === "Wrong passphrase for this file.");
    assert.equal((await other.d.invoke("roster")).ok.carers.length, 0, "a wrong passphrase imports nothing");
    await other.d.type("#roster-file-pass", pass);
    await other.d.click("#roster-import");
    await other.d.waitText("#roster-status", (t) => t.startsWith("1 added"));
    assert.equal((await other.d.invoke("roster")).ok.carers[0].name, "Maria B. Bianchi");
  } finally {
    await (other ?? app).stop();
  }
});

/** Whether the respondent choice of the quiz offers `code`, and what the screen says of it. */
async function quizChoice(d, code) {
  return d.exec(
    "const s = document.querySelector('#resp-' + arguments[0]); const o = s.querySelector('option[value=\"' + arguments[1] + '\"]');" +
      "const note = document.querySelector('#no-consent-' + arguments[0]);" +
      "return {disabled: o.disabled, label: o.textContent.trim(), value: s.value, describedBy: s.getAttribute('aria-describedby'), note: note && note.textContent.trim()};",
    [QUIZ, code],
  );
}

/** A carer without consent in force: listed, not choosable for the coded quiz, refused by the vault. */
async function assertCannotAnswer(d, code, name, meetingId) {
  await d.find(`#no-consent-${QUIZ}`);
  const choice = await quizChoice(d, code);
  assert.equal(choice.disabled, true, `${code} can be chosen: ${JSON.stringify(choice)}`);
  assert.equal(choice.label, `${code} ${name} — no consent`);
  assert.notEqual(choice.value, code, "a carer without consent is not the one chosen");
  assert.equal(choice.describedBy, `no-consent-${QUIZ}`);
  assert.equal(
    choice.note,
    "Carers without consent in force for questionnaires are listed but cannot be chosen: record their consent on the Participants page.",
  );
  // As a person sees it (once): the choice left empty, the reason under it.
  await shot(d, "meeting-no-consent", { scrollTo: `#inst-${QUIZ}` });
  // Chosen all the same (as a script could), the quiz still cannot start...
  await d.select(`#resp-${QUIZ}`, code);
  assert.equal(await d.exec("return document.querySelector(arguments[0]).disabled", [`#start-${QUIZ}`]), true);
  // ...and the vault refuses its first answer: the gate is not the screen's alone.
  const version = (await d.invoke("meeting_view", { id: meetingId })).ok.instruments.find((i) => i.id === QUIZ).version;
  const draft = { id: null, meeting_id: meetingId, instrument_id: QUIZ, instrument_version: version, respondent: code, phase: "post", replaces: null, answers: {} };
  assert.equal((await d.invoke("save_answers", { draft })).err?.code, "consent_missing");
  // The satisfaction survey is anonymous: no consent asked, open to everyone present.
  assert.equal((await d.findAll("#no-consent-training_satisfaction")).length, 0);
  assert.equal(await d.exec("return document.querySelector('#start-training_satisfaction').disabled"), false);
}

async function openMeeting(d) {
  await d.click("#nav-meetings");
  await d.click(".meeting-item");
  await d.find("#meeting-title");
}

test("consent to the project's information sheet gates the coded quiz; given then withdrawn, the history reaches the server without the name", async () => {
  const SHEET_EN = "Campo keeps your answers under a code, never under your name.\nYou may withdraw at any time; what was already sent stays.";
  const SHEET_IT = "Campo conserva le risposte con un codice, mai con il nome.\nPuoi ritirare il consenso in qualsiasi momento.";
  const [CODE, NAME, CONTACT] = ["C20", "Giulia Ferraris", "035 918273"];
  const dir = tempDir("campo-e2e-sheet-");
  writeFileSync(join(dir, "it.txt"), SHEET_IT + "\n");
  writeFileSync(join(dir, "en.txt"), SHEET_EN + "\n");
  const server = await startServer();
  server.cli(["projects", "set-information-sheet", "default", "--version", "2026-01", "--it", join(dir, "it.txt"), "--en", join(dir, "en.txt")]);
  const app = await startApp();
  const d = app.d;
  try {
    // 1. The pull carries the project's sheet to the tablet.
    await firstRun(d, server, server.enroll("Tablet Val Cavallina"));
    await syncNow(d);
    const sheet = (await d.invoke("roster")).ok.information_sheet;
    assert.deepEqual(sheet, { version: "2026-01", text: { it: SHEET_IT, en: SHEET_EN } });

    // 2. On the roster without consent: present at the course, but not choosable for its quiz.
    await d.click("#nav-roster");
    await d.type("#roster-code", CODE);
    await d.type("#roster-name", NAME);
    await d.type("#roster-contact", CONTACT);
    await d.click("#roster-save");
    await d.waitText("#roster-list-h", (t) => t.includes("(1)"));
    assert.equal((await d.findAll("#no-sheet")).length, 0, "the project has a sheet now");
    const entry = `.roster-entry[data-code='${CODE}']`;
    assert.equal(await d.text(`${entry} .consent-state`), "Consent: No consent recorded");
    await newMeeting(d, "training_course", "Oratorio San Giorgio", "Respite at home");
    await d.click(".attend");
    await d.click("#save-attendance");
    await d.find("#attendance-saved");
    const meetingId = (await d.invoke("list_meetings")).ok[0].id;
    await assertCannotAnswer(d, CODE, NAME, meetingId);

    // 3. Consent recorded on the roster, with the sheet's text in front of the carer.
    await d.click("#nav-roster");
    await d.click(`${entry} .record-consent`);
    await d.find("#consent-form");
    assert.equal(await d.text("#consent-h"), `Consent of ${CODE}`);
    assert.equal(await d.text("#sheet-version"), "Information sheet, version 2026-01");
    assert.equal((await d.text("#sheet-text")).replace(/\s+/g, " "), SHEET_EN.replace(/\s+/g, " "));
    assert.equal(await d.exec("return document.querySelector('#consent-confirm').disabled"), true, "nothing ticked yet");
    await d.click("#scope-questionnaires");
    await d.waitEnabled("#consent-confirm");
    await shot(d, "roster-consent");
    await d.click("#consent-confirm");
    await d.waitText("#roster-status", (t) => t === "Consent recorded.");
    assert.match(await d.text(`${entry} .consent-state`), /^Consent: Consent since \d{4}-\d{2}-\d{2} \(sheet 2026-01\): questionnaires under the code$/);

    await openMeeting(d);
    assert.equal((await d.findAll(`#no-consent-${QUIZ}`)).length, 0, "no carer present is without consent");
    const allowed = await quizChoice(d, CODE);
    assert.equal(allowed.disabled, false);
    assert.equal(allowed.value, CODE, "the carer with consent is the one chosen");
    await quiz(d, CODE, "pre", RIGHT);
    await d.waitText("#collected-count", (t) => t === "1");

    // 4. Consent withdrawn, after a confirmation: no new quiz under the code.
    await d.click("#nav-roster");
    await d.click(`${entry} .withdraw-consent`);
    await d.find("#withdraw-confirm-box");
    assert.equal(await d.text("#withdraw-h"), `Withdraw the consent of ${CODE}?`);
    await shot(d, "roster-withdraw");
    await d.click("#withdraw-confirm");
    await d.waitText("#roster-status", (t) => t === "Consent withdrawn.");
    assert.match(await d.text(`${entry} .consent-state`), /^Consent: Consent withdrawn on \d{4}-\d{2}-\d{2}$/);
    assert.equal((await d.findAll(`${entry} .withdraw-consent`)).length, 0);
    await openMeeting(d);
    await assertCannotAnswer(d, CODE, NAME, meetingId);
    await d.waitText("#collected-count", (t) => t === "1");

    // 5. On the server: the tablet's history, given then withdrawn, and no name anywhere.
    const history = (await d.invoke("roster")).ok.carers.find((c) => c.code === CODE).consent;
    assert.deepEqual(history.map((s) => s.event), ["given", "withdrawn"]);
    await syncNow(d);
    const held = JSON.parse(server.cli(["carers", "export", CODE, "--project", "default"]));
    assert.equal(held.code, CODE);
    assert.equal(held.consent.length, 1, "one roster entry, from one tablet");
    assert.deepEqual(held.consent[0].history, history);
    assert.equal(held.consent[0].history[0].sheet_version, "2026-01");
    assert.deepEqual(held.consent[0].history[0].covers, ["questionnaires"]);
    assert.equal(held.attendances.length, 1);
    assert.equal(held.submissions.length, 1, "the quiz given under consent, and nothing after the withdrawal");
    const dump = execFileSync("sqlite3", [server.db, ".dump"], { encoding: "utf8", maxBuffer: 64 << 20 });
    assert.match(dump, /"withdrawn"/, "the server's records are plain text: what is absent is absent");
    for (const secret of [NAME, "Ferraris", "Giulia", CONTACT]) {
      assert.ok(!JSON.stringify(held).includes(secret), `the carer export holds ${secret}`);
      assert.ok(!dump.includes(secret), `the server's database holds ${secret}`);
    }
  } finally {
    await app.stop();
    await server.stop();
  }
});

/**
 * Fills in the facilitator's barrier log form: `picks` clicks a choice per item, `texts`
 * types into text items (in that order, so that an item shown by a choice is there).
 */
async function fillBarrier(d, picks, texts = {}) {
  for (const [item, value] of Object.entries(picks)) await d.click(`#b-${item}-${value}`);
  for (const [item, text] of Object.entries(texts)) await d.type(`#b-${item}`, text);
}

async function recordBarrier(d, picks, texts, { shotName } = {}) {
  await d.click("#record-barrier");
  await d.find("#b-cause-absence_of_information");
  if (shotName) await shot(d, shotName);
  await fillBarrier(d, picks, texts);
  await d.click("#save-barrier");
  await d.find("#record-barrier");
}

test("a co-assessment workshop: who took part, three barriers, one followed up, the server's figures", async () => {
  const server = await startServer();
  const app = await startApp();
  const d = app.d;
  try {
    await firstRun(d, server, server.enroll("Tablet Valle Brembana"));
    await newMeeting(d, "co_assessment", "Sala consiliare", "Six months in");
    assert.equal(await d.text("#meeting-title"), `Co-assessment · ${new Date().toISOString().slice(0, 10)}`);

    // Who took part, by side: typed, and tapped.
    await d.type("#role-carers", "6");
    await d.type("#role-provider-staff", "2");
    await d.click("#role-researchers-plus");
    await d.waitText("#att-h", (t) => t.includes("(9 present)"));
    await d.click("#save-attendance");
    await d.find("#attendance-saved");
    await d.click("#mark-held");
    await d.waitText("#meeting-status", (t) => t === "Held");
    await shot(d, "co-assessment-meeting");

    // 1: absence of information, an adjustment planned.
    await recordBarrier(
      d,
      { cause: "absence_of_information", stage: "before", raised_by: "carer", effect: "value_diminished", status: "planned" },
      { what_happened: "Carers learnt of the course after it began", adjustment: "Leaflets at the GP surgeries" },
      { shotName: "barrier-form" },
    );
    await d.waitText("#barrier-count", (t) => t === "1");

    // 2: "other" asks for the cause in words; saved without what happened, the fault shows
    // next to its field and nothing is saved.
    await d.click("#record-barrier");
    await d.find("#b-cause-other");
    assert.equal((await d.findAll("#b-cause_other")).length, 0, "cause_other is asked only for cause = other");
    await fillBarrier(d, { cause: "other" }, { cause_other: "No parking at the clinic" });
    await fillBarrier(d, { stage: "during", raised_by: "provider", effect: "none_yet" });
    await d.click("#save-barrier");
    await d.waitText("#fault-what_happened", (t) => t.includes("An answer is needed."));
    assert.equal(await d.exec("return document.querySelector('#b-what_happened').getAttribute('aria-invalid')"), "true");
    assert.equal((await d.findAll(".fault")).length, 1, "only the missing answer is a fault");
    await shot(d, "barrier-faults");
    await d.type("#b-what_happened", "Two carers gave up coming");
    await d.click("#save-barrier");
    await d.find("#record-barrier");
    await d.waitText("#barrier-count", (t) => t === "2");

    // 3: mistakes, found not possible to adjust (settled at once).
    await recordBarrier(
      d,
      { cause: "mistakes", stage: "after", raised_by: "researcher", effect: "irreparable_loss", status: "not_possible" },
      { what_happened: "A quiz was lost before it was saved" },
    );
    await d.waitText("#barrier-count", (t) => t === "3");
    await d.waitText("#unsettled-count", (t) => t === "2");
    const listed = await d.text(".unsettled");
    assert.match(listed, /Absence of information/);
    assert.match(listed, /Raised by\s*Carer/);
    assert.match(listed, /Adjustment\s*Planned/);
    const second = await d.exec("return document.querySelectorAll('.unsettled')[1].textContent");
    assert.match(second, /No parking at the clinic/);
    assert.match(second, /open: nothing decided yet/);
    await shot(d, "co-assessment-barriers", { scrollTo: "#barriers-h" });

    // The first barrier followed up: what it is stays, its adjustment is now done.
    await d.clickEl((await d.findAll(".unsettled .follow-up"))[0]);
    await d.find("#fixed-facts");
    assert.match(await d.text("#fixed-facts"), /Absence of information/);
    assert.equal(await d.exec("return document.querySelector('#b-status-planned').checked"), true, "prefilled from the barrier");
    assert.equal(await d.exec("return document.querySelector('#b-what_happened').value"), "Carers learnt of the course after it began");
    await shot(d, "barrier-follow-up");
    await d.click("#b-status-done");
    await d.type("#b-adjustment", "Leaflets at every GP surgery of the valley");
    await d.click("#save-barrier");
    await d.find("#record-barrier");
    await d.waitText("#barrier-count", (t) => t === "4");
    await d.waitText("#unsettled-count", (t) => t === "1");

    await syncNow(d);
    const co = server.report().co_assessment;
    assert.equal(co.meetings.held, 1);
    assert.deepEqual(co.roles, { carers: 6, provider_staff: 2, researchers: 1 });
    assert.equal(co.total, 3, "three barriers");
    assert.equal(co.follow_ups, 1, "one follow-up");
    const info = co.barriers.find((b) => b.cause === "absence_of_information");
    assert.equal(info.by_status.done, 1, `absence of information: ${JSON.stringify(info)}`);
    assert.equal(info.by_status.planned, 0);
    assert.equal(co.barriers.find((b) => b.cause === "other").by_status.open, 1);
    assert.equal(co.by_raised_by.carer, 1);

    // The Report screen: this tablet's section, and the project's as the server sent it.
    await d.click("#nav-report");
    await d.find("#report-table-co-section");
    await d.find("#project-table-co-section", { timeout: 30000 });
    const totals = await d.text("#project-table-co-totals");
    assert.match(totals, /Barriers logged\s*3/);
    assert.match(totals, /Follow-ups\s*1/);
    // This tablet's table: cause, total, arose before/during/after, open/planned/done/not possible.
    const cells = await d.exec(
      "return [...document.querySelectorAll('#report-table-co-causes .cause-row')].map(r => [...r.cells].map(c => c.textContent.trim()))",
    );
    assert.deepEqual(cells[0], ["Absence of information", "1", "1", "0", "0", "0", "0", "1", "0"]);
    assert.match(await d.text("#report-table-co-signals-note"), /never a verdict/);
    await shot(d, "report-co-assessment", { scrollTo: "#report-table-co-section" });
  } finally {
    await app.stop();
    server.stop();
  }
});

test("every screen passes axe-core's WCAG 2.1 AA rules", () => {
  assert.ok(seen.size >= 19, `screens checked: ${[...seen].join(", ")}`);
  for (const name of ["meeting-no-consent", "roster-consent", "roster-withdraw"]) assert.ok(seen.has(name), `${name} not checked`);
  assert.deepEqual(violations, []);
});
