// What the console's browser tests run against, as scripts/console-web.sh sets it up: a
// real campo-server (its URL and database), the accounts it made, and a chromedriver on a
// loopback port driving Debian's Chromium. The WebDriver client is the end-to-end tests'
// (tests/e2e/webdriver.mjs); only the session differs: Chromium, headless, not the app.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Driver, sleep } from "../e2e/webdriver.mjs";

export const ROOT = resolve(import.meta.dirname, "../..");

function need(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the tests through scripts/console-web.sh`);
  return v;
}

export const URL_BASE = need("CAMPO_CONSOLE_URL").replace(/\/$/, "");
export const WEBDRIVER = need("CAMPO_WEBDRIVER_URL").replace(/\/$/, "");
export const SERVER_BIN = need("CAMPO_SERVER_BIN");
export const DB = need("CAMPO_DB");
export const CHROMIUM = process.env.CAMPO_CHROMIUM ?? "/usr/bin/chromium";
/** {admin, coordinator, psychologist, viewer}: {name, password}, all of project `valle`. */
export const ACCOUNTS = JSON.parse(need("CAMPO_CONSOLE_ACCOUNTS"));
/** The name the scripted tablet was enrolled under. */
export const TABLET = need("CAMPO_CONSOLE_TABLET");
export const AXE = join(ROOT, "ui/node_modules/axe-core/axe.min.js");
export const SHOTS = resolve(process.env.CAMPO_CONSOLE_SCREENSHOTS ?? join(ROOT, "target/console-screenshots"));

/** The two sizes every page is checked and photographed at: a desktop and a tablet upright. */
export const SIZES = [
  { name: "desktop", width: 1440, height: 900 },
  { name: "tablet", width: 768, height: 1024 },
];

/** Runs a campo-server command on the test server's database. */
export function cli(args, input) {
  return execFileSync(SERVER_BIN, [...args, "--db", DB], { encoding: "utf8", input });
}

/** A fresh headless Chromium (its own profile: no cookie of another test), in English. */
export async function openBrowser() {
  const res = await fetch(`${WEBDRIVER}/session`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      capabilities: {
        alwaysMatch: {
          browserName: "chrome",
          "goog:chromeOptions": {
            binary: CHROMIUM,
            args: [
              "--headless=new",
              // Root in a container: Chromium's sandbox needs user namespaces it has not.
              "--no-sandbox",
              "--disable-gpu",
              `--window-size=${SIZES[0].width},${SIZES[0].height}`,
              "--lang=en-US",
              "--no-first-run",
              "--no-default-browser-check",
            ],
            prefs: { "intl.accept_languages": "en-US,en" },
          },
        },
      },
    }),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`no Chromium session: ${res.status} ${JSON.stringify(json.value).slice(0, 400)}`);
  const b = new Browser(WEBDRIVER, json.value.sessionId);
  await b.viewport(SIZES[0]);
  return b;
}

export class Browser extends Driver {
  /** Opens a console path (or a full URL) and waits for the page to be loaded. */
  async open(path) {
    await this.cmd("POST", "/url", { url: path.startsWith("http") ? path : URL_BASE + path });
  }

  async url() {
    return new URL(await this.cmd("GET", "/url"));
  }

  /** The path and query of the page shown. */
  async path() {
    const u = await this.url();
    return u.pathname + u.search;
  }

  /** The HTTP status of the page shown (the navigation's Resource Timing entry). */
  status() {
    return this.exec("return performance.getEntriesByType('navigation')[0].responseStatus");
  }

  /** The texts of every element matching `css`, in document order. */
  texts(css) {
    return this.exec(
      "return [...document.querySelectorAll(arguments[0])].map(e => e.textContent.replace(/\\s+/g, ' ').trim())",
      [css],
    );
  }

  /** A table's body rows as arrays of cell texts (the rows with <td> cells). */
  rows(tableCss) {
    return this.exec(
      "const t = document.querySelector(arguments[0]); if (!t) return null;" +
        "return [...t.querySelectorAll('tr')].filter(r => r.querySelector('td'))" +
        ".map(r => [...r.cells].map(c => c.textContent.replace(/\\s+/g, ' ').trim()));",
      [tableCss],
    );
  }

  /** The report's sections: {heading: [[figure, value, n], ...]}, in page order. */
  async report() {
    // Pairs, not an object: chromedriver hands objects back with their keys sorted.
    const sections = await this.exec(
      "return [...document.querySelectorAll('main section')].filter(s => s.querySelector('h2')).map(s => [" +
        " s.querySelector('h2').textContent.trim()," +
        " [...s.querySelectorAll('tr')].filter(r => r.querySelector('td'))" +
        "  .map(r => [...r.cells].slice(0, 3).map(c => c.textContent.replace(/\\s+/g, ' ').trim()))]);",
    );
    return Object.fromEntries(sections);
  }

  /** Sets a form field's value as a user's typing or picking would leave it. */
  async setField(css, value) {
    await this.find(css);
    await this.exec(
      "const e = document.querySelector(arguments[0]); e.value = arguments[1];" +
        "e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true}));",
      [css, value],
    );
  }

  /** Clicks and waits for the next page to be there (the document is a new one). */
  async clickAndLoad(css) {
    await this.exec("window.__before = true");
    await this.click(css);
    const end = Date.now() + 15000;
    for (;;) {
      const ready = await this.exec("return !window.__before && document.readyState === 'complete'").catch(() => false);
      if (ready) return;
      if (Date.now() > end) throw new Error(`clicking ${css} loaded no new page`);
      await sleep(50);
    }
  }

  /** Signs in through the login form, as a person would; then the console opens `next`. */
  async signIn({ name, password }, next = "/") {
    await this.open(`/login?next=${encodeURIComponent(next)}`);
    await this.type("#name", name);
    await this.type("#password", password);
    await this.clickAndLoad("form.stack button[type=submit]");
  }

  /** The viewport is exactly `width` x `height` CSS pixels (not the window around it). */
  async viewport({ width, height }) {
    await this.setSize(width, height);
    const [iw, ih] = await this.exec("return [window.innerWidth, window.innerHeight]");
    if (iw !== width || ih !== height) await this.setSize(2 * width - iw, 2 * height - ih);
    const got = await this.exec("return [window.innerWidth, window.innerHeight]");
    if (got[0] !== width || got[1] !== height) throw new Error(`viewport ${got} instead of ${width}x${height}`);
  }

  /** The whole page as a PNG, below the fold too (Chromium's DevTools command). */
  async fullScreenshot() {
    const [w, h] = await this.exec(
      "return [document.documentElement.clientWidth, Math.ceil(document.documentElement.scrollHeight)]",
    );
    const shot = await this.cmd("POST", "/goog/cdp/execute", {
      cmd: "Page.captureScreenshot",
      params: { format: "png", captureBeyondViewport: true, clip: { x: 0, y: 0, width: w, height: h, scale: 1 } },
    });
    return Buffer.from(shot.data, "base64");
  }

  /**
   * The page shown at each size: a full-page screenshot saved as `name-size.png` and an
   * axe-core pass (WCAG 2.0 and 2.1, A and AA). Returns the violations found.
   */
  async check(name) {
    mkdirSync(SHOTS, { recursive: true });
    const problems = [];
    for (const s of SIZES) {
      await this.viewport(s);
      writeFileSync(join(SHOTS, `${name}-${s.name}.png`), await this.fullScreenshot());
      for (const v of await this.axe(AXE)) problems.push({ page: name, size: s.name, ...v });
    }
    await this.viewport(SIZES[0]);
    return problems;
  }
}
