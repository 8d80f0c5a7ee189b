// Drives Debian's Chromium against a running `soundmind web` for crates/soundmind/tests/web.rs.
//
// Usage: node drive.cjs SCENARIO OPENING_URL ARTEFACTS_DIR [ARG]
//   voice    ARG = {"wav": FILE, "seconds": N}  the fake microphone plays FILE; record N s, stop, wait for the answer
//   typed    ARG = the answer to type
//   reload   ARG = {"wav": FILE, "seconds": N}  record N s, then reload the page in the middle of the take
//   tabs     (none)                             a second tab on the same session only watches
//   setup    ARG = {"sessionsDir", "model"}     first run: setup, then a model download that fails and is retried
//   search   ARG = the word to search for
//   settings ARG = a country code to save       the settings form, saved as a person does it
//   security (none)                             a page on another port tries to post; raw requests without cookie,
//                                               with a foreign Host, without the CSRF token
// Prints ONE line of JSON with what it saw (the Rust test asserts on it and on the files on disk); screenshots go
// to ARTEFACTS_DIR/<scenario>*.png. Needs NODE_PATH to hold playwright-core (scripts/lib.sh installs it).
"use strict";
const http = require("http");
const path = require("path");
const { chromium } = require("playwright-core");

const [scenario, openingUrl, artefacts, arg] = process.argv.slice(2);
const origin = new URL(openingUrl).origin;
const json = (text) => JSON.parse(text || "{}");

async function launch(fakeMic) {
  const args = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required",
  ];
  if (fakeMic) {
    args.push("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
      `--use-file-for-fake-audio-capture=${fakeMic}`);
  }
  // playwright-core gives every launch (and every context) a fresh, empty profile directory.
  return chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", headless: true, args });
}

// Every POST a page of ours sends, with the Origin header Chromium gave it and the server's status (or why none).
const posts = [];
function recordPosts(page) {
  const entries = new Map();
  page.on("request", (r) => {
    if (r.method() !== "POST" || !r.url().startsWith(origin)) return;
    const entry = { url: r.url().slice(origin.length), origin: null, status: null };
    entries.set(r, entry);
    posts.push(entry);
    r.allHeaders().then((h) => { entry.origin = h["origin"] ?? null; }).catch(() => {});
  });
  page.on("response", (r) => { const entry = entries.get(r.request()); if (entry) entry.status = r.status(); });
  page.on("requestfailed", (r) => { const entry = entries.get(r); if (entry) entry.failure = r.failure()?.errorText ?? "failed"; });
}

// The outcome of the next POST to `pathname` from `page`: the server's status, or why there was none.
function nextPost(page, pathname) {
  return new Promise((resolve) => {
    const mine = (r) => r.method() === "POST" && new URL(r.url()).pathname === pathname;
    page.on("response", (r) => { if (mine(r.request())) resolve({ status: r.status() }); });
    page.on("requestfailed", (r) => { if (mine(r)) resolve({ status: null, failure: r.failure()?.errorText ?? "failed" }); });
  });
}

