// Drives Debian's Chromium against a running `soundmind web` for crates/soundmind/tests/web.rs.
// Usage: node drive.cjs voice|typed-and-probes|search OPENING_URL ARTEFACTS_DIR [EXTRA]
// EXTRA: the WAV the fake microphone plays (voice), or the word to search for (search).
// Prints one line of JSON with what it saw; the Rust test asserts on it and on the files on disk.
"use strict";
const http = require("http");
const path = require("path");
const { chromium } = require("playwright-core");

const [scenario, openingUrl, artefacts, extra] = process.argv.slice(2);
const origin = new URL(openingUrl).origin;

async function launch() {
  const args = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required",
  ];
  if (scenario === "voice") {
    args.push("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
      `--use-file-for-fake-audio-capture=${extra}`);
  }
  return chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", headless: true, args });
}

const shot = (page, name) => page.screenshot({ path: path.join(artefacts, `${name}.png`), fullPage: true });
const state = (page) => page.locator("#journal").getAttribute("data-state");

// A full spoken session: the fake microphone plays the WAV while recording; then the answer and a new question.
async function voice(browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(openingUrl);
  await page.waitForSelector('#journal[data-state="ready"]', { timeout: 30000 });
  // Page load from the warm server, as the browser measures it.
  await page.reload();
  await page.waitForSelector('#journal[data-state="ready"]', { timeout: 30000 });
  const load = await page.evaluate(() => {
    const nav = performance.getEntriesByType("navigation")[0];
    return { responseEnd: nav.responseEnd, domContentLoaded: nav.domContentLoadedEventEnd, load: nav.loadEventEnd };
  });
  const firstQuestion = await page.locator("#question").textContent();
  await page.click("#record");
  await page.waitForSelector('#journal[data-state="recording"]');
  await page.waitForTimeout(7000);
  const meter = await page.locator("#meter-bar").evaluate((el) => el.style.width);
  const timer = await page.locator("#timer").textContent();
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.querySelectorAll("#history .answer").length > 0, null, { timeout: 60000 });
  await page.waitForFunction(
    (first) => document.querySelector("#journal").dataset.state === "ready" &&
      document.querySelector("#question").textContent.trim() !== first.trim(),
    firstQuestion, { timeout: 120000 });
  const answer = await page.locator("#history .answer").first().textContent();
  const question = await page.locator("#question").textContent();
  await shot(page, "journal-voice");
  // The same session after a reload, rendered by the server from the file.
  await page.reload();
  const afterReload = await page.locator("#history .answer").count();
  await context.close();
  return { load, firstQuestion, meter, timer, answer, question, afterReload };
}

// A typed answer, then a second tab on the same session, then a page from another site trying to change things.
async function typedAndProbes(browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(openingUrl);
  await page.waitForSelector('#journal[data-state="ready"]', { timeout: 30000 });
  await page.fill("#typed", "I finally called my sister and we laughed about the old garden.");
  await page.click("#send");
  await page.waitForFunction(() => document.querySelectorAll("#history .answer").length > 0, null, { timeout: 60000 });
  await page.waitForSelector('#journal[data-state="ready"]', { timeout: 120000 });
  const typed = await page.locator("#history .answer").first().textContent();

  const second = await context.newPage();
  await second.goto(`${origin}/journal`);
  await second.waitForSelector("#busy:not([hidden])", { timeout: 10000 });
  const busy = await second.locator("#busy").textContent();
  await shot(second, "journal-second-tab");
  await second.close();

  // The evil page lives on another loopback port and is loaded in the same browser, with our cookie present.
  const hits = [];
  const evil = http.createServer((req, res) => {
    hits.push(req.url);
    if (req.url === "/report") {
      let body = "";
      req.on("data", (c) => { body += c; });
      req.on("end", () => { evil.report = JSON.parse(body); res.end("ok"); });
      return;
    }
    res.setHeader("content-type", "text/html");
    res.end(`<!doctype html><html><body>
      <iframe name="sink" style="width:600px;height:200px"></iframe>
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
          for (const [name, url, init] of [
            ["settings-nocors", "${origin}/settings", { method: "POST", mode: "no-cors", body: "sessions_dir=/tmp/stolen", headers: { "content-type": "application/x-www-form-urlencoded" }, credentials: "include" }],
            ["settings-cors", "${origin}/settings", { method: "POST", body: "sessions_dir=/tmp/stolen", credentials: "include" }],
            ["upload-nocors", "${origin}/journal/upload", { method: "POST", mode: "no-cors", body: "RIFF....WAVEfmt ", credentials: "include" }],
            ["read-journal", "${origin}/journal", { credentials: "include" }],
          ]) {
            try { const r = await fetch(url, init); report[name] = "status " + r.status + " type " + r.type; }
            catch (e) { report[name] = "blocked: " + e.message; }
          }
          document.getElementById("f").submit();
          await new Promise((r) => setTimeout(r, 1500));
          await fetch("/report", { method: "POST", body: JSON.stringify(report) });
        })();
      </script></body></html>`);
  });
  await new Promise((r) => evil.listen(0, "127.0.0.1", r));
  const evilPage = await context.newPage();
  await evilPage.goto(`http://127.0.0.1:${evil.address().port}/`);
  const deadline = Date.now() + 15000;
  while (!evil.report && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await shot(evilPage, "cross-site-probe");
  evil.close();

  // A Host header that is not ours (DNS rebinding) is refused even with the cookie.
  const cookies = await context.cookies(origin);
  const cookie = cookies.map((c) => `${c.name}=${c.value}`).join("; ");
  const badHost = await new Promise((resolve) => {
    const url = new URL(`${origin}/journal`);
    http.get({ host: url.hostname, port: url.port, path: "/journal", headers: { host: `evil.example:${url.port}`, cookie } },
      (res) => { res.resume(); resolve(res.statusCode); });
  });
  await context.close();
  return { typed, busy, probes: evil.report || null, badHost, cookieHttpOnly: cookies.every((c) => c.httpOnly), cookieSameSite: cookies.map((c) => c.sameSite) };
}

// Search finds a word from one session and links to it.
async function search(browser, word) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(openingUrl);
  await page.goto(`${origin}/sessions`);
  const listed = await page.locator("#sessions li.session").count();
  await page.fill("#q", word);
  await page.click('#search-form button[type="submit"]');
  await page.waitForSelector("#hit-count");
  const hits = await page.locator("#hits li.hit a").allTextContents();
  await shot(page, "sessions-search");
  await context.close();
  return { listed, hits };
}

(async () => {
  const browser = await launch();
  try {
    let result;
    if (scenario === "voice") result = await voice(browser);
    else if (scenario === "typed-and-probes") result = await typedAndProbes(browser);
    else if (scenario === "search") result = await search(browser, extra);
    else throw new Error(`unknown scenario ${scenario}`);
    process.stdout.write(JSON.stringify(result) + "\n");
  } finally {
    await browser.close();
  }
})().catch((e) => { console.error(e); process.exit(1); });
