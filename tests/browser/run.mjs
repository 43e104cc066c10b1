#!/usr/bin/env node
// Porten browser tests: starts `porten serve --demo` on a free port with a
// throwaway SQLite database, then crawls the web UI in headless Debian
// Chromium (driven by playwright-core) anonymously, in English, and as each
// demo user, checking every HTML page for:
//   - axe-core violations (WCAG 2.0/2.1 A and AA tags)
//   - <html lang> set, exactly one <h1>
//   - keyboard focus: Tab moves focus to visible elements with a visible
//     focus indicator (outline or box-shadow)
//   - HTTP status >= 400 (401/403 allowed when anonymous) and console errors
// plus a wrong-password login that must show an error summary and keep the
// typed username.
//
// Usage (from the repository root, after `cargo build -p porten` and
// `npm ci` in tests/browser):
//   node tests/browser/run.mjs
// Environment knobs (all optional):
//   PORTEN_BIN              server binary (default: target/debug/porten)
//   CHROMIUM_PATH           browser (default: /usr/bin/chromium)
//   BROWSER_MAX_PAGES       page cap per crawl (default: 60)
//   BROWSER_USERS           comma list of parts to run: anonymous, en, login-error, agent-forms, admin-calendar
//                           and/or demo roles (citizen, agent, case_officer, ...)
//   BROWSER_ARTIFACTS       report/screenshot dir (default: tests/browser/artifacts)
//   BROWSER_TIMEOUT_MINUTES overall watchdog (default: 30)
//   BROWSER_VERBOSE=1       print the server's output as it arrives
//   BROWSER_SERVER_TIMEOUT_SECONDS  wait for "porten listening on" (default: 120)
//
// Exit code 0 only when every check passed. The last line has the form
// "browser: N passed, M failed".

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(HERE, '..', '..');
const PORTEN_BIN = path.resolve(REPO_ROOT, process.env.PORTEN_BIN || 'target/debug/porten');
const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const MAX_PAGES = Number(process.env.BROWSER_MAX_PAGES || 60);
const ARTIFACTS = path.resolve(REPO_ROOT, process.env.BROWSER_ARTIFACTS || 'tests/browser/artifacts');
const ONLY = (process.env.BROWSER_USERS || '').split(',').map((s) => s.trim()).filter(Boolean);
const WATCHDOG_MS = Number(process.env.BROWSER_TIMEOUT_MINUTES || 30) * 60_000;
const VERBOSE = process.env.BROWSER_VERBOSE === '1';

const SERVER_READY_TIMEOUT_MS = Number(process.env.BROWSER_SERVER_TIMEOUT_SECONDS || 120) * 1000;
const NAV_TIMEOUT_MS = 30_000;
const TAB_PRESSES = 6;
const SAME_QUERY_LIMIT = 3; // pages per path + set of query keys (differing only by query values)
const SAME_ID_LIMIT = 10; // pages per path pattern with id-like segments (/errands/:id)
const EXPECTED_ROLES = ['citizen', 'agent', 'case_officer', 'unit_admin', 'system_admin'];
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SKIP_PATH_PREFIXES = ['/api/', '/open311/'];
const SKIP_PATHS = ['/logout', '/api', '/open311', '/metrics', '/healthz', '/readyz'];
const NON_HTML_EXT =
  /\.(css|js|mjs|map|json|xml|txt|csv|ics|pdf|png|jpe?g|gif|svg|webp|avif|ico|woff2?|ttf|otf|zip|gz|wasm|mp[34]|webm|ogg|wav)$/i;

// ---------------------------------------------------------------------------
// Result bookkeeping

const failures = []; // { crawl, url, kind, key, message, details[] }
const crawlStats = new Map(); // crawl -> { checked, skipped, failedPages:Set, note }
let passedTests = 0;
let failedTests = 0;

function stats(crawl) {
  if (!crawlStats.has(crawl)) crawlStats.set(crawl, { checked: 0, skipped: 0, failedPages: new Set(), note: '' });
  return crawlStats.get(crawl);
}

function fail(crawl, url, kind, key, message, details = []) {
  failures.push({ crawl, url, kind, key, message, details });
  if (url) stats(crawl).failedPages.add(url);
}

