// The real parts the end-to-end tests run against: a campo-server on a loopback port and
// tauri-driver (which starts WebKitWebDriver, which starts the app).
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import net from "node:net";
import { Driver, sleep } from "./webdriver.mjs";

export const ROOT = resolve(import.meta.dirname, "../..");
const TARGET = process.env.CARGO_TARGET_DIR ?? join(ROOT, "target");
export const SERVER_BIN = process.env.CAMPO_SERVER_BIN ?? join(TARGET, "debug/campo-server");
export const APP_BIN = process.env.CAMPO_APP_BIN ?? join(TARGET, "debug/campo");
export const AXE = join(ROOT, "ui/node_modules/axe-core/axe.min.js");
export const SHOTS = resolve(process.env.CAMPO_SCREENSHOTS ?? join(ROOT, "target/e2e-screenshots"));

export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A campo-server on a loopback port; `db` and `listen` start it again on an earlier one. */
export async function startServer({ db = join(tempDir("campo-e2e-server-"), "server.db"), listen = "127.0.0.1:0" } = {}) {
  const proc = spawn(SERVER_BIN, ["serve", "--db", db, "--listen", listen], { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise((ok, fail) => {
    let out = "";
    const timer = setTimeout(() => fail(new Error("server did not start: " + out)), 20000);
    proc.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
    proc.on("exit", (c) => fail(new Error(`server exited ${c}: ${out}`)));
  });
  return {
    url,
    db,
    enroll(name) {
      return JSON.parse(execFileSync(SERVER_BIN, ["enroll", "--db", db, "--name", name, "--json"], { encoding: "utf8" })).code;
    },
    report() {
      return JSON.parse(execFileSync(SERVER_BIN, ["report", "--db", db, "--format", "json"], { encoding: "utf8" }));
    },
    /** The server's export as JSON: one file per instrument, read back as parsed rows. */
    exportJson() {
      const out = tempDir("campo-e2e-export-");
      execFileSync(SERVER_BIN, ["export", "--db", db, "--format", "json", "--out", out], { encoding: "utf8" });
      return out;
    },
    /** Runs any campo-server command on this server's database. */
    cli(args, input) {
      return execFileSync(SERVER_BIN, [...args, "--db", db], { encoding: "utf8", input });
    },
    stop() {
      proc.kill("SIGTERM");
      return new Promise((ok) => (proc.exitCode !== null ? ok() : proc.once("exit", ok)));
    },
  };
}

function freePort() {
  return new Promise((ok) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const p = s.address().port;
      s.close(() => ok(p));
    });
  });
}

/**
 * Starts tauri-driver with the app's environment (its own data dir, or `dataDir` to start
 * again on a vault left by an earlier run) and opens a session.
 */
export async function startApp(env = {}, { dataDir = tempDir("campo-e2e-app-") } = {}) {
  const port = await freePort();
  const nativePort = await freePort();
  const driver = spawn("tauri-driver", ["--port", String(port), "--native-port", String(nativePort)], {
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, CAMPO_DATA_DIR: dataDir, ...env },
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      await fetch(base + "/status");
      break;
    } catch {
      if (i > 100) throw new Error("tauri-driver did not start");
      await sleep(100);
    }
  }
  const d = await Driver.start(base, APP_BIN);
  return {
    d,
    dataDir,
    async stop() {
      try {
        await d.quit();
      } finally {
        driver.kill("SIGTERM");
        await new Promise((ok) => (driver.exitCode !== null ? ok() : driver.once("exit", ok)));
        // Ending the session closes the app's window; an app that outlived it would hold
        // this runner's output open, and the whole run would never end.
        killEverythingOf(dataDir);
      }
    },
    /** SIGKILL to the app itself, as a flat battery or the system's task killer would. */
    async kill() {
      // Only this instance's app: the one running APP_BIN with this data directory (never
      // by name, which would also end every other app on the machine).
      killAppOf(dataDir);
      await sleep(500);
      driver.kill("SIGTERM");
      await new Promise((ok) => (driver.exitCode !== null ? ok() : driver.once("exit", ok)));
    },
  };
}

/** Every process started for one app instance (the drivers and the app, which the
 * WebKitWebDriver starts, so it is no child of ours), found by the data directory in its
 * environment, SIGKILLed. */
function killEverythingOf(dataDir) {
  const mark = `CAMPO_DATA_DIR=${dataDir}\0`;
  for (const pid of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      if (Number(pid) !== process.pid && readFileSync(`/proc/${pid}/environ`).includes(mark)) {
        process.kill(Number(pid), "SIGKILL");
      }
    } catch {
      // Gone already, or not ours to read.
    }
  }
}

/** The app process of one instance (APP_BIN, started with `dataDir`), SIGKILLed. */
function killAppOf(dataDir) {
  const mark = `CAMPO_DATA_DIR=${dataDir}\0`;
  const app = realpathSync(APP_BIN);
  let killed = 0;
  for (const pid of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      // A binary rebuilt under a running app reads back as "<path> (deleted)".
      const exe = readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, "");
      if (exe === app && readFileSync(`/proc/${pid}/environ`).includes(mark)) {
        process.kill(Number(pid), "SIGKILL");
        killed++;
      }
    } catch {
      // Gone already, or not ours to read.
    }
  }
  if (killed === 0) throw new Error(`no app running with ${dataDir}`);
}

const SIZES = [
  { name: "tablet", width: 1280, height: 800 },
  { name: "phone", width: 412, height: 915 },
];

/**
 * Screenshots of the current screen at tablet and phone size, and an axe-core pass at
 * each: returns the violations found (empty when the screen passes WCAG 2.1 AA).
 * `scrollTo`: a CSS selector to scroll into view before each screenshot.
 */
export async function capture(d, name, { scrollTo = null } = {}) {
  mkdirSync(SHOTS, { recursive: true });
  const problems = [];
  for (const s of SIZES) {
    await d.setSize(s.width, s.height);
    await sleep(250);
    // A part further down a long screen: brought into view at each size, as a person would.
    if (scrollTo) await d.exec("document.querySelector(arguments[0]).scrollIntoView()", [scrollTo]);
    writeFileSync(join(SHOTS, `${name}-${s.name}.png`), await d.screenshot());
    for (const v of await d.axe(AXE)) problems.push({ screen: name, size: s.name, ...v });
  }
  await d.setSize(1280, 800);
  return problems;
}