const shot = (page, name) => page.screenshot({ path: path.join(artefacts, `${name}.png`), fullPage: true });
const journalState = (page) => page.locator("#journal").getAttribute("data-state");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Keeps every data-state the journal passes through (the page's own record, survives nothing but this load).
async function watchStates(page) {
  await page.evaluate(() => {
    const root = document.querySelector("#journal");
    window.__states = [root.dataset.state];
    new MutationObserver(() => {
      const last = window.__states[window.__states.length - 1];
      if (root.dataset.state !== last) window.__states.push(root.dataset.state);
    }).observe(root, { attributes: true, attributeFilter: ["data-state"] });
  });
}

// Waits until the journal, having passed through "thinking", is "ready" again with a question shown.
async function nextQuestion(page) {
  await page.waitForFunction(() => {
    const states = window.__states;
    const thinking = states.lastIndexOf("thinking");
    return thinking >= 0 && states.lastIndexOf("ready") > thinking &&
      document.querySelector("#journal").dataset.state === "ready" &&
      document.querySelector("#question").textContent.trim() !== "";
  }, null, { timeout: 180000 });
}

// Opens the journal through the one-time address (cookie, 303s) and waits until a question can be answered.
async function openJournal(context) {
  const page = await context.newPage();
  page.on("response", (r) => { if (r.status() >= 400) console.error(`[page] ${r.status()} ${r.request().method()} ${r.url()}`); });
  await page.goto(openingUrl);
  await page.waitForSelector('#journal[data-state="ready"]', { timeout: 60000 });
  return page;
}

async function history(page) {
  return page.locator("#history li.exchange").evaluateAll((items) => items.map((li) => ({
    question: li.querySelector(".question")?.textContent.trim() ?? null,
    answer: li.querySelector(".answer")?.textContent.trim() ?? null,
    pending: li.querySelector(".answer")?.classList.contains("pending") ?? false,
  })));
}

// Page load of /journal from a warm server, as the browser's navigation timing reports it (ms from startTime).
async function measureLoad(page) {
  const runs = [];
  for (let i = 0; i < 5; i++) {
    await page.reload();
    await page.waitForSelector('#journal[data-state="ready"]', { timeout: 60000 });
    runs.push(await page.evaluate(() => {
      const nav = performance.getEntriesByType("navigation")[0];
      return {
        responseEnd: nav.responseEnd - nav.startTime,
        domContentLoaded: nav.domContentLoadedEventEnd - nav.startTime,
        load: nav.loadEventEnd - nav.startTime,
      };
    }));
  }
  const median = (key) => runs.map((r) => r[key]).sort((a, b) => a - b)[Math.floor(runs.length / 2)];
  return { runs, median: { responseEnd: median("responseEnd"), domContentLoaded: median("domContentLoaded"), load: median("load") } };
}

// a. A spoken answer: the fake microphone plays the WAV while recording; then the transcript and a new question.
async function voice(browser) {
  const { seconds } = json(arg);
  const context = await browser.newContext();
  const page = await openJournal(context);
  const load = await measureLoad(page);
  await watchStates(page);
  const firstQuestion = (await page.locator("#question").textContent()).trim();
  const started = Date.now();
  await page.click("#record");
  await page.waitForSelector('#journal[data-state="recording"]', { timeout: 30000 });
  await page.waitForTimeout(seconds * 1000);
  const meter = await page.locator("#meter-bar").evaluate((el) => el.style.width);
  const timer = (await page.locator("#timer").textContent()).trim();
  await shot(page, "voice-recording");
  await page.click("#stop");
  const stopped = Date.now();
  await page.waitForFunction(() => document.querySelectorAll("#history .answer").length > 0, null, { timeout: 180000 });
  const answered = Date.now();
  await nextQuestion(page);
  const asked = Date.now();
  const seen = {
    load, firstQuestion, meter, timer,
    states: await page.evaluate(() => window.__states),
    history: await history(page),
    question: (await page.locator("#question").textContent()).trim(),
    ms: { recording: stopped - started, transcript: answered - stopped, question: asked - answered },
  };
  await shot(page, "voice");
  // The same session after a reload, rendered by the server from the file.
  await page.reload();
  await page.waitForSelector('#journal[data-state="ready"]', { timeout: 60000 });
  seen.historyAfterReload = await history(page);
  await context.close();
  return seen;
}

// b. A typed answer.
async function typed(browser) {
  const context = await browser.newContext();
  const page = await openJournal(context);
  await watchStates(page);
  const firstQuestion = (await page.locator("#question").textContent()).trim();
  await page.fill("#typed", arg);
  await page.click("#send");
  await page.waitForFunction(() => document.querySelectorAll("#history .answer").length > 0, null, { timeout: 60000 });
  await nextQuestion(page);
  const seen = {
    firstQuestion,
    states: await page.evaluate(() => window.__states),
    history: await history(page),
    question: (await page.locator("#question").textContent()).trim(),
    typedLeft: await page.inputValue("#typed"),
  };
  await shot(page, "typed");
  await context.close();
  return seen;
}

// c. A reload in the middle of a take: what the server received is kept (and transcribed, or marked pending).
async function reload(browser) {
  const { seconds } = json(arg);
  const context = await browser.newContext();
  const page = await openJournal(context);
  const firstQuestion = (await page.locator("#question").textContent()).trim();
  await page.click("#record");
  await page.waitForSelector('#journal[data-state="recording"]', { timeout: 30000 });
  await page.waitForTimeout(seconds * 1000);
  const timerBefore = (await page.locator("#timer").textContent()).trim();
  await page.reload();
  const stateAfterReload = await journalState(page);
  const historyAfterReload = await history(page);
  await shot(page, "reload-right-after");
  // The take ends with the connection; the server transcribes it and asks the next question.
  let settled = true;
  try {
    await page.waitForFunction(
      () => document.querySelector("#journal").dataset.state === "ready" &&
        document.querySelectorAll("#history li.exchange").length > 0,
      null, { timeout: 180000 });
  } catch (e) {
    settled = false;
  }
  const seen = {
    firstQuestion, timerBefore, stateAfterReload, historyAfterReload, settled,
    stateLive: await journalState(page),
    busy: await page.locator("#busy").isVisible(),
    historyLive: await history(page),
    question: (await page.locator("#question").textContent()).trim(),
  };
  await shot(page, "reload");
  // And once more from the server's rendering of the file.
  await page.reload();
  await page.waitForTimeout(1000);
  seen.historyRendered = await history(page);
  seen.stateRendered = await journalState(page);
  await shot(page, "reload-rendered");
  await context.close();
  return seen;
}

// d. A second tab on the same session only watches.
async function tabs(browser) {
  const context = await browser.newContext();
  const page = await openJournal(context);
  const second = await context.newPage();
  await second.goto(`${origin}/journal`);
  let busyShown = true;
  try {
    await second.waitForSelector("#busy:not([hidden])", { timeout: 15000 });
  } catch (e) {
    busyShown = false;
  }
  const seen = {
    busyShown,
    busy: (await second.locator("#busy").textContent()).trim(),
    secondRecordEnabled: await second.locator("#record").isEnabled(),
    firstBusyShown: await page.locator("#busy").isVisible(),
    firstRecordEnabled: await page.locator("#record").isEnabled(),
  };
  await shot(second, "tabs-second");
  await shot(page, "tabs-first");
  await context.close();
  return seen;
}

// e. First run: setup (private, a folder), then the model download from a loopback mirror that fails, and Retry.
async function setup(browser) {
  const { sessionsDir, model } = json(arg);
  const context = await browser.newContext();
  const page = await context.newPage();
  recordPosts(page);
  await page.goto(openingUrl);
  await page.waitForURL(/\/setup$/, { timeout: 30000 });
  const setupUrl = page.url();
  await page.check("#mode-private");
  await page.fill("#sessions_dir", sessionsDir);
  await shot(page, "setup");
  const [answer] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/setup", { timeout: 30000 }),
    page.click("#continue"),
  ]);
  const setupStatus = answer.status();
  let setupRefused = null;
  if (setupStatus === 303) {
    await page.waitForURL(/\/models\?setup=true$/, { timeout: 30000 });
  } else {
    // Reported (the test fails on it), then the download part is still tried from the models page.
    await page.waitForLoadState("load");
    setupRefused = (await page.evaluate(() => document.body.innerText)).slice(0, 300);
    await shot(page, "setup-refused");
    await page.goto(`${origin}/models?setup=true`);
  }
  const modelsUrl = page.url();
  const row = () => page.locator(`tr.model[data-name="${model}"]`);
  const seen = { setupUrl, setupStatus, setupRefused, modelsUrl, posts };
  seen.statusBefore = (await row().locator(".model-status").textContent()).trim();
  let started = nextPost(page, `/models/${model}/download`);
  await row().locator("button.download").click();
  seen.downloadStart = await started;
  if (seen.downloadStart.status !== 202) {
    await page.waitForTimeout(1000);
    await shot(page, "setup-download-not-started");
    seen.statusAfterClick = (await row().locator(".model-status").textContent()).trim();
    await context.close();
    return seen;
  }
  await row().locator(".model-status", { hasText: "failed" }).waitFor({ timeout: 120000 });
  seen.failed = (await row().locator(".model-status").textContent()).trim();
  seen.retryLabel = (await row().locator("button.download").textContent()).trim();
  await shot(page, "setup-download-failed");
  started = nextPost(page, `/models/${model}/download`);
  await row().locator("button.download").click();
  seen.retryStart = await started;
  // The page reloads itself when the download is done; the server then renders the row as installed.
  await page.waitForFunction(
    (name) => document.querySelector(`tr.model[data-name="${name}"] .model-status`)?.textContent.trim() === "installed",
    model, { timeout: 120000 });
  seen.installed = (await row().locator(".model-status").textContent()).trim();
  await shot(page, "setup-download-installed");
  if (setupStatus === 303) {
    await page.goto(`${origin}/journal`);
    await page.waitForSelector('#journal[data-state="ready"], #journal[data-state="error"]', { timeout: 60000 });
    seen.journalState = await journalState(page);
    await shot(page, "setup-journal");
  }
  await context.close();
  return seen;
}