function short(s, n = 300) {
  s = String(s ?? '').replace(/\s+/g, ' ').trim();
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

function log(...args) {
  console.log(...args);
}

// ---------------------------------------------------------------------------
// Server

class StartupError extends Error {}

class Server {
  constructor() {
    this.lines = [];
    this.logins = [];
    this.baseUrl = null;
    this.exited = null;
    this.child = null;
    this.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'porten-browser-db-'));
  }

  start() {
    if (!fs.existsSync(PORTEN_BIN)) {
      throw new StartupError(`server binary not found: ${PORTEN_BIN} (run \`cargo build -p porten\` first)`);
    }
    const args = [
      'serve',
      '--demo',
      '--listen',
      '127.0.0.1:0',
      '--database-url',
      `sqlite://${path.join(this.dataDir, 'porten.db')}`,
    ];
    log(`starting: ${path.relative(REPO_ROOT, PORTEN_BIN) || PORTEN_BIN} ${args.join(' ')}`);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    this.logStream = fs.createWriteStream(path.join(ARTIFACTS, 'server.log'));
    this.child = spawn(PORTEN_BIN, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });

    return new Promise((resolve, reject) => {
      let settled = false;
      const done = (err) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(
        () => done(new StartupError(`server did not print "porten listening on http://..." within ${SERVER_READY_TIMEOUT_MS / 1000} s\n${this.output()}`)),
        SERVER_READY_TIMEOUT_MS,
      );
      const onLine = (stream) => (line) => {
        this.lines.push(`[${stream}] ${line}`);
        if (this.lines.length > 2000) this.lines.splice(0, this.lines.length - 2000);
        this.logStream.write(`[${stream}] ${line}\n`);
        if (VERBOSE) log(`  server ${stream}: ${line}`);
        const m = /demo login: role=(\S+) username=(\S+) password=(\S+)/.exec(line);
        if (m) this.logins.push({ role: m[1], username: m[2], password: m[3] });
        if (stream === 'stdout' && !this.baseUrl) {
          const l = /porten listening on (https?:\/\/\S+)/.exec(line);
          if (l) {
            this.baseUrl = l[1].replace(/\/+$/, '');
            done();
          }
        }
      };
      readline.createInterface({ input: this.child.stdout }).on('line', onLine('stdout'));
      readline.createInterface({ input: this.child.stderr }).on('line', onLine('stderr'));
      this.child.on('error', (e) => done(new StartupError(`could not start ${PORTEN_BIN}: ${e.message}`)));
      this.child.on('exit', (code, signal) => {
        this.exited = { code, signal };
      });
      // 'close' comes after the output pipes drained, so the message has all of it.
      this.child.on('close', (code, signal) => {
        done(new StartupError(`server exited (code ${code}, signal ${signal}) before it was ready\n${this.output()}`));
      });
    });
  }

  output(n = 80) {
    const tail = this.lines.slice(-n);
    return `--- last ${tail.length} lines of server output ---\n${tail.join('\n')}\n--- end of server output ---`;
  }

  async stop() {
    const child = this.child;
    if (child && !this.exited && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(t);
    }
    this.logStream?.end();
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }

  killNow() {
    try {
      if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    } catch {
      /* ignore */
    }
  }
}

// ---------------------------------------------------------------------------
// URL handling

function idPattern(pathname) {
  return pathname
    .split('/')
    .map((seg) =>
      /^\d+$/.test(seg) ||
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(seg) ||
      /^[0-9a-f]{16,}$/i.test(seg) ||
      (/^[A-Za-z0-9_-]{16,}$/.test(seg) && /\d/.test(seg)) ||
      (/\d/.test(seg) && /^[A-Za-z0-9_-]{6,}$/.test(seg) && /[A-Za-z]/.test(seg) && /[-_]\d|\d{3,}/.test(seg))
        ? ':id'
        : seg,
    )
    .join('/');
}

function pageKey(u) {
  const params = [...u.searchParams.entries()].sort(([a], [b]) => a.localeCompare(b));
  const q = new URLSearchParams(params).toString();
  return u.pathname + (q ? `?${q}` : '');
}

function displayUrl(u) {
  const url = typeof u === 'string' ? new URL(u) : u;
  return url.pathname + url.search;
}

// Pages checked by earlier crawls, per language: a later crawl visits links
// to them only after everything new to it, so its page budget goes to the
// pages that only its user can reach.
const checkedEarlier = new Set();

class Frontier {
  constructor(base, lang) {
    this.origin = new URL(base).origin;
    this.lang = lang; // null (default language) or 'en'
    this.queue = [];
    this.later = [];
    this.seen = new Set();
    this.shapeCounts = new Map();
    this.dropped = 0;
  }

