// A small W3C WebDriver client over fetch: enough to drive the app through tauri-driver
// without pulling a browser-automation framework into the project.
import { readFileSync } from "node:fs";

const ELEMENT = "element-6066-11e4-a6e5-4a2ab5d94ad1";

export class Driver {
  constructor(base, session) {
    this.base = base;
    this.session = session;
  }

  static async start(base, application) {
    const res = await call(base, "POST", "/session", {
      capabilities: { alwaysMatch: { browserName: "wry", "tauri:options": { application } } },
    });
    return new Driver(base, res.sessionId);
  }

  cmd(method, path, body) {
    return call(this.base, method, `/session/${this.session}${path}`, body);
  }

  async quit() {
    await this.cmd("DELETE", "").catch(() => {});
  }

  async find(css, { timeout = 15000 } = {}) {
    const end = Date.now() + timeout;
    for (;;) {
      try {
        const el = await this.cmd("POST", "/element", { using: "css selector", value: css });
        return el[ELEMENT] ?? Object.values(el)[0];
      } catch (e) {
        if (Date.now() > end) throw new Error(`no element ${css}: ${e.message}`);
        await sleep(100);
      }
    }
  }

  async findAll(css) {
    const els = await this.cmd("POST", "/elements", { using: "css selector", value: css });
    return els.map((e) => e[ELEMENT] ?? Object.values(e)[0]);
  }

  async click(css) {
    const id = await this.find(css);
    await this.cmd("POST", `/element/${id}/click`, {});
  }

  async clickEl(id) {
    await this.cmd("POST", `/element/${id}/click`, {});
  }

  async type(css, text) {
    const id = await this.find(css);
    await this.cmd("POST", `/element/${id}/clear`, {}).catch(() => {});
    await this.cmd("POST", `/element/${id}/value`, { text });
  }

  /** Waits until the element is enabled (a button waiting on an asynchronous check). */
  async waitEnabled(css, { timeout = 10000 } = {}) {
    const end = Date.now() + timeout;
    for (;;) {
      const id = await this.find(css);
      if (await this.cmd("GET", `/element/${id}/enabled`)) return;
      if (Date.now() > end) throw new Error(`${css} stayed disabled`);
      await sleep(100);
    }
  }

  /** Puts a file's path in a file input, as choosing it in the dialog would. */
  async sendFile(css, path) {
    const id = await this.find(css);
    await this.cmd("POST", `/element/${id}/value`, { text: path });
  }

  async text(css) {
    const id = await this.find(css);
    return this.cmd("GET", `/element/${id}/text`);
  }

  async waitText(css, predicate, { timeout = 20000 } = {}) {
    const end = Date.now() + timeout;
    let last = "";
    for (;;) {
      try {
        last = await this.text(css);
        if (predicate(last)) return last;
      } catch {}
      if (Date.now() > end) throw new Error(`${css} never matched; last text: ${JSON.stringify(last)}`);
      await sleep(150);
    }
  }

  exec(script, args = []) {
    return this.cmd("POST", "/execute/sync", { script, args });
  }

  execAsync(script, args = []) {
    return this.cmd("POST", "/execute/async", { script, args });
  }

  /** Sets a <select>'s value the way a tap on an option would. */
  async select(css, value) {
    await this.find(css);
    await this.exec(
      "const s = document.querySelector(arguments[0]); s.value = arguments[1]; s.dispatchEvent(new Event('change', {bubbles: true}));",
      [css, value],
    );
  }

  async setSize(width, height) {
    await this.cmd("POST", "/window/rect", { width, height, x: 0, y: 0 });
  }

  async screenshot() {
    return Buffer.from(await this.cmd("GET", "/screenshot"), "base64");
  }

  /** Runs axe-core on the page; returns the WCAG 2.1 A/AA violations. */
  async axe(axePath) {
    const loaded = await this.exec("return typeof window.axe !== 'undefined'");
    if (!loaded) await this.exec(readFileSync(axePath, "utf8") + "\nreturn true;");
    return this.execAsync(
      "const done = arguments[arguments.length - 1];" +
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a','wcag2aa','wcag21a','wcag21aa']}})" +
        ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))))" +
        ".catch(e => done([{id: 'axe-error', help: String(e)}]));",
    );
  }

  /** Calls one of the app's commands directly (Tauri's IPC bridge is always present). */
  invoke(command, args = {}) {
    return this.execAsync(
      "const done = arguments[arguments.length - 1];" +
        "window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1]).then(v => done({ok: v}), e => done({err: e}));",
      [command, args],
    );
  }
}

async function call(base, method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json.value ?? json).slice(0, 300)}`);
  return json.value;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