// h. Saving the settings form (a plain HTML form POST, as a person does it).
async function settings(browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  recordPosts(page);
  await page.goto(openingUrl);
  await page.goto(`${origin}/settings`);
  await page.fill("#country", arg);
  const [answer] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/settings", { timeout: 30000 }),
    page.click("#save"),
  ]);
  await page.waitForLoadState("load");
  const seen = {
    status: answer.status(),
    url: page.url(),
    saved: await page.locator("#saved").isVisible().catch(() => false),
    text: (await page.evaluate(() => document.body.innerText)).slice(0, 300),
    posts,
  };
  await shot(page, "settings-saved");
  await context.close();
  return seen;
}

// f. Search finds a word from one session and links to it.
async function search(browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(openingUrl);
  await page.goto(`${origin}/sessions`);
  const listed = await page.locator("#sessions li.session a").count();
  await page.fill("#q", arg);
  await page.click('#search-form button[type="submit"]');
  await page.waitForSelector("#hit-count");
  const hits = await page.locator("#hits li.hit a").evaluateAll((links) => links.map((a) => ({
    text: a.textContent.trim(), href: a.getAttribute("href"),
  })));
  await shot(page, "search");
  let opened = null;
  if (hits.length > 0) {
    await page.locator("#hits li.hit a").first().click();
    await page.waitForURL(/\/sessions\/[^/?]+$/);
    opened = { path: new URL(page.url()).pathname, history: await page.locator("#history").textContent() };
    await shot(page, "search-opened");
  }
  await context.close();
  return { listed, url: page.url(), hits, opened };
}