  // Returns a URL object for a link worth visiting, or null.
  accept(href, from) {
    let u;
    try {
      u = new URL(href, from);
    } catch {
      return null;
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    if (u.origin !== this.origin) return null;
    u.hash = '';
    const p = u.pathname;
    if (SKIP_PATHS.some((s) => p === s || p.startsWith(`${s}/`)) || SKIP_PATH_PREFIXES.some((s) => p.startsWith(s))) return null;
    if (NON_HTML_EXT.test(p)) return null;
    // Keep each crawl in its language: the default-language crawls skip
    // language switch links, the English crawl skips links away from English.
    const lang = u.searchParams.get('lang');
    if (lang !== null && lang !== this.lang) return null;
    return u;
  }

  push(href, from) {
    const u = this.accept(href, from);
    if (!u) return;
    const key = pageKey(u);
    if (this.seen.has(key)) return;
    this.seen.add(key);
    // Paths that differ only by query values, or only by id-like segments,
    // are visited a few times each.
    const shapes = [[`q:${u.pathname}?${[...new Set(u.searchParams.keys())].sort().join('&')}`, SAME_QUERY_LIMIT]];
    const pattern = idPattern(u.pathname);
    if (pattern !== u.pathname) shapes.push([`id:${pattern}`, SAME_ID_LIMIT]);
    if (shapes.some(([s, limit]) => (this.shapeCounts.get(s) || 0) >= limit)) {
      this.dropped++;
      return;
    }
    for (const [s] of shapes) this.shapeCounts.set(s, (this.shapeCounts.get(s) || 0) + 1);
    const item = { url: u.href, from: from ? displayUrl(from) : null };
    if (checkedEarlier.has(`${this.lang}:${key}`)) this.later.push(item);
    else this.queue.push(item);
  }

  next() {
    return this.queue.shift() || this.later.shift();
  }

  get pending() {
    return this.queue.length + this.later.length;
  }

  markSeen(u) {
    this.seen.add(pageKey(new URL(u)));
  }
}

// ---------------------------------------------------------------------------
// Page checks

async function checkLangAndHeadings(page, crawl, url, expectLang) {
  const info = await page.evaluate(() => ({
    lang: document.documentElement.getAttribute('lang'),
    h1: [...document.querySelectorAll('h1')].map((h) => h.textContent.replace(/\s+/g, ' ').trim()),
    title: document.title,
  }));
  if (!info.lang || !info.lang.trim()) {
    fail(crawl, url, 'html-lang', 'html-lang', '<html> has no lang attribute');
  } else if (expectLang && !info.lang.toLowerCase().startsWith(expectLang)) {
    fail(crawl, url, 'html-lang', `html-lang-${expectLang}`, `<html lang="${info.lang}"> but the page was requested in "${expectLang}"`);
  }
  if (info.h1.length !== 1) {
    fail(crawl, url, 'h1', `h1-count-${info.h1.length === 0 ? 'none' : 'many'}`,
      `page has ${info.h1.length} <h1> elements (expected exactly 1)`,
      info.h1.map((t) => `<h1>${short(t, 80)}</h1>`));
  }
  return info;
}

async function checkAxe(page, crawl, url) {
  const results = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  for (const v of results.violations) {
    for (const node of v.nodes) {
      const target = node.target.map((t) => (Array.isArray(t) ? t.join(' >>> ') : t)).join(', ');
      fail(crawl, url, 'axe', `axe:${v.id}:${target}`,
        `axe ${v.id} (${v.impact ?? node.impact ?? 'n/a'}): ${v.help}`,
        [`target: ${target}`, `html: ${short(node.html, 240)}`, `why: ${short(node.failureSummary, 300)}`, `help: ${v.helpUrl}`]);
    }
  }
  return results.violations.length;
}

async function checkKeyboard(page, crawl, url) {
  const tabbable = await page.evaluate(() => {
    const sel = 'a[href], area[href], button, input:not([type="hidden"]), select, textarea, iframe, summary, [tabindex], [contenteditable="true"]';
    return [...document.querySelectorAll(sel)].filter((el) => {
      if (el.disabled || el.tabIndex < 0 || el.closest('[inert]')) return false;
      const cs = getComputedStyle(el);
      if (cs.visibility === 'hidden' || cs.display === 'none') return false;
      if (el.closest('details:not([open])') && !(el.tagName === 'SUMMARY' && el.parentElement.tagName === 'DETAILS')) return false;
      return el.getClientRects().length > 0;
    }).length;
  });
  const presses = Math.min(TAB_PRESSES, tabbable);
  if (presses === 0) return;
  await page.evaluate(() => {
    if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
    window.scrollTo(0, 0);
    window.__portenFocusSeen = [];
  });
  for (let i = 0; i < presses; i++) {
    await page.keyboard.press('Tab');
    const f = await page.evaluate(() => {
      let el = document.activeElement;
      while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
      if (!el || el === document.body || el === document.documentElement) return { none: true };
      const seen = window.__portenFocusSeen;
      const repeat = seen.includes(el);
      if (!repeat) seen.push(el);
      const r = el.getBoundingClientRect();
      const cs = getComputedStyle(el);
      let opaque = true;
      for (let a = el; a; a = a.parentElement) if (parseFloat(getComputedStyle(a).opacity) === 0) opaque = false;
      const clipped = /rect\(0(px)?,? 0(px)?,? 0(px)?,? 0(px)?\)/.test(cs.clip) || /inset\(50%\)/.test(cs.clipPath);
      const onScreen = r.bottom > 0 && r.right > 0 && r.top < window.innerHeight && r.left < window.innerWidth;
      const visible = r.width > 1 && r.height > 1 && cs.visibility !== 'hidden' && opaque && !clipped && onScreen;
      const transparent = (c) => /^transparent$|rgba\([^)]*,\s*0\)$/.test(c.trim());
      const outline = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0 && !transparent(cs.outlineColor);
      const shadow = !!cs.boxShadow && cs.boxShadow !== 'none';
      let desc = el.tagName.toLowerCase();
      if (el.id) desc += `#${el.id}`;
      if (typeof el.className === 'string' && el.className.trim()) desc += `.${el.className.trim().split(/\s+/).join('.')}`;
      const name = (el.getAttribute('aria-label') || el.textContent || el.getAttribute('name') || el.getAttribute('href') || '').replace(/\s+/g, ' ').trim().slice(0, 60);
      return {
        none: false,
        repeat,
        desc,
        name,
        html: el.outerHTML.slice(0, 240),
        visible,
        rect: `${Math.round(r.left)},${Math.round(r.top)} ${Math.round(r.width)}x${Math.round(r.height)}`,
        indicator: outline || shadow,
        style: `outline: ${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor}; box-shadow: ${cs.boxShadow}`,
      };
    });
    const step = `Tab #${i + 1}`;
    if (f.none) {
      if (i === 0) fail(crawl, url, 'keyboard', 'keyboard:no-focus', `${step}: focus did not move to any element (page has ${tabbable} tabbable elements)`);
      break;
    }
    const who = `${f.desc}${f.name ? ` "${f.name}"` : ''}`;
    if (f.repeat) {
      fail(crawl, url, 'keyboard', `keyboard:stuck:${f.desc}`, `${step}: focus did not move on (back on ${who})`, [`html: ${short(f.html, 240)}`]);
      break;
    }
    if (!f.visible) {
      fail(crawl, url, 'keyboard', `keyboard:invisible:${f.desc}`, `${step}: focused element is not visible: ${who} (rect ${f.rect})`, [`html: ${short(f.html, 240)}`]);
    } else if (!f.indicator) {
      fail(crawl, url, 'keyboard', `keyboard:no-indicator:${f.desc}`, `${step}: focused element has no visible focus indicator: ${who}`, [`computed: ${f.style}`, `html: ${short(f.html, 240)}`]);
    }
  }
}

