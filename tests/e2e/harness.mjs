// The real parts the end-to-end tests run against: a campo-server on a loopback port and
// tauri-driver (which starts WebKitWebDriver, which starts the app).
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
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

export async function startServer() {
  const dir = tempDir("campo-e2e-server-");
  const db = join(dir, "server.db");
  const proc = spawn(SERVER_BIN, ["serve", "--db", db, "--listen", "127.0.0.1:0"], { stdio: ["ignore", "pipe", "inherit"] });
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
    stop() {
      proc.kill("SIGTERM");
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

/** Starts tauri-driver with the app's environment (its own data dir) and opens a session. */
export async function startApp(env = {}) {
  const port = await freePort();
  const nativePort = await freePort();
  const dataDir = tempDir("campo-e2e-app-");
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
      await d.quit();
      driver.kill("SIGTERM");
    },
  };
}

const SIZES = [
  { name: "tablet", width: 1280, height: 800 },
  { name: "phone", width: 412, height: 915 },
];

/**
 * Screenshots of the current screen at tablet and phone size, and an axe-core pass at
 * each: returns the violations found (empty when the screen passes WCAG 2.1 AA).
 */
export async function capture(d, name) {
  mkdirSync(SHOTS, { recursive: true });
  const problems = [];
  for (const s of SIZES) {
    await d.setSize(s.width, s.height);
    await sleep(250);
    writeFileSync(join(SHOTS, `${name}-${s.name}.png`), await d.screenshot());
    for (const v of await d.axe(AXE)) problems.push({ screen: name, size: s.name, ...v });
  }
  await d.setSize(1280, 800);
  return problems;
}