// A raw HTTP request from node (not the browser): the status and the body's start. A server that answers before
// reading the body may close the connection while it is still being written: the answer counts, not the EPIPE.
function request(method, url, headers, body) {
  return new Promise((resolve) => {
    const u = new URL(url);
    let answered = false;
    if (body !== undefined) headers = { ...headers, expect: "100-continue", "content-length": Buffer.byteLength(body) };
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers }, (res) => {
      answered = true;
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c) => { text += c; });
      res.on("end", () => resolve({ status: res.statusCode, body: text.slice(0, 200) }));
      res.on("error", () => resolve({ status: res.statusCode, body: text.slice(0, 200) }));
    });
    // A WebSocket handshake that succeeds is answered with 101 here, not with a response.
    req.on("upgrade", (res, socket) => { answered = true; socket.destroy(); resolve({ status: res.statusCode, body: "" }); });
    req.on("error", (e) => setTimeout(() => { if (!answered) resolve({ status: null, error: e.code || e.message }); }, 1000));
    if (body === undefined) {
      req.end();
    } else {
      // The body only goes once the server asks for it (100-continue), so a refusal is read, not cut off.
      req.on("continue", () => req.end(body));
    }
  });
}

// One second of a 440 Hz tone as a 16 kHz mono 16-bit WAV: real audio, so an upload that got through would be
// decoded and recorded as a take (and seen by the journal page and on disk).
function toneWav() {
  const rate = 16000, samples = rate;
  const buf = Buffer.alloc(44 + samples * 2);
  buf.write("RIFF", 0, "latin1"); buf.writeUInt32LE(36 + samples * 2, 4); buf.write("WAVEfmt ", 8, "latin1");
  buf.writeUInt32LE(16, 16); buf.writeUInt16LE(1, 20); buf.writeUInt16LE(1, 22); buf.writeUInt32LE(rate, 24);
  buf.writeUInt32LE(rate * 2, 28); buf.writeUInt16LE(2, 32); buf.writeUInt16LE(16, 34);
  buf.write("data", 36, "latin1"); buf.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) buf.writeInt16LE(Math.round(8000 * Math.sin(2 * Math.PI * 440 * i / rate)), 44 + i * 2);
  return buf;
}