function isAllowedStatus(status, anonymous) {
  return status < 400 || (anonymous && (status === 401 || status === 403));
}

// Runs all checks on the page currently loaded. Returns the number of failures added.
async function checkPage(page, ctx, crawl, url, { expectLang = null, docStatus = 200, allowDocStatus = false } = {}) {
  const before = failures.length;
  await checkLangAndHeadings(page, crawl, url, expectLang);
  await checkAxe(page, crawl, url);
  await checkKeyboard(page, crawl, url);
  // Let late scripts report, then collect console errors seen since navigation.
  await page.waitForTimeout(50);
  const docUrl = page.url();
  for (const e of ctx.consoleErrors.splice(0)) {
    if (isExpectedDocError(e, docUrl, docStatus, allowDocStatus)) continue;
    fail(crawl, url, 'console', `console:${short(e.text, 120)}`, `console error: ${short(e.text, 400)}`, e.where ? [`at: ${e.where}`] : []);
  }
  return failures.length - before;
}

function watchConsole(page, state) {
  state.consoleErrors = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const loc = msg.location();
    state.consoleErrors.push({ text: msg.text(), url: loc?.url || '', where: loc?.url ? `${loc.url}:${loc.lineNumber ?? 0}` : '' });
  });
  page.on('pageerror', (err) => state.consoleErrors.push({ text: `uncaught exception: ${err.message}`, url: '', where: '' }));
}

// The browser logs "Failed to load resource: the server responded with a
// status of N" for the document itself when its status is >= 400; the HTTP
// status check judges that (401/403 are fine anonymously, the wrong-password
// page may answer 4xx), so it is not counted twice as a console error.
function isExpectedDocError(e, docUrl, docStatus, allowDocStatus) {
  const m = /^Failed to load resource: the server responded with a status of (\d+)/.exec(e.text);
  return Boolean(m && allowDocStatus && e.url === docUrl && Number(m[1]) === docStatus);
}

async function screenshot(page, name) {
  if (screenshot.count >= 40) return;
  screenshot.count = (screenshot.count || 0) + 1;
  try {
    await page.screenshot({ path: path.join(ARTIFACTS, `${name.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 120)}.png`), fullPage: true });
  } catch {
    /* best effort */
  }
}

// ---------------------------------------------------------------------------
// Crawl

async function crawl(context, server, crawlName, startPath, { anonymous, lang = null }) {
  const st = stats(crawlName);
  const page = await context.newPage();
  page.setDefaultTimeout(NAV_TIMEOUT_MS);
  const state = {};
  watchConsole(page, state);
  const frontier = new Frontier(server.baseUrl, lang);
  frontier.queue.push({ url: new URL(startPath, server.baseUrl).href, from: null });
  frontier.markSeen(new URL(startPath, server.baseUrl).href);
  const checked = new Set();
  let first = true;

  while (frontier.pending && st.checked < MAX_PAGES) {
    if (server.exited) {
      fail(crawlName, null, 'server', 'server-exit', `server exited during the crawl (code ${server.exited.code}, signal ${server.exited.signal})`, [server.output(30)]);
      break;
    }
    const { url, from } = frontier.next();
    const shown = displayUrl(url);
    const t0 = Date.now();
    state.consoleErrors.length = 0;
    let resp;
    try {
      resp = await page.goto(url, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
    } catch (e) {
      if (/Download is starting|net::ERR_ABORTED/.test(e.message)) {
        st.skipped++;
        continue;
      }
      fail(crawlName, shown, 'navigation', `navigation:${shown}`, `navigation failed: ${short(e.message, 300)}`, from ? [`linked from: ${from}`] : []);
      failedTests++;
      continue;
    }
    const status = resp ? resp.status() : 0;
    const finalUrl = page.url();
    const ctype = (resp && resp.headers()['content-type']) || '';
    if (!isAllowedStatus(status, anonymous)) {
      fail(crawlName, shown, 'http', `http:${status}:${shown}`, `HTTP ${status} for ${shown}`, from ? [`linked from: ${from}`] : []);
    }
    if (new URL(finalUrl).origin !== frontier.origin || !/text\/html|application\/xhtml\+xml/i.test(ctype)) {
      if (isAllowedStatus(status, anonymous)) st.skipped++;
      else failedTests++;
      continue;
    }
    const key = pageKey(new URL(finalUrl));
    if (checked.has(key)) {
      // A redirect to a page already checked (e.g. anonymous -> /login).
      if (!isAllowedStatus(status, anonymous)) failedTests++;
      continue;
    }
    checked.add(key);
    checkedEarlier.add(`${lang}:${key}`);
    frontier.markSeen(finalUrl);
    st.checked++;
    const shownFinal = displayUrl(finalUrl);
    const label = shownFinal === shown ? shown : `${shown} -> ${shownFinal}`;
    const httpFailed = !isAllowedStatus(status, anonymous) ? 1 : 0;
    let n = 0;
    try {
      n = await checkPage(page, state, crawlName, shownFinal, {
        expectLang: first && lang ? lang : null,
        docStatus: status,
        allowDocStatus: status >= 400, // judged by the HTTP status check
      });
    } catch (e) {
      fail(crawlName, shownFinal, 'harness', `harness:${shownFinal}`, `checking the page failed: ${short(e.message, 400)}`);
      n = 1;
    }
    first = false;
    // Links from the rendered DOM (after any scripts ran).
    let links = [];
    try {
      links = await page.$$eval('a[href]', (as) => as.filter((a) => !a.hasAttribute('download')).map((a) => a.href));
    } catch {
      /* page navigated away by itself; ignore */
    }
    for (const href of links) frontier.push(href, new URL(finalUrl));
    const bad = n + httpFailed;
    if (bad) {
      failedTests++;
      await screenshot(page, `${crawlName}${shownFinal}`);
    } else {
      passedTests++;
    }
    log(`  [${crawlName}] ${status} ${label} ${bad ? `FAIL (${bad})` : 'ok'} ${Date.now() - t0}ms`);
  }
  if (frontier.pending) {
    st.note = `cap of ${MAX_PAGES} pages reached; not visited: ${frontier.queue.length} new + ${frontier.later.length} checked by earlier crawls`;
  }
  if (frontier.dropped) st.note += `${st.note ? '; ' : ''}${frontier.dropped} same-shape links skipped`;
  await page.close();
}

// Locates the login form on the current page.
function loginForm(page) {
  const form = page.locator('form').filter({ has: page.locator('input[name="password"]') }).first();
  return {
    form,
    username: form.locator('input[name="username"]'),
    password: form.locator('input[name="password"]'),
    submit: form.locator('button[type="submit"], button:not([type]), input[type="submit"]').first(),
  };
}

async function assertLabelled(locator) {
  return locator.evaluate((el) => {
    const byLabel = el.labels && [...el.labels].some((l) => l.textContent.trim());
    const byAria = (el.getAttribute('aria-label') || '').trim() || el.getAttribute('aria-labelledby');
    return Boolean(byLabel || byAria);
  });
}

// Types into the real login form like a person: click the field, type, then submit.
async function fillAndSubmitLogin(page, server, crawlName, username, password) {
  const resp = await page.goto(new URL('/login', server.baseUrl).href, { waitUntil: 'load' });
  if (!resp || resp.status() >= 400) throw new Error(`GET /login answered HTTP ${resp ? resp.status() : 'none'}`);
  const f = loginForm(page);
  if ((await f.form.count()) === 0) throw new Error('no <form> with input[name=password] on /login');
  if ((await f.username.count()) === 0) throw new Error('login form has no input[name=username]');
  for (const [name, loc] of [['username', f.username], ['password', f.password]]) {
    if (!(await assertLabelled(loc))) fail(crawlName, '/login', 'login-form', `login-label:${name}`, `login field "${name}" has no label`);
  }
  if ((await f.submit.count()) === 0) throw new Error('login form has no submit button');
  await f.username.click();
  await page.keyboard.type(username);
  await f.password.click();
  await page.keyboard.type(password);
  const [navResp] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load', timeout: NAV_TIMEOUT_MS }),
    f.submit.click(),
  ]);
  return navResp;
}

async function errorSummary(page) {
  const loc = page.locator('[role="alert"], [class*="error-summary"]');
  const n = await loc.count();
  for (let i = 0; i < n; i++) {
    if (await loc.nth(i).isVisible()) return { found: true, text: short(await loc.nth(i).innerText(), 200) };
  }
  return { found: false, count: n };
}