// g. A page on another loopback port (same site, other origin) tries to change the settings and to upload, with
// the Soundmind cookie in the same browser; then raw requests that lack one piece each.
async function security(browser) {
  const context = await browser.newContext();
  const page = await openJournal(context);
  await watchStates(page);
  const csrf = await page.locator('meta[name="csrf-token"]').getAttribute("content");
  const cookies = await context.cookies(origin);
  const cookie = cookies.map((c) => `${c.name}=${c.value}`).join("; ");
  const wav = toneWav();

  const evilRequests = [];
  const evil = http.createServer((req, res) => {
    evilRequests.push(`${req.method} ${req.url}`);
    if (req.url === "/report") {
      let body = "";
      req.on("data", (c) => { body += c; });
      req.on("end", () => { evil.report = JSON.parse(body); res.end("ok"); });
      return;
    }
    if (req.url === "/tone.wav") {
      res.setHeader("content-type", "audio/wav");
      res.end(wav);
      return;
    }
    res.setHeader("content-type", "text/html");
    res.end(`<!doctype html><html><body><h1>Totally harmless page</h1>
      <iframe name="sink" style="width:800px;height:300px"></iframe>
      <form id="f" method="post" action="${origin}/settings" target="sink">
        <input name="sessions_dir" value="/tmp/stolen"><input name="language" value="en">
        <input name="llm_model" value="openai:evil"><input name="stt_backend" value="cloud-openai">
        <input name="stt_model" value="default"><input name="openai_base_url" value="http://evil.example/v1">
        <input name="anthropic_base_url" value="http://evil.example"><input name="ollama_base_url" value="http://evil.example">
        <input name="csrf" value="guess">
      </form>
      <script>
        (async () => {
          const report = {};
          const wav = await (await fetch("/tone.wav")).arrayBuffer();
          const form = "sessions_dir=%2Ftmp%2Fstolen&language=en&csrf=guess";
          const formType = { "content-type": "application/x-www-form-urlencoded" };
          for (const [name, url, init] of [
            ["settings-nocors", "${origin}/settings", { method: "POST", mode: "no-cors", body: form, headers: formType, credentials: "include" }],
            ["settings-cors-simple", "${origin}/settings", { method: "POST", body: form, headers: formType, credentials: "include" }],
            ["settings-cors-preflight", "${origin}/settings", { method: "POST", body: form, headers: { ...formType, "x-csrf-token": "guess" }, credentials: "include" }],
            ["upload-nocors", "${origin}/journal/upload", { method: "POST", mode: "no-cors", body: wav, headers: { "content-type": "text/plain" }, credentials: "include" }],
            ["upload-cors-simple", "${origin}/journal/upload", { method: "POST", body: wav, headers: { "content-type": "text/plain" }, credentials: "include" }],
            ["upload-cors-preflight", "${origin}/journal/upload", { method: "POST", body: wav, headers: { "content-type": "audio/wav", "x-csrf-token": "guess" }, credentials: "include" }],
            ["read-journal", "${origin}/journal", { credentials: "include" }],
          ]) {
            try { const r = await fetch(url, init); report[name] = "status " + r.status + " type " + r.type; }
            catch (e) { report[name] = "blocked: " + e.message; }
          }
          document.getElementById("f").submit();
          await new Promise((r) => setTimeout(r, 2000));
          let frame;
          try { frame = "readable: " + window.frames.sink.document.body.innerText.slice(0, 80); }
          catch (e) { frame = "unreadable: " + e.name; }
          report["form-frame"] = frame;
          await fetch("/report", { method: "POST", body: JSON.stringify(report) });
        })();
      </script></body></html>`);
  });
  await new Promise((r) => evil.listen(0, "127.0.0.1", r));
  const evilOrigin = `http://127.0.0.1:${evil.address().port}`;
  const evilPage = await context.newPage();
  // What the browser's network stack saw of the evil page's requests to Soundmind (DevTools protocol): the status
  // the server answered with, even where the page was not allowed to read it, and why the page got nothing.
  const network = new Map();
  const cdp = await context.newCDPSession(evilPage);
  await cdp.send("Network.enable");
  const entry = (id) => network.get(id) || network.set(id, {}).get(id);
  cdp.on("Network.requestWillBeSent", (e) => {
    if (e.request.url.startsWith(origin)) Object.assign(entry(e.requestId), { method: e.request.method, url: e.request.url.slice(origin.length) });
  });
  cdp.on("Network.responseReceivedExtraInfo", (e) => { entry(e.requestId).status = e.statusCode; });
  cdp.on("Network.responseReceived", (e) => { entry(e.requestId).status = e.response.status; });
  cdp.on("Network.loadingFailed", (e) => {
    entry(e.requestId).failure = [e.errorText, e.blockedReason, e.corsErrorStatus?.corsError].filter(Boolean).join(" ");
  });
  await evilPage.goto(`${evilOrigin}/`);
  const deadline = Date.now() + 20000;
  while (!evil.report && Date.now() < deadline) await sleep(100);
  await shot(evilPage, "security-evil-page");
  evil.close();

  const u = new URL(origin);
  const ours = { host: u.host, cookie };
  const form = "sessions_dir=%2Ftmp%2Fstolen&language=en";
  const formType = "application/x-www-form-urlencoded";
  const raw = {
    // Controls: the same requests with every piece in place get through to the handlers.
    getWithCookie: await request("GET", `${origin}/journal`, ours),
    uploadNotAudioWithEverything: await request("POST", `${origin}/journal/upload`,
      { ...ours, origin, "x-csrf-token": csrf, "content-type": "text/plain" }, "just some text, not audio"),
    // One piece missing each.
    getWithoutCookie: await request("GET", `${origin}/journal`, { host: u.host }),
    postWithoutCookie: await request("POST", `${origin}/settings`,
      { host: u.host, origin, "content-type": formType }, `${form}&csrf=${csrf}`),
    foreignHost: await request("GET", `${origin}/journal`, { ...ours, host: `evil.example:${u.port}` }),
    foreignHostPost: await request("POST", `${origin}/settings`,
      { ...ours, host: `evil.example:${u.port}`, origin: `http://evil.example:${u.port}`, "content-type": formType }, `${form}&csrf=${csrf}`),
    settingsWithoutCsrf: await request("POST", `${origin}/settings`, { ...ours, origin, "content-type": formType }, form),
    settingsWrongCsrf: await request("POST", `${origin}/settings`, { ...ours, origin, "content-type": formType }, `${form}&csrf=guess`),
    settingsForeignOrigin: await request("POST", `${origin}/settings`,
      { ...ours, origin: evilOrigin, "content-type": formType }, `${form}&csrf=${csrf}`),
    settingsNoOrigin: await request("POST", `${origin}/settings`, { ...ours, "content-type": formType }, `${form}&csrf=${csrf}`),
    uploadWithoutCsrf: await request("POST", `${origin}/journal/upload`, { ...ours, origin, "content-type": "audio/wav" }, wav),
    uploadForeignOrigin: await request("POST", `${origin}/journal/upload`,
      { ...ours, origin: evilOrigin, "x-csrf-token": csrf, "content-type": "audio/wav" }, wav),
    websocketForeignOrigin: await request("GET", `${origin}/journal/ws`, {
      ...ours, origin: evilOrigin, connection: "Upgrade", upgrade: "websocket",
      "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
    }),
  };
  // Give a take that got through time to show on the journal page.
  await sleep(1500);
  const journalStates = await page.evaluate(() => window.__states);
  const journalMessages = await page.locator("#messages li").allTextContents();
  await shot(page, "security-journal");
  await context.close();
  return {
    probes: evil.report || null,
    evilRequests,
    network: [...network.values()].filter((n) => n.url !== undefined),
    raw,
    journalStates,
    journalMessages,
    cookieHttpOnly: cookies.length > 0 && cookies.every((c) => c.httpOnly),
    cookieSameSite: cookies.map((c) => c.sameSite),
  };
}

const scenarios = { voice, typed, reload, tabs, setup, search, security, settings };

(async () => {
  const run = scenarios[scenario];
  if (!run) throw new Error(`unknown scenario ${scenario}`);
  const fakeMic = scenario === "voice" || scenario === "reload" ? json(arg).wav : null;
  const browser = await launch(fakeMic);
  try {
    const result = await run(browser);
    process.stdout.write(JSON.stringify(result) + "\n");
  } catch (e) {
    // What every open page looked like when the scenario failed: a screenshot, the address and the start of its text.
    let n = 0;
    for (const context of browser.contexts()) {
      for (const page of context.pages()) {
        n += 1;
        const name = `${scenario}-failure-${n}`;
        await shot(page, name).catch(() => {});
        const text = await page.evaluate(() => document.body?.innerText ?? "").catch(() => "");
        console.error(`[failure] page ${n} at ${page.url()} (${name}.png):\n${text.slice(0, 1500)}`);
      }
    }
    if (posts.length > 0) console.error(`[failure] POSTs sent: ${JSON.stringify(posts)}`);
    throw e;
  } finally {
    await browser.close();
  }
})().catch((e) => { console.error(e); process.exit(1); });