async function login(context, server, user) {
  const crawlName = user.role;
  const page = await context.newPage();
  page.setDefaultTimeout(NAV_TIMEOUT_MS);
  try {
    await fillAndSubmitLogin(page, server, crawlName, user.username, user.password);
    const stillLogin = (await page.locator('input[name="password"]').count()) > 0;
    const err = await errorSummary(page);
    if (stillLogin || err.found) {
      throw new Error(`still on the login form after submitting (${displayUrl(page.url())})${err.found ? `; error shown: ${err.text}` : ''}`);
    }
    const cookies = await context.cookies();
    log(`  [${crawlName}] logged in as ${user.username}; landed on ${displayUrl(page.url())} (${cookies.length} cookie(s))`);
    passedTests++;
    return true;
  } catch (e) {
    fail(crawlName, '/login', 'login', `login:${crawlName}`, `login as ${user.role} (${user.username}) failed: ${short(e.message, 400)}`);
    await screenshot(page, `${crawlName}-login-failed`);
    failedTests++;
    return false;
  } finally {
    await page.close();
  }
}

async function wrongPasswordTest(browser, server) {
  const crawlName = 'login-error';
  const context = await newContext(browser);
  const page = await context.newPage();
  page.setDefaultTimeout(NAV_TIMEOUT_MS);
  const state = {};
  watchConsole(page, state);
  const user = server.logins.find((l) => l.role === 'citizen') || server.logins[0] || { username: 'nobody' };
  const before = failures.length;
  try {
    const resp = await fillAndSubmitLogin(page, server, crawlName, user.username, `wrong-${Date.now()}`);
    const status = resp ? resp.status() : 0;
    if (status >= 500) fail(crawlName, '/login', 'http', 'login-error:5xx', `wrong password answered HTTP ${status}`);
    const err = await errorSummary(page);
    if (!err.found) {
      fail(crawlName, '/login', 'login-error', 'login-error:no-summary',
        'wrong password: no visible error summary ([role="alert"] or class*="error-summary") on the page', [`url: ${displayUrl(page.url())}, HTTP ${status}`]);
    }
    const f = loginForm(page);
    if ((await f.username.count()) === 0) {
      fail(crawlName, '/login', 'login-error', 'login-error:no-form', 'wrong password: the login form is not shown again');
    } else {
      const kept = await f.username.inputValue();
      if (kept !== user.username) {
        fail(crawlName, '/login', 'login-error', 'login-error:username-lost', `wrong password: username field holds "${kept}" instead of the typed "${user.username}"`);
      }
    }
    stats(crawlName).checked++;
    log(`  [${crawlName}] HTTP ${status}, error summary ${err.found ? `"${err.text}"` : 'MISSING'}`);
    await checkPage(page, state, crawlName, `${displayUrl(page.url())} (wrong password)`, {
      docStatus: status,
      allowDocStatus: status >= 400 && status < 500,
    });
  } catch (e) {
    fail(crawlName, '/login', 'login-error', 'login-error:harness', `wrong-password test failed: ${short(e.message, 400)}`);
  }
  if (failures.length > before) {
    failedTests++;
    await screenshot(page, 'login-error');
  } else {
    passedTests++;
  }
  await context.close();
}

// The agent's forms, driven with the keyboard like a person without a mouse:
// the contact log (empty submit -> error summary; filled -> saved and
// listed) and the planning page (a channel-shift scenario, then a bad
// service level -> error summary keeping the typed value). Each result page
// gets the same checks as crawled pages (axe, keyboard focus, headings).
// Logs in as `role` and runs `steps({ page, state, submit, expect })`,
// which drives forms by keyboard; any failed expectation fails the part.
async function formsTest(browser, server, crawlName, role, steps) {
  const user = server.logins.find((l) => l.role === role);
  if (!user) return;
  const context = await newContext(browser);
  const before = failures.length;
  if (!(await login(context, server, { ...user, role: crawlName }))) {
    await context.close();
    return;
  }
  const page = await context.newPage();
  page.setDefaultTimeout(NAV_TIMEOUT_MS);
  const state = {};
  watchConsole(page, state);
  const submit = async (selector) => {
    await page.locator(selector).focus();
    const [resp] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
    return resp;
  };
  const expect = (ok, rule, message) => {
    if (!ok) fail(crawlName, displayUrl(page.url()), 'form', `form:${rule}`, message);
  };
  try {
    await steps({ page, state, submit, expect });
    stats(crawlName).checked++;
    log(`  [${crawlName}] forms checked`);
  } catch (e) {
    fail(crawlName, displayUrl(page.url()), 'form', 'form:harness', `${crawlName} test failed: ${short(e.message, 400)}`);
  }
  if (failures.length > before) {
    failedTests++;
    await screenshot(page, crawlName);
  } else {
    passedTests++;
  }
  await context.close();
}

// The agent's contact log and planning forms.
function agentFormsTest(browser, server) {
  const crawlName = 'agent-forms';
  return formsTest(browser, server, crawlName, 'agent', async ({ page, state, submit, expect }) => {
    await page.goto(new URL('/staff/contacts', server.baseUrl).href, { waitUntil: 'load' });
    let resp = await submit('form[action="/staff/contacts"] button[type="submit"]');
    expect(resp && resp.status() === 422, 'contact-empty-status', `empty contact form answered HTTP ${resp && resp.status()}, not 422`);
    expect((await errorSummary(page)).found, 'contact-empty-summary', 'empty contact form: no error summary');
    await checkPage(page, state, crawlName, '/staff/contacts (empty submit)', { docStatus: 422, allowDocStatus: true });
    await page.locator('#channel-first').focus();
    await page.keyboard.press('Space');
    await page.locator('#topic').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.locator('#outcome-first').focus();
    await page.keyboard.press('Space');
    await page.locator('#minutes').focus();
    await page.keyboard.type('6');
    resp = await submit('form[action="/staff/contacts"] button[type="submit"]');
    expect(page.url().endsWith('/staff/contacts?saved=1'), 'contact-saved', `after a valid contact the page is ${displayUrl(page.url())}`);
    expect((await page.locator('[role="status"]').count()) === 1, 'contact-status', 'no status message after saving a contact');
    expect((await page.locator('table tbody tr').count()) >= 1, 'contact-listed', 'the saved contact is not listed');
    await checkPage(page, state, crawlName, '/staff/contacts?saved=1');

    await page.goto(new URL('/staff/planning', server.baseUrl).href, { waitUntil: 'load' });
    const share = page.locator('input[id^="shift1-"]').first();
    expect((await share.count()) === 1, 'planning-shift-input', 'no channel-shift input on the planning page');
    await share.focus();
    await page.keyboard.type('0,3');
    resp = await submit('form.planning-form button[type="submit"]');
    expect(resp && resp.status() === 200, 'planning-status', `planning with a scenario answered HTTP ${resp && resp.status()}`);
    expect((await page.getByText('Scenario 1:', { exact: false }).count()) >= 1, 'planning-scenario', 'the scenario is not compared');
    await checkPage(page, state, crawlName, '/staff/planning (scenario 1)');
    await page.locator('#service_level').fill('');
    await page.locator('#service_level').focus();
    await page.keyboard.type('2');
    resp = await submit('form.planning-form button[type="submit"]');
    expect(resp && resp.status() === 422, 'planning-bad-status', `a service level of 2 answered HTTP ${resp && resp.status()}`);
    expect((await errorSummary(page)).found, 'planning-bad-summary', 'bad service level: no error summary');
    expect((await page.locator('#service_level').inputValue()) === '2', 'planning-kept', 'bad service level: the typed value is lost');
    expect((await page.locator('input[id^="shift1-"]').first().inputValue()) === '0,3', 'planning-kept-shift', 'bad service level: the scenario share is lost');
    await checkPage(page, state, crawlName, '/staff/planning (bad service level)', { docStatus: 422, allowDocStatus: true });
  });
}

// The unit admin decides a day in the business calendar, and withdraws it.
function adminCalendarTest(browser, server) {
  const crawlName = 'admin-calendar';
  return formsTest(browser, server, crawlName, 'unit_admin', async ({ page, state, submit, expect }) => {
    await page.goto(new URL('/staff/calendar', server.baseUrl).href, { waitUntil: 'load' });
    const save = 'form[action^="/staff/calendar?"] button[type="submit"]';
    let resp = await submit(save);
    expect(resp && resp.status() === 422, 'calendar-empty-status', `empty decision answered HTTP ${resp && resp.status()}, not 422`);
    expect((await errorSummary(page)).found, 'calendar-empty-summary', 'empty decision: no error summary');
    await checkPage(page, state, crawlName, '/staff/calendar (empty submit)', { docStatus: 422, allowDocStatus: true });
    const day = `${new Date().getFullYear()}-12-23`;
    await page.locator('#date').focus();
    await page.keyboard.type(day);
    await page.locator('#open-first').focus();
    await page.keyboard.press('Space');
    await page.locator('#note').focus();
    await page.keyboard.type('Inventering');
    resp = await submit(save);
    expect(page.url().includes('saved=1'), 'calendar-saved', `after a valid decision the page is ${displayUrl(page.url())}`);
    expect((await page.getByText('Inventering', { exact: false }).count()) >= 1, 'calendar-listed', 'the decided day is not listed');
    await checkPage(page, state, crawlName, '/staff/calendar?saved=1');
    resp = await submit(`form[action="/staff/calendar/remove"]:has(input[value="${day}"]) button`);
    expect(resp && resp.status() === 200, 'calendar-removed', `removing the decision answered HTTP ${resp && resp.status()}`);
    expect((await page.getByText('Inventering', { exact: false }).count()) === 0, 'calendar-gone', 'the removed decision is still listed');
  });
}

function newContext(browser) {
  return browser.newContext({
    viewport: { width: 1280, height: 900 },
    locale: 'sv-SE',
    timezoneId: 'Europe/Stockholm',
  });
}

// ---------------------------------------------------------------------------
// Report

function report(started) {
  log('\n==================== browser test summary ====================');
  for (const [name, st] of crawlStats) {
    log(`  ${name.padEnd(14)} pages checked: ${String(st.checked).padStart(3)}  skipped: ${String(st.skipped).padStart(3)}  pages with failures: ${st.failedPages.size}${st.note ? `  (${st.note})` : ''}`);
  }
  // Group identical problems (same kind/rule/element) across pages and crawls.
  const groups = new Map();
  for (const f of failures) {
    const g = groups.get(f.key) || { first: f, where: [] };
    g.where.push(`${f.crawl}:${f.url ?? '-'}`);
    groups.set(f.key, g);
  }
  const byKind = {};
  for (const f of failures) byKind[f.kind] = (byKind[f.kind] || 0) + 1;
  log(`\n  failures: ${failures.length} (${Object.entries(byKind).map(([k, v]) => `${k}: ${v}`).join(', ') || 'none'}), distinct: ${groups.size}`);
  let i = 0;
  for (const { first, where } of groups.values()) {
    i++;
    log(`\n  ${i}. [${first.kind}] ${first.message}`);
    for (const d of first.details) log(`       ${d.split('\n').join('\n       ')}`);
    const uniq = [...new Set(where)];
    log(`       on ${uniq.length} page(s): ${uniq.slice(0, 6).join('  ')}${uniq.length > 6 ? `  … +${uniq.length - 6} more` : ''}`);
  }
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  fs.writeFileSync(
    path.join(ARTIFACTS, 'report.json'),
    JSON.stringify({ crawls: Object.fromEntries([...crawlStats].map(([k, v]) => [k, { ...v, failedPages: [...v.failedPages] }])), failures }, null, 2),
  );
  log(`\n  full report: ${path.relative(REPO_ROOT, path.join(ARTIFACTS, 'report.json'))} (screenshots of failing pages beside it)`);
  log(`  elapsed: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  log(`browser: ${passedTests} passed, ${failedTests} failed`);
}

// ---------------------------------------------------------------------------
// Main

async function main() {
  const started = Date.now();
  fs.rmSync(ARTIFACTS, { recursive: true, force: true });
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const server = new Server();
  let browser;
  const cleanup = () => {
    server.killNow();
  };
  process.on('exit', cleanup);
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => {
      cleanup();
      process.exit(130);
    });
  }
  const watchdog = setTimeout(() => {
    console.error(`browser tests exceeded ${WATCHDOG_MS / 60000} minutes; aborting`);
    report(started);
    cleanup();
    process.exit(1);
  }, WATCHDOG_MS);
  watchdog.unref();

  try {
    await server.start();
    log(`server ready at ${server.baseUrl} after ${((Date.now() - started) / 1000).toFixed(1)} s; demo logins: ${server.logins.map((l) => l.role).join(', ') || 'none'}`);
    const missing = EXPECTED_ROLES.filter((r) => !server.logins.some((l) => l.role === r));
    if (missing.length) {
      fail('server', null, 'demo-logins', 'demo-logins', `no "demo login: role=... username=... password=..." line for role(s): ${missing.join(', ')}`);
      failedTests++;
    }

    // Playwright gives each launch a fresh temporary --user-data-dir (and
    // removes it on close); it refuses one passed in args.
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
    log(`chromium: ${CHROMIUM_PATH} ${browser.version()}`);
    const want = (name) => ONLY.length === 0 || ONLY.includes(name);

    if (want('anonymous')) {
      log('\n-- crawl: anonymous');
      const ctx = await newContext(browser);
      await crawl(ctx, server, 'anonymous', '/', { anonymous: true });
      await ctx.close();
    }
    if (want('en')) {
      log('\n-- crawl: anonymous, English (/?lang=en)');
      const ctx = await newContext(browser);
      await crawl(ctx, server, 'en', '/?lang=en', { anonymous: true, lang: 'en' });
      await ctx.close();
    }
    if (want('login-error')) {
      log('\n-- login with a wrong password');
      await wrongPasswordTest(browser, server);
    }
    if (want('agent-forms')) {
      log('\n-- the agent\'s forms, by keyboard');
      await agentFormsTest(browser, server);
    }
    if (want('admin-calendar')) {
      log('\n-- the business calendar, by keyboard');
      await adminCalendarTest(browser, server);
    }
    for (const user of server.logins) {
      if (!want(user.role)) continue;
      log(`\n-- crawl: ${user.role} (${user.username})`);
      const ctx = await newContext(browser);
      if (await login(ctx, server, user)) await crawl(ctx, server, user.role, '/', { anonymous: false });
      await ctx.close();
    }
    for (const [name, st] of crawlStats) {
      if (st.checked === 0 && !['server', 'login-error'].includes(name) && !failures.some((f) => f.crawl === name)) {
        fail(name, null, 'crawl', `crawl-empty:${name}`, `crawl "${name}" checked no HTML page`);
        failedTests++;
      }
    }
  } catch (e) {
    const [first, ...rest] = String(e.message).split('\n');
    const details = e instanceof StartupError ? rest : [String(e.stack || e)];
    fail('harness', null, 'harness', 'harness', first, details);
    failedTests++;
  } finally {
    if (browser) await browser.close().catch(() => {});
    await server.stop().catch(() => {});
  }
  report(started);
  if (failedTests === 0 && passedTests === 0) {
    console.error('no page was checked');
    return 1;
  }
  return failedTests > 0 || failures.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
