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
// typed username, keyboard-only form tests, and the e-services (issue 9):
// every demo e-service submitted by keyboard from its service page to the
// receipt, a failed validation and a refused upload, the receipt mail read
// from an SMTP sink started here, and two-way messages between a citizen
// signed in with the demo e-ID and a case officer; and the public portal
// (start page, audiences, topics, articles, services, search and contact, in
// Swedish and English, with a search, an article's feedback and the contact
// page by keyboard) and the editors' knowledge base (an article published and
// found by search, a synonym) by keyboard.
//
// Usage (from the repository root, after `cargo build -p porten` and
// `npm ci` in tests/browser):
//   node tests/browser/run.mjs
// Environment knobs (all optional):
//   PORTEN_BIN              server binary (default: target/debug/porten)
//   CHROMIUM_PATH           browser (default: /usr/bin/chromium)
//   BROWSER_MAX_PAGES       page cap per crawl (default: 60)
//   BROWSER_USERS           comma list of parts to run: anonymous, en, login-error, agent-forms, admin-calendar,
//                           portal, editor, eservices, eservice-errors, receipt-mail, messages
//                           and/or demo roles (citizen, agent, case_officer, ...)
//   BROWSER_ESERVICES       comma list of e-service codes for the "eservices" part (default: all demo ones)
//   BROWSER_MAIL_TIMEOUT_SECONDS  wait for a receipt mail in the SMTP sink (default: 30)
//   BROWSER_PORTAL_WORKERS  browser contexts checking the portal's pages at once (default: 2)
//   BROWSER_ARTIFACTS       report/screenshot dir (default: tests/browser/artifacts)
//   BROWSER_TIMEOUT_MINUTES overall watchdog (default: 30)
//   BROWSER_VERBOSE=1       print the server's output as it arrives
//   BROWSER_SERVER_TIMEOUT_SECONDS  wait for "porten listening on" (default: 120)
//
// Exit code 0 only when every check passed. The last line has the form
// "browser: N passed, M failed".

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { parse as parseToml } from 'smol-toml';
import { OIDC_CLIENT, OIDC_PEOPLE, OIDC_STAFF, startOidcProvider } from './oidc-provider.mjs';
import { MailSink } from './mailsink.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(HERE, '..', '..');
const PORTEN_BIN = path.resolve(REPO_ROOT, process.env.PORTEN_BIN || 'target/debug/porten');
const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const MAX_PAGES = Number(process.env.BROWSER_MAX_PAGES || 60);
const ARTIFACTS = path.resolve(REPO_ROOT, process.env.BROWSER_ARTIFACTS || 'tests/browser/artifacts');
const ONLY = (process.env.BROWSER_USERS || '').split(',').map((s) => s.trim()).filter(Boolean);
const WATCHDOG_MS = Number(process.env.BROWSER_TIMEOUT_MINUTES || 30) * 60_000;
const VERBOSE = process.env.BROWSER_VERBOSE === '1';
const ONLY_ESERVICES = (process.env.BROWSER_ESERVICES || '').split(',').map((s) => s.trim()).filter(Boolean);
const MAIL_TIMEOUT_MS = Number(process.env.BROWSER_MAIL_TIMEOUT_SECONDS || 30) * 1000;
const PORTAL_WORKERS = Number(process.env.BROWSER_PORTAL_WORKERS || 2);

const SERVER_READY_TIMEOUT_MS = Number(process.env.BROWSER_SERVER_TIMEOUT_SECONDS || 120) * 1000;
const NAV_TIMEOUT_MS = 30_000;
const TAB_PRESSES = 6;
const SAME_QUERY_LIMIT = 3; // pages per path + set of query keys (differing only by query values)
const SAME_ID_LIMIT = 10; // pages per path pattern with id-like segments (/errands/:id)
// Pages per template whose paths differ only by a code (/services/pothole,
// /e/pothole): one template, so a sample of it is enough for each crawl (the
// e-service parts visit every e-service's pages anyway).
const SAME_TEMPLATE = /^\/(services|e)\/[^/]+$/;
const SAME_TEMPLATE_LIMIT = 6;
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
  constructor(env = {}) {
    this.env = env;
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
      this.listen || '127.0.0.1:0',
      '--database-url',
      `sqlite://${path.join(this.dataDir, 'porten.db')}`,
    ];
    log(`starting: ${path.relative(REPO_ROOT, PORTEN_BIN) || PORTEN_BIN} ${args.join(' ')}`);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    this.logStream = fs.createWriteStream(path.join(ARTIFACTS, 'server.log'));
    for (const [k, v] of Object.entries(this.env)) if (v !== undefined) log(`  with ${k}=${v}`);
    const env = { ...process.env, ...this.env };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
    this.child = spawn(PORTEN_BIN, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env });

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
    const template = u.pathname.match(SAME_TEMPLATE);
    if (template) shapes.push([`template:/${template[1]}/*`, SAME_TEMPLATE_LIMIT]);
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
    if (isExpectedDocError(e, docUrl, docStatus, allowDocStatus) || isStrayFavicon(e, docUrl)) continue;
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

// The browser asks a page of another origin for /favicon.ico by itself (the
// e-ID provider's login page, reached by a crawled link that redirects there
// and is skipped at once); its 404 may arrive while the next page loads, and
// is not that page's error.
function isStrayFavicon(e, docUrl) {
  try {
    const u = new URL(e.url);
    return /^Failed to load resource/.test(e.text) && u.pathname === '/favicon.ico' && u.origin !== new URL(docUrl).origin;
  } catch {
    return false;
  }
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

// ---------------------------------------------------------------------------
// E-services (issue 9). The demo definitions in crates/porten/demo/eservices
// drive the answers: every field is found by its id (`f-<name>`; a choice's
// first option `f-<name>`, the others `f-<name>-<value>`), typed into or
// ticked by keyboard, and files are set on their inputs (a file chooser
// cannot be driven by keyboard in headless mode).

const DEMO_DIR = path.join(REPO_ROOT, 'crates', 'porten', 'demo');
const REGISTRY_NUMBER = /\b([A-ZÅÄÖ]{1,6}) (\d{4})\/(\d{5})\b/;
const EMAIL = 'anna@example.com';
const TEXT_VALUES = {
  coordinates: '59.3293, 18.0686',
  pole_number: 'B-1234',
  eservice_name: 'Ansökan om förskoleplats',
  child_name: 'Elsa Andersson',
  sibling_preschool: 'Förskolan Solrosen',
  pupil_name: 'Olle Andersson',
  school: 'Tallåsskolan',
  name: 'Anna Andersson',
  registry_number: 'KS 2026/00001',
};

// The demo e-service definitions, each with the unit that owns its service
// (from city.toml).
function loadEservices() {
  const city = parseToml(fs.readFileSync(path.join(DEMO_DIR, 'city.toml'), 'utf8'));
  const units = new Map((city.services || []).map((s) => [s.code, s.unit]));
  const dir = path.join(DEMO_DIR, 'eservices');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.toml'))
    .sort()
    .map((f) => {
      const def = parseToml(fs.readFileSync(path.join(dir, f), 'utf8'));
      return { ...def, file: f, unit: units.get(def.service_code) || null };
    });
}

// A 1×1 PNG, a one-page PDF, and a ".png" that is really text, in a temp dir.
function makeTestFiles() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'porten-browser-files-'));
  const png = path.join(dir, 'trasig-lykta.png');
  fs.writeFileSync(png, Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64'));
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>',
  ];
  let pdf = '%PDF-1.4\n';
  const offsets = objects.map((o, i) => {
    const at = pdf.length;
    pdf += `${i + 1} 0 obj\n${o}\nendobj\n`;
    return at;
  });
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  const pdfPath = path.join(dir, 'läkarintyg.pdf');
  fs.writeFileSync(pdfPath, Buffer.from(pdf, 'latin1'));
  const fakePng = path.join(dir, 'inte-en-bild.png');
  fs.writeFileSync(fakePng, 'Det här är text, ingen bild.\n');
  return { dir, png, pdf: pdfPath, fakePng };
}

function futureDate(days = 75) {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

// How a date is typed into Chromium's date input: its segment order follows
// the browser's own locale (Debian's headless build shows mm/dd/yyyy whatever
// the page's language), so it is found once by trying on a scratch page.
let typeDate = (y, m, d) => `${y}-${m}-${d}`;
async function probeDateTyping(browser) {
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  try {
    for (const make of [(y, m, d) => `${y}-${m}-${d}`, (y, m, d) => `${m}/${d}/${y}`, (y, m, d) => `${d}/${m}/${y}`, (y, m, d) => `${d}.${m}.${y}`]) {
      await page.setContent('<label for="d">Datum</label><input type="date" id="d">');
      await page.locator('#d').focus();
      await page.keyboard.type(make('2031', '04', '27'));
      if ((await page.locator('#d').inputValue()) === '2031-04-27') {
        typeDate = make;
        return make('yyyy', 'mm', 'dd');
      }
    }
    return 'unknown (typing yyyy-mm-dd)';
  } finally {
    await ctx.close();
  }
}

// Values for a definition's fields. A choice takes an option that some
// conditional field waits for (so conditions are exercised), or with
// `conditions: false` one that none waits for; `overrides` wins (null: leave empty).
function planAnswers(def, files, overrides = {}, { conditions = true } = {}) {
  const wanted = new Map();
  for (const step of def.steps) {
    for (const f of step.fields) {
      if (f.show_if) wanted.set(f.show_if.field, [...(wanted.get(f.show_if.field) || []), f.show_if.equals]);
    }
  }
  const plan = {};
  for (const step of def.steps) {
    for (const f of step.fields) {
      if (f.name in overrides) {
        plan[f.name] = overrides[f.name];
        continue;
      }
      const trig = wanted.get(f.name) || [];
      let v;
      switch (f.kind) {
        case 'single_choice':
          v = (conditions
            ? f.options.find((o) => trig.includes(o.value))
            : f.options.find((o) => !trig.includes(o.value))) || f.options[0];
          v = v.value;
          break;
        case 'multiple_choice': v = [f.options[0].value]; break;
        case 'checkbox': v = 'yes'; break;
        case 'file': v = /certif|intyg|document|pdf/i.test(f.name) ? files.pdf : files.png; break;
        case 'email': v = EMAIL; break;
        case 'phone': v = '070-1740610'; break;
        case 'personnummer': v = '19811218-9876'; break;
        case 'organisationsnummer': v = '556016-0680'; break;
        case 'date': v = futureDate(); break;
        case 'number': v = '3'; break;
        case 'address': v = 'Storgatan 1, 993 31 Lindhamn'; break;
        case 'textarea': v = `Provtext från webbläsartesterna (${f.name}): det gäller platsen vid torget, åäö.`; break;
        default: v = TEXT_VALUES[f.name] || `Prov ${f.name}`;
      }
      if (typeof v === 'string' && f.max_length && f.kind !== 'file') v = v.slice(0, f.max_length);
      plan[f.name] = v;
    }
  }
  return plan;
}

function isShown(f, plan) {
  if (!f.show_if) return true;
  const v = plan[f.show_if.field];
  return Array.isArray(v) ? v.includes(f.show_if.equals) : v === f.show_if.equals;
}

function fieldLocator(page, f) {
  return page.locator(`[id="f-${f.name}"]`);
}

function choiceLocator(page, f, value) {
  if (f.kind === 'checkbox' || value === f.options[0].value) return fieldLocator(page, f);
  return page.locator(`[id="f-${f.name}-${value}"]`);
}

function nextButton(page) {
  return page.locator('form button[name="action"][value="next"]');
}

async function h1Text(page) {
  const h = page.locator('h1').first();
  return (await h.count()) ? (await h.innerText()).replace(/\s+/g, ' ').trim() : '';
}

// The answer as the review page shows it, or null when not compared.
function reviewText(f, v) {
  switch (f.kind) {
    case 'single_choice':
    case 'multiple_choice':
      return [].concat(v).map((x) => f.options.find((o) => o.value === x).label.sv).join(', ');
    case 'checkbox':
      return null;
    case 'file':
      return path.basename(v);
    default:
      return v;
  }
}

// One person at the keyboard on one page: navigation, expectations and page
// checks, all reported under `crawlName` and this driver's label.
// `h1First: false` leaves out the e-service pages' rule that the <h1> is
// the first heading in <main> (an error summary's heading may come first on
// other pages); `kind` names the failures in the report.
class Driver {
  constructor(server, crawlName, label, { h1First = true, kind = 'eservice' } = {}) {
    this.server = server;
    this.crawlName = crawlName;
    this.label = label;
    this.h1First = h1First;
    this.kind = kind;
    this.page = null;
  }

  async open(context) {
    const page = await context.newPage();
    page.setDefaultTimeout(NAV_TIMEOUT_MS);
    this.state = {};
    watchConsole(page, this.state);
    this.page = page;
    return page;
  }

  here() {
    return this.page ? displayUrl(this.page.url()) : null;
  }

  expect(ok, rule, message) {
    if (!ok) fail(this.crawlName, this.here(), this.kind, `${this.crawlName}:${rule}:${this.label}`, `${this.label}: ${message}`);
    return Boolean(ok);
  }

  goto(p) {
    this.state.consoleErrors.length = 0;
    return this.page.goto(new URL(p, this.server.baseUrl).href, { waitUntil: 'load' });
  }

  // Focuses `locator` and presses `key` (Enter on links and buttons), waiting
  // for the navigation that follows; returns its response.
  async press(locator, key = 'Enter') {
    this.state.consoleErrors.length = 0;
    await locator.focus();
    const [resp] = await Promise.all([this.page.waitForNavigation({ waitUntil: 'load' }), this.page.keyboard.press(key)]);
    return resp;
  }

  // checkPage, plus two checks for the e-service pages: the <h1> is the
  // first heading in <main> (a screen reader user moving by headings meets
  // it first), and no label or legend says the same thing twice, like
  // "Bild (valfritt) (valfritt)".
  async check(what, opts = {}) {
    stats(this.crawlName).checked++;
    const where = `${this.here()} (${this.label}: ${what})`;
    const n = await checkPage(this.page, this.state, this.crawlName, where, opts);
    const info = await this.page.evaluate(() => ({
      first: (document.querySelector('main h1, main h2, main h3, main h4, main h5, main h6') || {}).outerHTML || '',
      repeated: [...document.querySelectorAll('main label, main legend')]
        .map((el) => el.textContent.replace(/\s+/g, ' ').trim())
        .filter((t) => /(\([^)]+\))\s*\1/.test(t)),
    }));
    const h1NotFirst = this.h1First && info.first && !/^<h1[\s>]/i.test(info.first);
    if (h1NotFirst) {
      fail(this.crawlName, where, 'headings', `headings:h1-not-first:${new URL(this.page.url()).pathname.split('/')[1]}`,
        'the first heading in <main> is not the <h1>', [`first: ${short(info.first, 200)}`]);
    }
    for (const t of info.repeated) {
      fail(this.crawlName, where, 'label', `label:repeated:${t}`, `a label or legend repeats itself: "${short(t, 120)}"`);
    }
    return n + (h1NotFirst ? 1 : 0) + info.repeated.length;
  }
}

// Runs one test; it passes when it added no failure and threw nothing.
async function runKeyboardTest(d, body) {
  const before = failures.length;
  const t0 = Date.now();
  try {
    await body();
  } catch (e) {
    fail(d.crawlName, d.here(), d.kind, `${d.crawlName}:harness:${d.label}`, `${d.label}: ${short(e.message, 600)}`);
  }
  const n = failures.length - before;
  if (n) {
    failedTests++;
    await screenshot(d.page, `${d.crawlName}-${d.label}`);
  } else {
    passedTests++;
  }
  log(`  [${d.crawlName}] ${d.label} ${n ? `FAIL (${n})` : 'ok'} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return n === 0;
}

// Types, ticks or attaches one answer. `clear` empties a text field first.
async function fillField(d, f, value, { clear = false } = {}) {
  const page = d.page;
  if (['single_choice', 'multiple_choice', 'checkbox'].includes(f.kind)) {
    for (const v of [].concat(value)) {
      const loc = choiceLocator(page, f, v);
      if ((await loc.count()) !== 1) throw new Error(`no input for ${f.name} = ${v} on ${d.here()}`);
      await loc.focus();
      if (!(await loc.isChecked())) await page.keyboard.press('Space');
      d.expect(await loc.isChecked(), `tick-${f.name}`, `Space did not tick ${f.name} = ${v}`);
    }
    return;
  }
  const loc = fieldLocator(page, f);
  if ((await loc.count()) !== 1) throw new Error(`no #f-${f.name} on ${d.here()}`);
  if (f.kind === 'file') {
    await loc.setInputFiles(value);
    return;
  }
  await loc.focus();
  if (clear) {
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
  }
  await page.keyboard.type(f.kind === 'date' ? typeDate(...value.split('-')) : value);
  const got = await loc.inputValue();
  d.expect(got === value, `typed-${f.name}`, `typing into #f-${f.name} left "${short(got, 80)}", expected "${short(value, 80)}"`);
}

// Fills the shown fields of a step. A field waiting for an answer on an
// earlier step that was not given must not be on the page; one waiting for
// an answer on the same step is left empty unless that answer is given.
async function fillStep(d, def, step, plan) {
  const index = def.steps.indexOf(step);
  const earlier = new Set(def.steps.slice(0, index).flatMap((s) => s.fields.map((f) => f.name)));
  for (const f of step.fields) {
    if (!isShown(f, plan)) {
      if (earlier.has(f.show_if.field)) {
        d.expect((await fieldLocator(d.page, f).count()) === 0, `hidden-${f.name}`,
          `#f-${f.name} is on the page although ${f.show_if.field} was not "${f.show_if.equals}" on an earlier step`);
      }
      continue;
    }
    if (plan[f.name] === null || plan[f.name] === undefined) continue;
    await fillField(d, f, plan[f.name]);
  }
}

// Asserts the page is step `index` of `def`; returns the draft id.
async function expectStep(d, def, index, resp, status = 200) {
  const step = def.steps[index];
  const m = /^\/e\/([^/]+)\/([^/]+)\/step\/([^/]+)$/.exec(new URL(d.page.url()).pathname);
  if (!m || m[1] !== def.service_code || m[3] !== step.id) {
    const err = await errorSummary(d.page);
    throw new Error(`expected step ${index + 1}/${def.steps.length} "${step.id}", but the page is ${d.here()} (HTTP ${resp ? resp.status() : '?'})${err.found ? `; error summary: ${err.text}` : ''}`);
  }
  d.expect(resp && resp.status() === status, `step-status-${step.id}`, `step "${step.id}" answered HTTP ${resp && resp.status()}, expected ${status}`);
  const h1 = await h1Text(d.page);
  d.expect(h1 === step.title.sv, `step-h1-${step.id}`, `step "${step.id}" has the heading "${h1}", expected "${step.title.sv}"`);
  return m[2];
}

// The service page's button to the e-service, then "Starta e-tjänsten".
async function startEservice(d, def, { check }) {
  const code = def.service_code;
  let resp = await d.goto(`/services/${code}`);
  d.expect(resp && resp.status() === 200, 'service-page', `GET /services/${code} answered HTTP ${resp && resp.status()}`);
  const link = d.page.locator(`main a[href="/e/${code}"]`);
  if ((await link.count()) === 0) throw new Error(`the service page /services/${code} has no link to /e/${code}`);
  resp = await d.press(link.first());
  d.expect(new URL(d.page.url()).pathname === `/e/${code}` && resp && resp.status() === 200, 'start-page',
    `the service page's button led to ${d.here()} (HTTP ${resp && resp.status()}), not /e/${code}`);
  const h1 = await h1Text(d.page);
  d.expect(h1 === def.title.sv, 'start-h1', `the start page's heading is "${h1}", expected "${def.title.sv}"`);
  if (check) await d.check('start page');
  const start = d.page.locator(`form[action="/e/${code}/start"] button[type="submit"]`);
  if ((await start.count()) !== 1) throw new Error(`no "Starta e-tjänsten" button on /e/${code}`);
  return d.press(start);
}

// Checks a step page in Swedish, then in English (?lang=en), and switches back (?lang=sv).
async function checkStepPage(d, step, { english }) {
  await d.check(`step ${step.id}`);
  if (!english) return;
  const bare = d.page.url().split(/[?#]/)[0];
  let resp = await d.goto(`${bare}?lang=en`);
  let h1 = await h1Text(d.page);
  d.expect(resp && resp.status() === 200 && h1 === step.title.en, `step-en-${step.id}`,
    `in English step "${step.id}" answered HTTP ${resp && resp.status()} with the heading "${h1}", expected "${step.title.en}"`);
  await d.check(`step ${step.id}, English`, { expectLang: 'en' });
  resp = await d.goto(`${bare}?lang=sv`);
  h1 = await h1Text(d.page);
  d.expect(resp && resp.status() === 200 && h1 === step.title.sv, `step-sv-${step.id}`,
    `back in Swedish (?lang=sv) step "${step.id}" has the heading "${h1}"`);
}

// Steps `from` up to (not including) `to`: check, fill, "Fortsätt".
async function stepThrough(d, def, plan, resp, { check, english, from = 0, to = def.steps.length }) {
  for (let i = from; i < to; i++) {
    const step = def.steps[i];
    await expectStep(d, def, i, resp);
    if (check) await checkStepPage(d, step, { english });
    await fillStep(d, def, step, plan);
    resp = await d.press(nextButton(d.page));
  }
  return resp;
}

// The review page shows the answers; "Skicka in" leads to the receipt.
async function reviewAndSubmit(d, def, plan, resp, { check }) {
  const m = /^\/e\/([^/]+)\/([^/]+)\/review$/.exec(new URL(d.page.url()).pathname);
  if (!m) {
    const err = await errorSummary(d.page);
    throw new Error(`expected the review page after the last step, but the page is ${d.here()} (HTTP ${resp ? resp.status() : '?'})${err.found ? `; error summary: ${err.text}` : ''}`);
  }
  d.expect(resp && resp.status() === 200, 'review-status', `the review page answered HTTP ${resp && resp.status()}`);
  if (check) await d.check('review');
  const text = (await d.page.locator('main').innerText()).replace(/\s+/g, ' ');
  for (const f of def.steps.flatMap((s) => s.fields)) {
    if (!isShown(f, plan) || plan[f.name] === null || plan[f.name] === undefined) continue;
    const want = reviewText(f, plan[f.name]);
    if (want) d.expect(text.includes(want.replace(/\s+/g, ' ')), `review-${f.name}`, `the review page does not show the answer to ${f.name}: "${short(want, 80)}"`);
  }
  const form = d.page.locator(`form[action="/e/${def.service_code}/${m[2]}/submit"]`);
  if ((await form.count()) !== 1) throw new Error('no "Skicka in" form on the review page');
  d.submitted = {
    review: d.page.url().split(/[?#]/)[0],
    action: new URL(await form.getAttribute('action'), d.page.url()).href,
    csrf: await form.locator('input[name="csrf"]').inputValue(),
  };
  resp = await d.press(form.locator('button[type="submit"]'));
  return expectReceipt(d, def, resp, { check });
}

// The receipt: /track/{token}?received=1 with the registry number of the owning unit.
async function expectReceipt(d, def, resp, { check }) {
  const u = new URL(d.page.url());
  const m = /^\/track\/([^/]+)$/.exec(u.pathname);
  if (!m || u.searchParams.get('received') !== '1') {
    const err = await errorSummary(d.page);
    throw new Error(`after "Skicka in" the page is ${d.here()} (HTTP ${resp ? resp.status() : '?'}), not /track/{token}?received=1${err.found ? `; error summary: ${err.text}` : ''}`);
  }
  d.expect(resp && resp.status() === 200, 'receipt-status', `the receipt answered HTTP ${resp && resp.status()}`);
  const h1 = await h1Text(d.page);
  const reg = REGISTRY_NUMBER.exec(h1);
  if (!reg) throw new Error(`the receipt's heading "${h1}" shows no registry number like "TK 2026/00042"`);
  d.expect(!def.unit || reg[1] === def.unit, 'receipt-unit', `the registry number ${reg[0]} is not one of ${def.unit}, the unit that owns the service`);
  const notice = d.page.locator('[role="status"]').filter({ hasText: reg[0] });
  d.expect((await notice.count()) >= 1, 'receipt-notice', `no receipt notice (role="status") naming ${reg[0]}`);
  if (check) await d.check('receipt');
  return { token: m[1], registryNumber: reg[0], url: `${u.origin}${u.pathname}` };
}

// Part "eservices": every demo e-service, by keyboard, from its service page to the receipt.
async function eservicesPart(browser, server, defs, files) {
  const crawlName = 'eservices';
  const loaded = server.lines.map((l) => /e-service definitions loaded count=(\d+)/.exec(l)).find(Boolean);
  if (loaded && Number(loaded[1]) !== defs.length) {
    fail(crawlName, null, 'eservice', 'eservices:count', `the server loaded ${loaded[1]} e-service definitions, the demo folder has ${defs.length}`);
    failedTests++;
  }
  for (const def of defs) {
    if (ONLY_ESERVICES.length && !ONLY_ESERVICES.includes(def.service_code)) continue;
    const context = await newContext(browser);
    const d = new Driver(server, crawlName, def.service_code);
    await d.open(context);
    await runKeyboardTest(d, async () => {
      const plan = planAnswers(def, files);
      let resp = await startEservice(d, def, { check: true });
      resp = await stepThrough(d, def, plan, resp, { check: true, english: true });
      const receipt = await reviewAndSubmit(d, def, plan, resp, { check: true });
      log(`    ${def.service_code}: ${def.steps.length} step(s), receipt ${receipt.registryNumber}`);
    });
    await context.close();
  }
}

// Part "eservice-errors": a fault report that first fails validation (an
// empty required description and a bad e-mail address), then has a "PNG"
// that is really text refused, and then goes on to the receipt; a second
// submit of the same draft leads to the same receipt.
async function eserviceErrorsPart(browser, server, defs, files) {
  const crawlName = 'eservice-errors';
  const def = defs.find((x) => x.service_code === 'pothole');
  const context = await newContext(browser);
  const d = new Driver(server, crawlName, 'pothole');
  await d.open(context);
  await runKeyboardTest(d, async () => {
    if (!def) throw new Error('no pothole.toml among the demo e-services');
    const at = def.steps.findIndex((s) => s.fields.some((f) => f.name === 'description'));
    const step = def.steps[at];
    const field = Object.fromEntries(step.fields.map((f) => [f.name, f]));
    for (const name of ['fault', 'description', 'email', 'photo']) if (!field[name]) throw new Error(`pothole's step "${step.id}" has no field "${name}"`);
    const fault = field.fault.options[field.fault.options.length > 1 ? 1 : 0].value; // not the first option: id f-fault-<value>
    const plan = planAnswers(def, files, { fault });
    let resp = await startEservice(d, def, { check: false });
    resp = await stepThrough(d, def, plan, resp, { check: false, english: false, to: at });
    await expectStep(d, def, at, resp);
    const keptValues = async (what, want) => {
      d.expect(await choiceLocator(d.page, field.fault, fault).isChecked(), `kept-fault-${what}`, `${what}: the chosen "${fault}" is no longer ticked`);
      for (const [name, value] of Object.entries(want)) {
        const got = await fieldLocator(d.page, field[name]).inputValue();
        d.expect(got === value, `kept-${name}-${what}`, `${what}: #f-${name} holds "${short(got, 60)}" instead of the typed "${short(value, 60)}"`);
      }
    };
    const summaryLinks = async (what, expected) => {
      const summary = d.page.locator('.error-summary');
      if (!d.expect((await summary.count()) === 1 && (await summary.isVisible()), `summary-${what}`, `${what}: no visible error summary`)) return [];
      const hrefs = await summary.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      d.expect(JSON.stringify(hrefs) === JSON.stringify(expected), `summary-links-${what}`, `${what}: the error summary links to ${hrefs.join(', ') || 'nothing'}, expected ${expected.join(', ')}`);
      for (const href of hrefs) {
        const id = href.replace(/^#/, '');
        const target = d.page.locator(`[id="${id}"]`);
        if (!d.expect((await target.count()) === 1, `summary-target-${id}`, `${what}: the summary links to ${href}, which is not on the page`)) continue;
        d.expect((await target.getAttribute('aria-invalid')) === 'true' || ['radio', 'checkbox'].includes(await target.getAttribute('type')),
          `invalid-${id}`, `${what}: ${href} is not marked aria-invalid="true"`);
        const describedby = (await target.getAttribute('aria-describedby')) || '';
        d.expect(describedby.split(/\s+/).includes(`${id}-error`), `describedby-${id}`, `${what}: ${href} is not described by its error message (#${id}-error)`);
      }
      return hrefs;
    };

    // 1. The description left empty, a bad e-mail address.
    await fillField(d, field.fault, fault);
    const badEmail = 'anna.example.com';
    await fillField(d, field.email, badEmail);
    resp = await d.press(nextButton(d.page));
    await expectStep(d, def, at, resp, 422);
    const hrefs = await summaryLinks('empty description and bad e-mail', ['#f-description', '#f-email']);
    await keptValues('empty description and bad e-mail', { email: badEmail, description: '' });
    await d.check(`step ${step.id}, 2 errors`, { docStatus: 422, allowDocStatus: true });
    if (hrefs.length) {
      // The first link, activated by keyboard, moves focus to its field.
      await d.page.locator('.error-summary a').first().focus();
      await d.page.keyboard.press('Enter');
      const id = hrefs[0].slice(1);
      await d.page.waitForFunction((want) => document.activeElement && document.activeElement.id === want, id, { timeout: 3_000 }).catch(() => {});
      const active = await d.page.evaluate(() => {
        const a = document.activeElement;
        return a && a !== document.body ? `${a.tagName.toLowerCase()}${a.id ? `#${a.id}` : ''}` : 'body';
      });
      d.expect(active.endsWith(`#${id}`), 'summary-focus', `Enter on the error summary's first link left focus on ${active}, not #${id}`);
    }

    // 2. Both fixed, but the "PNG" is text.
    const description = 'Ett djupt hål mitt i cykelbanan, ungefär en halv meter brett. Åäö.';
    await fillField(d, field.description, description, { clear: true });
    await fillField(d, field.email, EMAIL, { clear: true });
    await fillField(d, field.photo, files.fakePng);
    resp = await d.press(nextButton(d.page));
    await expectStep(d, def, at, resp, 422);
    await summaryLinks('text file as PNG', ['#f-photo']);
    await keptValues('text file as PNG', { email: EMAIL, description });
    const message = (await d.page.locator('.error-summary').innerText().catch(() => '')).replace(/\s+/g, ' ');
    d.expect(/PDF|bild/i.test(message), 'file-type-message', `the refused file's message does not say which files are allowed: "${short(message, 160)}"`);
    await d.check(`step ${step.id}, refused file`, { docStatus: 422, allowDocStatus: true });

    // 3. A real picture, and on to the receipt.
    await fillField(d, field.photo, files.png);
    resp = await d.press(nextButton(d.page));
    const fixed = { ...plan, description, email: EMAIL, photo: files.png };
    if (at + 1 < def.steps.length) resp = await stepThrough(d, def, fixed, resp, { check: false, english: false, from: at + 1 });
    const receipt = await reviewAndSubmit(d, def, fixed, resp, { check: false });
    log(`    pothole after two refusals: receipt ${receipt.registryNumber}`);

    // 4. Back after submitting shows the receipt, and submitting again answers the same receipt.
    const { action, csrf } = d.submitted;
    resp = await d.page.goBack({ waitUntil: 'load' });
    const status = resp ? resp.status() : 200;
    log(`    back from the receipt: HTTP ${status}${resp ? '' : ' (back/forward cache)'}, "${await h1Text(d.page)}"`);
    // A submitted draft's pages lead to its receipt (the server redirects).
    d.expect(status === 200 && new URL(d.page.url()).pathname === `/track/${receipt.token}`, 'back-to-receipt',
      `back after the submit: HTTP ${status} at ${d.here()}, not the receipt /track/${receipt.token}`);
    const repeat = await d.page.request.post(action, { form: { csrf }, maxRedirects: 0 });
    const location = repeat.headers().location || '';
    d.expect(repeat.status() === 303 && new URL(location, server.baseUrl).pathname === `/track/${receipt.token}`, 'double-submit',
      `submitting the same draft again answered HTTP ${repeat.status()} to ${location || '(no Location)'}, not the same receipt /track/${receipt.token}`);
    log(`    the same draft submitted again: HTTP ${repeat.status()} to ${location ? displayUrl(new URL(location, server.baseUrl)) : '(no Location)'}`);
  });
  await context.close();
}

// Part "receipt-mail": a report with an e-mail address; the receipt mail
// reaches the SMTP sink, and its tracking link opens in a new browser
// context without cookies on the same errand.
async function receiptMailPart(browser, server, defs, files, sink) {
  const crawlName = 'receipt-mail';
  const def = defs.find((x) => x.service_code === 'graffiti') || defs.find((x) => x.steps.some((s) => s.fields.some((f) => f.name === 'email' && !f.show_if)));
  const context = await newContext(browser);
  const d = new Driver(server, crawlName, def ? def.service_code : 'graffiti');
  await d.open(context);
  let other;
  await runKeyboardTest(d, async () => {
    if (!def) throw new Error('no demo e-service with an unconditional e-mail field');
    const to = `anna.kvitto.${process.pid}@example.com`;
    const plan = planAnswers(def, files, { email: to });
    let resp = await startEservice(d, def, { check: false });
    resp = await stepThrough(d, def, plan, resp, { check: false, english: false });
    const receipt = await reviewAndSubmit(d, def, plan, resp, { check: false });
    const t0 = Date.now();
    const mail = await sink.waitFor((m) => m.to.includes(to), MAIL_TIMEOUT_MS);
    if (!mail) {
      throw new Error(`no mail to ${to} reached the SMTP sink within ${MAIL_TIMEOUT_MS / 1000} s (${sink.messages.length} other mail(s)${sink.errors.length ? `; sink errors: ${sink.errors.join('; ')}` : ''})`);
    }
    log(`    receipt mail after ${((Date.now() - t0) / 1000).toFixed(1)} s: "${mail.subject}" (${mail.transferEncoding})`);
    d.expect(mail.subject.includes(def.title.sv), 'mail-subject', `the subject "${mail.subject}" does not name "${def.title.sv}"`);
    d.expect(mail.from.includes('noreply@lindhamn.example'), 'mail-from', `the mail is from "${mail.from}", not PORTEN_MAIL_FROM`);
    const links = mail.body.match(/https?:\/\/[^\s<>"]+\/track\/[A-Za-z0-9_-]+/g) || [];
    if (links.length !== 1) throw new Error(`the mail has ${links.length} tracking link(s), expected 1:\n${short(mail.body, 600)}`);
    const link = links[0];
    d.expect(new URL(link).origin === new URL(server.baseUrl).origin, 'mail-link-origin', `the tracking link ${link} does not lead to this server (${server.baseUrl})`);
    d.expect(link === receipt.url, 'mail-link-token', `the mail's link ${link} is not the receipt's ${receipt.url}`);

    // A new context: no session, no cookies.
    other = await newContext(browser);
    const fresh = new Driver(server, crawlName, `${def.service_code} tracking link`);
    await fresh.open(other);
    d.expect((await other.cookies()).length === 0, 'fresh-context', 'the new browser context already has cookies');
    resp = await fresh.page.goto(link, { waitUntil: 'load' });
    d.expect(resp && resp.status() === 200, 'track-status', `the mail's tracking link answered HTTP ${resp && resp.status()}`);
    const h1 = await h1Text(fresh.page);
    d.expect(h1.includes(receipt.registryNumber), 'track-number', `the tracking page's heading "${h1}" does not show ${receipt.registryNumber}`);
    await fresh.check('tracking link from the mail');
  });
  if (other) await other.close();
  await context.close();
}

// Part "messages": a citizen signed in with the demo e-ID submits a fault
// report of the case officer's unit and sees it in Mina ärenden; the case
// officer finds it in the errand list and writes to the citizen; the citizen
// reads that and replies; the case officer sees the reply in the timeline.
// E-mail intake (issue 20), by keyboard: a citizen's mail arrives through
// `porten mail-intake` (as an MTA pipes it) and is answered by the auto-reply;
// the agent finds the errand and answers; the answer is mailed as the text
// itself, threaded; the citizen's reply, sent as a real mail into the pipe,
// lands on the same errand, without the quoted earlier mail.
async function mailIntakePart(browser, server, sink) {
  const crawlName = 'mail-intake';
  const agent = server.logins.find((l) => l.role === 'agent');
  const dbUrl = `sqlite://${path.join(server.dataDir, 'porten.db')}`;
  const pipe = (raw) => spawnSync(PORTEN_BIN, ['mail-intake', '--demo', '--database-url', dbUrl], {
    input: Buffer.from(raw.replace(/\n/g, '\r\n'), 'utf8'),
    env: { ...process.env, PORTEN_LOG: 'warn', PORTEN_MAIL_FROM: server.env.PORTEN_MAIL_FROM },
    timeout: 30_000,
  });
  const citizen = `karin.mail.${process.pid}@example.se`;
  const ctx = await newContext(browser);
  const g = new Driver(server, crawlName, `agent (${agent ? agent.username : '?'})`, { kind: 'staff' });
  try {
    if (!agent || !(await login(ctx, server, { ...agent, role: crawlName }))) throw new Error('the agent could not sign in');
    await g.open(ctx);
    await runKeyboardTest(g, async () => {
      const first = [
        `From: Karin Lind <${citizen}>`,
        'To: kontaktcenter@example.org',
        'Subject: =?UTF-8?Q?Fr=C3=A5ga_om_sophämtning?=',
        `Message-ID: <first-${process.pid}@example.se>`,
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Hej! Vilken dag hämtas soporna på Sjögatan?',
        '/Karin',
        '',
      ].join('\n');
      const opened = pipe(first);
      if (opened.status !== 0) throw new Error(`mail-intake exited ${opened.status}: ${opened.stderr}`);
      const reg = opened.stdout.toString().trim();
      g.expect(/^KC \d{4}\/\d{5}$/.test(reg), 'intake-number', `mail-intake printed "${reg}", not a registry number of the contact center`);
      log(`    the mail opened ${reg}`);
      const auto = await sink.waitFor((m) => m.to.includes(citizen) && m.subject.includes(reg), MAIL_TIMEOUT_MS);
      g.expect(auto && /auto-replied/.test(auto.headers['auto-submitted'] || ''), 'intake-auto-reply',
        `no auto-reply (Auto-Submitted: auto-replied) naming ${reg} reached the sink`);

      // The agent finds it by its number and answers, by keyboard.
      await g.goto('/staff/errands');
      await g.page.locator('#f-q').focus();
      await g.page.keyboard.type(reg);
      await g.press(g.page.locator('#f-q'));
      const hit = g.page.locator('main table a').filter({ hasText: reg });
      if (!(await hit.count())) throw new Error(`the agent's search did not find ${reg}`);
      await g.press(hit.first());
      const errandUrl = g.page.url().split(/[?#]/)[0];
      g.expect((await g.page.locator('main').innerText()).includes('Inkom med e-post'), 'intake-channel',
        'the errand page does not say the errand came in by e-mail');
      await g.check('errand opened by mail');
      const answer = `Soporna hämtas på tisdagar. (${process.pid})`;
      await g.page.locator('#message').focus();
      await g.page.keyboard.type(answer);
      let resp = await g.press(g.page.locator('form[action$="/message"] button[type="submit"]'));
      const sent = await errorSummary(g.page);
      g.expect(!sent.found, 'intake-answer', `sending the answer showed an error: ${sent.text}`);
      const mail = await sink.waitFor((m) => m.to.includes(citizen) && m.body.includes(answer), MAIL_TIMEOUT_MS);
      if (!mail) throw new Error(`the answer did not reach ${citizen} as a mail with its text`);
      g.expect((mail.headers['in-reply-to'] || '').includes(`first-${process.pid}@example.se`), 'intake-threaded',
        `the answer's In-Reply-To is "${mail.headers['in-reply-to']}", not the citizen's mail`);
      g.expect(mail.subject.includes(`[${reg}]`), 'intake-subject', `the answer's subject "${mail.subject}" lacks [${reg}]`);

      // The citizen answers from their mail program: it threads back.
      const thanks = `Tack för svaret! (${process.pid})`;
      const reply = [
        `From: Karin Lind <${citizen}>`,
        'To: Lindhamns stad <noreply@lindhamn.example>',
        `Subject: Re: ${mail.subject}`,
        `Message-ID: <reply-${process.pid}@example.se>`,
        `In-Reply-To: ${mail.headers['message-id']}`,
        `References: <first-${process.pid}@example.se> ${mail.headers['message-id']}`,
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8',
        '',
        thanks,
        '',
        `Den 7 dec. 2026 kl 10:02 skrev Lindhamns stad <noreply@lindhamn.example>:`,
        `> ${answer}`,
        '',
      ].join('\n');
      const joined = pipe(reply);
      g.expect(joined.status === 0 && joined.stdout.toString().trim() === reg, 'intake-reply-joined',
        `the reply went to "${joined.stdout}" (exit ${joined.status}: ${joined.stderr}), not ${reg}`);
      resp = await g.goto(errandUrl);
      const history = await g.page.locator('.timeline').innerText();
      g.expect(history.includes(thanks), 'intake-reply-timeline', 'the citizen\'s reply is not on the errand');
      g.expect(history.split(answer).length === 2, 'intake-reply-quote', 'the quoted answer came back into the history');
      await g.check('errand with the reply by mail');

      // The supervisor sees it counted in the reports and exports the CSV, by keyboard.
      const admin = server.logins.find((l) => l.role === 'system_admin');
      const adminCtx = await newContext(browser);
      try {
        if (!admin || !(await login(adminCtx, server, { ...admin, role: crawlName }))) throw new Error('the system admin could not sign in');
        const s = new Driver(server, crawlName, `supervisor (${admin.username})`, { kind: 'staff' });
        await s.open(adminCtx);
        await s.goto('/staff/reports');
        const unit = s.page.locator('#unit');
        await unit.focus();
        for (let i = 0; i < 20 && (await unit.inputValue()) !== 'KC'; i++) await s.page.keyboard.press('ArrowDown');
        const channel = s.page.locator('#channel');
        await channel.focus();
        for (let i = 0; i < 10 && (await channel.inputValue()) !== 'email'; i++) await s.page.keyboard.press('ArrowDown');
        resp = await s.press(s.page.locator('form[action="/staff/reports"] button[type="submit"]'));
        s.expect(resp && resp.status() === 200, 'reports-status', `the report answered HTTP ${resp && resp.status()}`);
        const today = new Date().toLocaleDateString('sv-SE', { timeZone: 'Europe/Stockholm' });
        const row = s.page.locator('table').filter({ hasText: 'Registrerade ärenden per dag' }).locator('tr').filter({ hasText: today });
        const counted = Number(((await row.first().locator('td').first().innerText()) || '0').replace(/\s/g, ''));
        s.expect(counted >= 1, 'reports-counted', `today's e-mail errands at the contact center are ${counted}, not at least 1`);
        await s.check('reports for the contact center by e-mail');
        await s.page.locator('#style').focus();
        await s.page.keyboard.press('Space');
        const [download] = await Promise.all([
          s.page.waitForEvent('download'),
          s.page.locator('form[action="/staff/reports/export"] button[type="submit"]').focus().then(() => s.page.keyboard.press('Enter')),
        ]);
        const file = await download.path();
        const csv = fs.readFileSync(file, 'utf8');
        s.expect(csv.startsWith('\ufeffregistry_number;'), 'export-swedish', `the export does not start with the Swedish header: ${short(csv, 80)}`);
        s.expect(csv.includes(reg), 'export-row', `the export does not list ${reg}`);
        // The report and the outbox in English, with the page checks (axe).
        for (const page of ['/staff/reports?lang=en', '/staff/outbox?lang=en']) {
          resp = await s.goto(page);
          s.expect(resp && resp.status() === 200, 'admin-en', `${page} answered HTTP ${resp && resp.status()}`);
          await s.check(`${page.split('?')[0]} in English`);
        }
        // Administration of units, services and contact topics (issue 20), in
        // Swedish and then English, with the page checks (axe); a target the
        // form refuses, by keyboard, keeps what was typed.
        for (const page of ['/staff/admin', '/staff/admin/services', '/staff/admin/services/pothole', '/staff/admin/topics',
          '/staff/admin/services?lang=en', '/staff/admin/services/pothole?lang=en', '/staff/admin/topics?lang=en']) {
          resp = await s.goto(page);
          s.expect(resp && resp.status() === 200, 'admin-page', `${page} answered HTTP ${resp && resp.status()}`);
          await s.check(page);
        }
        await s.goto('/staff/admin/services/pothole');
        const first = s.page.locator('#sla_normal_first');
        await first.focus();
        await s.page.keyboard.press('Control+A');
        await s.page.keyboard.type('9999');
        resp = await s.press(s.page.locator('form[action="/staff/admin/services/pothole"] button[type="submit"]'));
        s.expect(resp && resp.status() === 422, 'service-refused', `a first answer later than the decision answered HTTP ${resp && resp.status()}, not 422`);
        s.expect((await s.page.locator('#sla_normal_first').inputValue()) === '9999', 'service-kept', 'the refused target was not kept');
        await s.check('service with a refused target', { docStatus: 422, allowDocStatus: true });
      } finally {
        await adminCtx.close();
      }
    });
  } finally {
    await ctx.close();
  }
}

async function messagesPart(browser, server, defs, files) {
  const crawlName = 'messages';
  const officer = server.logins.find((l) => l.role === 'case_officer');
  if (!officer) {
    fail(crawlName, null, 'eservice', 'messages:no-officer', 'no demo login for the role case_officer');
    failedTests++;
    return;
  }
  const staffCtx = await newContext(browser);
  const citizenCtx = await newContext(browser);
  const anonCtx = await newContext(browser);
  const c = new Driver(server, crawlName, 'citizen');
  await c.open(citizenCtx);
  const s = new Driver(server, crawlName, `staff (${officer.username})`);
  try {
    if (!(await login(staffCtx, server, { ...officer, role: crawlName }))) return;
    await s.open(staffCtx);
    const ok = await runKeyboardTest(c, async () => {
      // The units the officer works: the unit filter of the errand list.
      await s.goto('/staff/errands');
      const units = await s.page.locator('#f-unit option').evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
      const def = defs.find((x) => x.service_code === 'litter' && units.includes(x.unit)) || defs.find((x) => units.includes(x.unit));
      if (!def) throw new Error(`no demo e-service belongs to the case officer's unit(s) ${units.join(', ') || '(none)'}`);

      // Finding an errand with the list's search box, by keyboard; the hits page is checked.
      await s.page.locator('#f-q').focus();
      await s.page.keyboard.type('hål');
      const found = await s.press(s.page.locator('#f-q'));
      s.expect(found && found.status() === 200, 'errand-search-status', `the errand search answered HTTP ${found && found.status()}`);
      await s.check('errand search hits');

      // The demo's own e-ID page (fictional people, clearly marked) is checked; the
      // citizen then signs in through the real OpenID provider, by keyboard.
      let resp = await c.goto('/login/demo-eid');
      c.expect(resp && resp.status() === 200, 'demo-eid-status', `GET /login/demo-eid answered HTTP ${resp && resp.status()}`);
      await c.check('demo e-ID login');
      const people = c.page.locator('form[action="/login/demo-eid"] input[type="radio"][name="person"]');
      await people.first().focus();
      await c.page.keyboard.press('ArrowDown');
      c.expect(await people.nth(1).isChecked(), 'demo-eid-arrow', 'ArrowDown in the people radio group did not choose the second person');

      await c.goto('/login');
      await c.check('login page offering e-ID');
      const eid = c.page.locator('main a[href="/login/eid"]');
      if ((await eid.count()) !== 1) throw new Error('the login page has no link to /login/eid although an e-ID provider is configured');
      await c.press(eid);
      const issuer = new URL(c.server.env.PORTEN_EID_ISSUER);
      if (new URL(c.page.url()).host !== issuer.host) throw new Error(`the e-ID link led to ${c.page.url()}, not the provider ${issuer.host}`);
      const person = OIDC_PEOPLE.gustav.name;
      await c.page.locator('input[name="login"]').focus();
      await c.page.keyboard.type('gustav');
      await c.page.locator('input[name="password"]').focus();
      await c.page.keyboard.type('any password will do');
      await c.press(c.page.locator('input[name="password"]'));
      // The provider asks for consent once; its button is the form's submit.
      for (let i = 0; i < 3 && new URL(c.page.url()).host === issuer.host; i++) {
        await c.press(c.page.locator('form button[type="submit"], form [type="submit"]').first());
      }
      if (new URL(c.page.url()).pathname !== '/mina-arenden') throw new Error(`after the e-ID login the page is ${c.here()}, not /mina-arenden`);
      c.expect((await h1Text(c.page)) === 'Mina ärenden', 'my-h1', `Mina ärenden has the heading "${await h1Text(c.page)}"`);
      c.expect((await c.page.locator('body').innerText()).includes(person), 'my-name', `the signed-in person "${person}" is not named on the page`);
      await c.check('Mina ärenden, signed in with e-ID');

      // A member of staff signs in through the city's identity provider, by
      // keyboard: their groups make them an agent of the contact center.
      const staffOidcCtx = await newContext(browser);
      try {
        const o = new Driver(server, crawlName, 'staff through the identity provider', { kind: 'staff' });
        await o.open(staffOidcCtx);
        await o.goto('/login');
        const link = o.page.locator('main a[href="/login/staff"]');
        if ((await link.count()) !== 1) throw new Error('the login page has no link to /login/staff although a staff provider is configured');
        await o.press(link);
        await o.page.locator('input[name="login"]').focus();
        await o.page.keyboard.type('stina');
        await o.page.locator('input[name="password"]').focus();
        await o.page.keyboard.type('any password will do');
        await o.press(o.page.locator('input[name="password"]'));
        for (let i = 0; i < 3 && new URL(o.page.url()).host === issuer.host; i++) {
          await o.press(o.page.locator('form button[type="submit"], form [type="submit"]').first());
        }
        o.expect(new URL(o.page.url()).pathname === '/staff/errands', 'staff-oidc-landed',
          `after signing in through the identity provider the page is ${o.here()}, not /staff/errands`);
        o.expect((await o.page.locator('body').innerText()).includes(OIDC_STAFF.stina.name), 'staff-oidc-name',
          `the signed-in member of staff "${OIDC_STAFF.stina.name}" is not named on the page`);
        o.expect((await o.page.locator('a[href="/staff/contacts"]').count()) >= 1, 'staff-oidc-agent',
          'the member of staff signed in through the provider has no link to the contact log (not an agent)');
        await o.check('workspace, signed in through the identity provider');
      } finally {
        await staffOidcCtx.close();
      }

      // The fault report, signed in; no answer waits for a condition this time.
      const plan = planAnswers(def, files, {}, { conditions: false });
      resp = await startEservice(c, def, { check: true });
      resp = await stepThrough(c, def, plan, resp, { check: true, english: false });
      const receipt = await reviewAndSubmit(c, def, plan, resp, { check: true });
      const reg = receipt.registryNumber;
      log(`    ${person} submitted ${def.service_code}: ${reg}`);
      await c.goto('/mina-arenden');
      const mine = c.page.locator('main table a').filter({ hasText: reg });
      c.expect((await mine.count()) === 1, 'my-listed', `Mina ärenden does not list ${reg}`);
      await c.check('Mina ärenden with the new errand');

      // The case officer: the errand list filtered to the unit, by keyboard, then page by page.
      await s.goto('/staff/errands');
      const unitSelect = s.page.locator('#f-unit');
      await unitSelect.focus();
      for (let i = 0; i < 20 && (await unitSelect.inputValue()) !== def.unit; i++) await s.page.keyboard.press('ArrowDown');
      s.expect((await unitSelect.inputValue()) === def.unit, 'filter-unit', `could not choose ${def.unit} in the unit filter by keyboard`);
      resp = await s.press(s.page.locator('form.filters button[type="submit"]'));
      let row = null;
      for (let i = 0; i < 40; i++) {
        const l = s.page.locator('main table a').filter({ hasText: new RegExp(`^\\s*${reg.replace(/[/]/g, '\\/')}\\s*$`) });
        if (await l.count()) {
          row = l.first();
          break;
        }
        const next = s.page.locator('a[rel="next"]');
        if (!(await next.count())) break;
        await s.press(next);
      }
      if (!row) throw new Error(`${reg} is not in the staff errand list filtered to ${def.unit}`);
      await s.check('errand list with the new errand');
      resp = await s.press(row);
      const errandUrl = s.page.url().split(/[?#]/)[0];
      s.expect(resp && resp.status() === 200 && /^\/staff\/errands\/[^/]+$/.test(new URL(errandUrl).pathname), 'errand-page',
        `the errand link led to ${s.here()} (HTTP ${resp && resp.status()})`);
      s.expect((await h1Text(s.page)).includes(reg), 'errand-h1', `the errand page's heading does not show ${reg}`);
      const main = await s.page.locator('main').innerText();
      const described = plan.description || Object.values(plan).find((v) => typeof v === 'string' && v.startsWith('Provtext'));
      s.expect(!described || main.includes(described), 'errand-answers', 'the errand page does not show the e-service answers');
      if (Object.values(plan).includes(files.png)) {
        s.expect((await s.page.locator(`main a[href*="/attachments/"]`).filter({ hasText: path.basename(files.png) }).count()) === 1,
          'errand-attachment', `the errand page does not list the attachment ${path.basename(files.png)}`);
      }
      await s.check('errand');
      const toCitizen = `Hej! Tack för anmälan om ${reg}. Vi åker dit i veckan. (${process.pid})`;
      const messageForm = s.page.locator('form[action$="/message"]');
      await messageForm.locator('#message').focus();
      await s.page.keyboard.type(toCitizen);
      resp = await s.press(messageForm.locator('button[type="submit"]'));
      s.expect(resp && resp.status() === 200, 'message-status', `sending the message answered HTTP ${resp && resp.status()}`);
      const sent = await errorSummary(s.page);
      s.expect(!sent.found, 'message-error', `sending the message showed an error: ${sent.text}`);
      s.expect((await s.page.locator('.timeline').innerText()).includes(toCitizen), 'message-timeline', 'the sent message is not in the errand timeline');
      await s.check('errand after the message');

      // The citizen reads it in Mina ärenden and replies.
      await c.goto('/mina-arenden');
      resp = await c.press(c.page.locator('main table a').filter({ hasText: reg }).first());
      const mineUrl = c.page.url().split(/[?#]/)[0];
      c.expect(/^\/mina-arenden\/[^/]+$/.test(new URL(mineUrl).pathname) && resp && resp.status() === 200, 'my-errand',
        `the link in Mina ärenden led to ${c.here()} (HTTP ${resp && resp.status()})`);
      c.expect((await c.page.locator('.timeline').innerText()).includes(toCitizen), 'my-message', 'the case officer\'s message is not on the citizen\'s errand page');
      await c.check('my errand with the message');
      const reply = `Tack för svaret! Det är närmast busshållplatsen. (${process.pid})`;
      const replyForm = c.page.locator('form[action$="/reply"]');
      await replyForm.locator('#message').focus();
      await c.page.keyboard.type(reply);
      resp = await c.press(replyForm.locator('button[type="submit"]'));
      c.expect(new URL(c.page.url()).searchParams.get('replied') === '1' && resp && resp.status() === 200, 'reply-sent',
        `after "Skicka meddelandet" the page is ${c.here()} (HTTP ${resp && resp.status()})`);
      c.expect((await c.page.locator('.timeline').innerText()).includes(reply), 'reply-timeline', 'the reply is not in the citizen\'s timeline');
      await c.check('my errand after the reply');

      // The tracking link, without a session, shows the message too.
      const a = new Driver(server, crawlName, 'tracking link');
      await a.open(anonCtx);
      resp = await a.goto(receipt.url);
      a.expect(resp && resp.status() === 200 && (await a.page.locator('.timeline').innerText()).includes(toCitizen), 'track-message',
        'the tracking link does not show the case officer\'s message');
      await a.check('tracking link with the messages');

      // The case officer sees the reply.
      resp = await s.goto(errandUrl);
      s.expect((await s.page.locator('.timeline').innerText()).includes(reply), 'reply-staff', 'the citizen\'s reply is not in the staff errand timeline');
      await s.check('errand with the reply');

      // The tracking page promises a decision date while the SLA clock runs.
      resp = await a.goto(receipt.url);
      a.expect((await a.page.locator('main').innerText()).includes('Besked senast'), 'track-promise',
        'the tracking page does not say when a decision is due ("Besked senast")');

      // The contact center: the caller phones about the errand; the agent finds
      // it by its registry number and logs the call on it, all by keyboard.
      const agent = server.logins.find((l) => l.role === 'agent');
      if (agent) {
        const agentCtx = await newContext(browser);
        try {
          if (await login(agentCtx, server, { ...agent, role: crawlName })) {
            const g = new Driver(server, crawlName, `agent (${agent.username})`);
            await g.open(agentCtx);
            await g.goto('/staff/errands');
            await g.page.locator('#f-q').focus();
            await g.page.keyboard.type(reg.toLowerCase().replace(' ', ''));
            await g.press(g.page.locator('#f-q'));
            const hit = g.page.locator('main table a').filter({ hasText: reg });
            g.expect((await hit.count()) === 1, 'agent-find', `the agent's search for ${reg} did not find it`);
            await g.press(hit.first());
            await g.check('errand, as the agent');
            await g.press(g.page.locator('main a[href^="/staff/contacts?errand="]'));
            g.expect((await g.page.locator('#errand').inputValue()) === reg, 'contact-errand', 'the contact form does not have the errand\'s number');
            await g.page.locator('input[name="channel"][value="phone"]').focus();
            await g.page.keyboard.press('Space');
            const topic = g.page.locator('#topic');
            await topic.focus();
            await g.page.keyboard.press('ArrowDown');
            await g.page.locator('input[name="outcome"][value="referred"]').focus();
            await g.page.keyboard.press('Space');
            resp = await g.press(g.page.locator('form[action="/staff/contacts"] button[type="submit"]'));
            const logged = await errorSummary(g.page);
            g.expect(!logged.found, 'contact-logged', `logging the call showed an error: ${logged.text}`);
            await g.goto(errandUrl);
            g.expect((await g.page.locator('.timeline').innerText()).includes('Kontakt loggad'), 'contact-timeline',
              'the logged call is not in the errand\'s history');

            // The caller cannot sign in either: the agent registers an errand
            // for them (assisted, by phone) and logs the call from its
            // receipt, linked to the new errand.
            const helpDef = defs.find((x) => x.service_code === 'e-id-help');
            // Registers an errand of e-id-help for a caller by phone (assisted), by keyboard.
            const registerForCaller = async (check) => {
              resp = await g.goto(`/e/${helpDef.service_code}`);
              await g.page.locator('#assisted-first').focus();
              await g.page.keyboard.press('Space');
              g.expect(await g.page.locator('#assisted-first').isChecked(), 'assisted-phone', 'Space did not choose "by phone"');
              resp = await g.press(g.page.locator(`form[action="/e/${helpDef.service_code}/start"] button[type="submit"]`));
              const helpPlan = planAnswers(helpDef, files, {}, { conditions: false });
              resp = await stepThrough(g, helpDef, helpPlan, resp, { check: false, english: false });
              return reviewAndSubmit(g, helpDef, helpPlan, resp, { check });
            };
            let helped = null;
            if (!helpDef) {
              g.expect(false, 'assisted-def', 'the demo has no e-service e-id-help to register an errand for a caller');
            } else {
              helped = await registerForCaller(true);
              log(`    the agent registered ${helped.registryNumber} for the caller`);
              const logIt = g.page.locator('main a[href^="/staff/contacts?errand="]');
              g.expect((await logIt.count()) === 1, 'assisted-log-link', 'the receipt of an assisted errand has no link to log the call');
              await g.press(logIt.first());
              g.expect((await g.page.locator('#errand').inputValue()) === helped.registryNumber, 'assisted-contact-errand',
                'the contact form does not have the new errand\'s number');
              g.expect(await g.page.locator('input[name="outcome"][value="errand"]').isChecked(), 'assisted-contact-outcome',
                'the contact form does not say the call led to an errand');
              await g.page.locator('input[name="channel"][value="phone"]').focus();
              await g.page.keyboard.press('Space');
              await g.page.locator('#topic').focus();
              await g.page.keyboard.press('ArrowDown');
              resp = await g.press(g.page.locator('form[action="/staff/contacts"] button[type="submit"]'));
              const linked = await errorSummary(g.page);
              g.expect(!linked.found, 'assisted-contact-logged', `logging the call on the new errand showed an error: ${linked.text}`);
              await g.goto('/staff/errands');
              await g.page.locator('#f-q').focus();
              await g.page.keyboard.type(helped.registryNumber);
              await g.press(g.page.locator('#f-q'));
              const helpedHit = g.page.locator('main table a').filter({ hasText: helped.registryNumber });
              g.expect((await helpedHit.count()) === 1, 'assisted-find', `the agent's search did not find ${helped.registryNumber}`);
              if (await helpedHit.count()) {
                await g.press(helpedHit.first());
                const history = await g.page.locator('.timeline').innerText();
                g.expect(history.includes('Kontakt loggad'), 'assisted-linked', `the call is not linked to ${helped.registryNumber}`);
              }
              // The caller follows it by the link the receipt gave: the
              // service's own citizen word and the promised date.
              resp = await a.goto(helped.url);
              const helpTracked = await a.page.locator('main').innerText();
              a.expect(resp && resp.status() === 200 && helpTracked.includes('Mottagen'), 'assisted-track-status',
                `the tracking page of ${helped.registryNumber} does not say "Mottagen" (HTTP ${resp && resp.status()})`);
              a.expect(/Besked senast\s+\d{4}-\d{2}-\d{2}/.test(helpTracked), 'assisted-track-due',
                `the tracking page of ${helped.registryNumber} does not promise a date ("Besked senast …")`);
              a.expect(!/\bNy\b/.test(helpTracked), 'assisted-track-words', 'the tracking page shows the staff word "Ny"');
              await a.check('tracking link of an errand registered for a caller');
            }

            // A canned reply: the agent drafts the answer from a knowledge
            // article, adds a line, and sends it, by keyboard.
            const template = g.page.locator('#reply');
            g.expect((await template.count()) === 1, 'reply-template', 'the errand page offers no reply drafted from an article');
            if (await template.count()) {
              resp = await g.press(g.page.locator('form[method="get"][action$="#message"] button[type="submit"]'));
              const drafted = await g.page.locator('#message').inputValue();
              g.expect(drafted.length > 40, 'reply-drafted', 'choosing the template did not draft the message');
              await g.page.locator('#message').focus();
              await g.page.keyboard.press('Control+End');
              const added = `Hälsningar, kontaktcenter (${process.pid})`;
              await g.page.keyboard.type(`\n${added}`);
              resp = await g.press(g.page.locator('form[action$="/message"] button[type="submit"]'));
              const sentReply = await errorSummary(g.page);
              g.expect(!sentReply.found, 'reply-sent', `sending the drafted reply showed an error: ${sentReply.text}`);
              const history = await g.page.locator('.timeline').innerText();
              g.expect(history.includes(added) && history.includes(drafted.split('\n')[0].trim()), 'reply-timeline',
                'the edited reply is not in the errand\'s history');
              await g.check('errand after a canned reply');
            }

            // Another caller's question turns out to be about a building
            // permit: the agent registers it, hands it over to
            // Stadsbyggnadskontoret, whose case officer resolves it with a
            // decision, and the caller follows it by its link; all by keyboard.
            if (!helpDef) throw new Error('the demo has no e-service e-id-help to register an errand for a caller');
            const fourth = await registerForCaller(false);
            const otherReg = fourth.registryNumber;
            await g.goto('/staff/errands');
            await g.page.locator('#f-q').focus();
            await g.page.keyboard.type(otherReg);
            await g.press(g.page.locator('#f-q'));
            const other = g.page.locator('main table a').filter({ hasText: otherReg });
            if (!(await other.count())) throw new Error(`the agent's search did not find ${otherReg}`);
            await g.press(other.first());
            const otherUrl = g.page.url().split(/[?#]/)[0];
            const toUnit = g.page.locator('#handover-unit');
            await toUnit.focus();
            for (let i = 0; i < 20 && (await toUnit.inputValue()) !== 'SBK'; i++) await g.page.keyboard.press('ArrowDown');
            g.expect((await toUnit.inputValue()) === 'SBK', 'handover-unit', 'could not choose Stadsbyggnadskontoret by keyboard');
            await g.page.locator('#handover-reason').focus();
            await g.page.keyboard.type('Gäller bygglov, inte gatan');
            resp = await g.press(g.page.locator('form[action$="/handover"] button[type="submit"]'));
            const handed = await errorSummary(g.page);
            g.expect(!handed.found, 'handover-error', `the handover showed an error: ${handed.text}`);
            g.expect((await g.page.locator('.timeline').innerText()).includes('Gäller bygglov, inte gatan'), 'handover-timeline',
              `the handover of ${otherReg} is not in its history`);
            const sbkCtx = await newContext(browser);
            try {
              const sbk = { username: 'handlaggare-sbk', password: agent.password, role: crawlName };
              if (await login(sbkCtx, server, sbk)) {
                const b = new Driver(server, crawlName, 'case officer (handlaggare-sbk)');
                await b.open(sbkCtx);
                resp = await b.goto(otherUrl);
                b.expect(resp && resp.status() === 200, 'sbk-errand', `Stadsbyggnadskontoret cannot open ${otherReg} (HTTP ${resp && resp.status()})`);
                const sbkOutcome = b.page.locator('#outcome');
                await sbkOutcome.focus();
                for (let i = 0; i < 6 && (await sbkOutcome.inputValue()) !== 'answered'; i++) await b.page.keyboard.press('ArrowDown');
                await b.page.locator('#decision').focus();
                await b.page.keyboard.type('Ärendet hör till bygglovet; vi har svarat den sökande.');
                resp = await b.press(b.page.locator('form[action$="/status"] button[type="submit"]').first());
                const sbkDecided = await errorSummary(b.page);
                b.expect(!sbkDecided.found, 'sbk-decision', `the decision at Stadsbyggnadskontoret showed an error: ${sbkDecided.text}`);
                b.expect((await b.page.locator('.details').first().innerText()).includes('Avgjord'), 'sbk-status',
                  `${otherReg} is not "Avgjord" after Stadsbyggnadskontoret's decision`);
                await b.check('handed-over errand after the decision');
                // The caller's tracking link shows the outcome in citizen words.
                resp = await a.goto(fourth.url);
                const fourthTracked = await a.page.locator('main').innerText();
                a.expect(resp && resp.status() === 200 && fourthTracked.includes('Löst'), 'handover-track-status',
                  `the tracking page of ${otherReg} does not say the service's own word "Löst" after the decision (HTTP ${resp && resp.status()})`);
                a.expect(fourthTracked.includes('Ärendet hör till bygglovet'), 'handover-track-decision',
                  `the tracking page of ${otherReg} does not show the decision`);
                a.expect(!/\bAvgjord\b/.test(fourthTracked), 'handover-track-words', 'the tracking page shows the staff word "Avgjord"');
                await a.check('tracking link of an errand handed over and decided');
              }
            } finally {
              await sbkCtx.close();
            }
          }
        } finally {
          await agentCtx.close();
        }
      }

      // The case officer resolves the errand with a decision, by keyboard.
      resp = await s.goto(errandUrl);
      const outcome = s.page.locator('#outcome');
      await outcome.focus();
      for (let i = 0; i < 6 && (await outcome.inputValue()) !== 'answered'; i++) await s.page.keyboard.press('ArrowDown');
      s.expect((await outcome.inputValue()) === 'answered', 'decision-outcome', 'could not choose the outcome "Besvarat" by keyboard');
      const decisionText = `Vi har städat platsen. (${process.pid})`;
      await s.page.locator('#decision').focus();
      await s.page.keyboard.type(decisionText);
      resp = await s.press(s.page.locator('form[action$="/status"] button[type="submit"]').first());
      const decided = await errorSummary(s.page);
      s.expect(!decided.found, 'decision-error', `the decision showed an error: ${decided.text}`);
      s.expect((await s.page.locator('.details').first().innerText()).includes('Avgjord'), 'decision-status', 'the errand is not "Avgjord" after the decision');
      await s.check('errand after the decision');
      // The decision's document (a PDF) goes with it.
      const docForm = s.page.locator('form[action$="/document"]');
      s.expect((await docForm.count()) === 1, 'document-form', 'the decided errand offers no form for the decision\'s document');
      if (await docForm.count()) {
        await docForm.locator('#document').setInputFiles(files.pdf);
        resp = await s.press(docForm.locator('button[type="submit"]'));
        const attachedDoc = await errorSummary(s.page);
        s.expect(!attachedDoc.found, 'document-error', `attaching the decision's document showed an error: ${attachedDoc.text}`);
        s.expect((await s.page.locator('.timeline a[href$="/documents/0"]').count()) === 1, 'document-timeline',
          'the decision\'s document is not linked on the timeline');
        await s.check('errand with the decision\'s document');
      }
      resp = await a.goto(receipt.url);
      const tracked = await a.page.locator('main').innerText();
      a.expect(tracked.includes(`Beslut: Besvarat: ${decisionText}`), 'track-decision', 'the tracking page does not show the decision');
      a.expect(!tracked.includes('Avgjord'), 'track-words', 'the tracking page shows the staff word "Avgjord", not the citizen\'s');
      a.expect(!tracked.includes('Besked senast'), 'track-no-promise', 'a decided errand still promises a decision date');
      const docLink = a.page.locator('.timeline a[href$="/documents/0"]');
      a.expect((await docLink.count()) === 1, 'track-document', 'the tracking page does not link the decision\'s document');
      if (await docLink.count()) {
        const doc = await a.page.request.get(new URL(await docLink.getAttribute('href'), a.page.url()).href);
        a.expect(doc.status() === 200 && doc.headers()['content-type'] === 'application/pdf', 'track-document-fetch',
          `the decision's document answered HTTP ${doc.status()} (${doc.headers()['content-type']})`);
      }
      await a.check('tracking link after the decision');
    });
    if (!ok) await screenshot(s.page, `${crawlName}-staff`);
  } finally {
    await anonCtx.close();
    await citizenCtx.close();
    await staffCtx.close();
  }
}

// ---------------------------------------------------------------------------
// The public portal and the editors' knowledge base. The same page checks as
// everywhere on every page reached, and keyboard only: fields focused and
// typed into, links and buttons pressed with Enter, radios and checkboxes
// ticked with Space (arrow keys within a radio group).

const AUDIENCES = ['resident', 'parent', 'pupil', 'business', 'senior'];

function portalDriver(server, crawlName, label) {
  // An error summary's heading may come before the <h1> on these pages.
  return new Driver(server, crawlName, label, { h1First: false, kind: crawlName });
}

// Presses Tab until the focused element matches `selector` (and shows
// keyboard focus); returns how many presses it took.
async function tabUntil(d, selector, max = 80) {
  for (let i = 1; i <= max; i++) {
    await d.page.keyboard.press('Tab');
    const hit = await d.page.evaluate((sel) => {
      const a = document.activeElement;
      return Boolean(a && a !== document.body && a.matches(sel) && a.matches(':focus-visible'));
    }, selector);
    if (hit) return i;
  }
  throw new Error(`${max} presses of Tab did not move focus to ${selector} on ${d.here()}`);
}

// The focused element, for messages: "input#slug".
function focusedElement(page) {
  return page.evaluate(() => {
    const a = document.activeElement;
    return a && a !== document.body ? `${a.tagName.toLowerCase()}${a.id ? `#${a.id}` : ''}` : 'body';
  });
}

// Presses `key` on whatever has focus and waits for the navigation that follows.
async function pressFocused(d, key = 'Enter') {
  d.state.consoleErrors.length = 0;
  const [resp] = await Promise.all([d.page.waitForNavigation({ waitUntil: 'load' }), d.page.keyboard.press(key)]);
  return resp;
}

// Focuses a field and types into it; the field must then hold the text.
async function typeInto(d, selector, text) {
  const loc = d.page.locator(selector);
  if ((await loc.count()) !== 1) throw new Error(`no ${selector} on ${d.here()}`);
  await loc.focus();
  await d.page.keyboard.type(text);
  const got = await loc.inputValue();
  d.expect(got.replace(/\r\n/g, '\n').endsWith(text), `typed:${selector}`, `typing into ${selector} left "${short(got, 80)}"`);
}

// Focuses a checkbox or radio and ticks it with Space.
async function tickWithSpace(d, selector) {
  const loc = d.page.locator(selector);
  if ((await loc.count()) !== 1) throw new Error(`no ${selector} on ${d.here()}`);
  await loc.focus();
  if (!(await loc.isChecked())) await d.page.keyboard.press('Space');
  d.expect(await loc.isChecked(), `tick:${selector}`, `Space did not tick ${selector}`);
}

// The visible error summary's link targets (["#slug", ...]), or null when none is shown.
async function summaryHrefs(d) {
  const summary = d.page.locator('.error-summary[role="alert"]');
  if ((await summary.count()) !== 1 || !(await summary.isVisible())) return null;
  return summary.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
}

// Each summary link leads to a field on the page marked aria-invalid and
// described by its message (`<id>-error`); radios are marked by the summary alone.
async function expectSummaryTargets(d, what, hrefs) {
  for (const href of hrefs) {
    const id = href.replace(/^#/, '');
    const target = d.page.locator(`[id="${id}"]`);
    if (!d.expect((await target.count()) === 1, `summary-target-${id}`, `${what}: the error summary links to ${href}, which is not on the page`)) continue;
    if ((await target.getAttribute('type')) === 'radio') continue;
    d.expect((await target.getAttribute('aria-invalid')) === 'true', `invalid-${id}`, `${what}: ${href} is not marked aria-invalid="true"`);
    const describedby = (await target.getAttribute('aria-describedby')) || '';
    d.expect(describedby.split(/\s+/).includes(`${id}-error`), `describedby-${id}`, `${what}: ${href} is not described by its error message (#${id}-error)`);
  }
}

// Enter on the error summary's first link moves focus to its field.
async function followFirstSummaryLink(d, what) {
  const link = d.page.locator('.error-summary a').first();
  const id = (await link.getAttribute('href')).replace(/^#/, '');
  await link.focus();
  await d.page.keyboard.press('Enter');
  await d.page.waitForFunction((want) => document.activeElement && document.activeElement.id === want, id, { timeout: 3_000 }).catch(() => {});
  const active = await focusedElement(d.page);
  d.expect(active.endsWith(`#${id}`), `summary-focus-${id}`, `${what}: Enter on the error summary's first link left focus on ${active}, not #${id}`);
  return id;
}

// Checks a page in Swedish, then in English (?lang=en), and switches back
// (?lang=sv; the choice is remembered in a cookie). `verify(d, lang)` runs in
// both languages. On the English page a heading left in Swedish (an article
// with no English text) must be marked lang="sv".
async function checkInBothLanguages(d, p, what, verify = null) {
  const sep = p.includes('?') ? '&' : '?';
  let resp = await d.goto(p);
  d.expect(resp && resp.status() === 200, `status:${p}`, `GET ${p} answered HTTP ${resp && resp.status()}`);
  await d.check(what, { expectLang: 'sv' });
  if (verify) await verify(d, 'sv');
  const sv = await h1Text(d.page);
  resp = await d.goto(`${p}${sep}lang=en`);
  d.expect(resp && resp.status() === 200, `status-en:${p}`, `GET ${p}${sep}lang=en answered HTTP ${resp && resp.status()}`);
  await d.check(`${what}, English`, { expectLang: 'en' });
  if (verify) await verify(d, 'en');
  const en = await h1Text(d.page);
  if (en === sv) {
    const lang = await d.page.evaluate(() => document.querySelector('h1')?.closest('[lang]')?.getAttribute('lang') || '');
    d.expect(lang.startsWith('sv'), `h1-en:${p}`, `in English ${p} keeps the Swedish heading "${sv}" without marking it lang="sv"`);
  }
  resp = await d.goto(`${p}${sep}lang=sv`);
  const back = await d.page.evaluate(() => document.documentElement.getAttribute('lang') || '');
  const again = await h1Text(d.page);
  d.expect(resp && resp.status() === 200 && back.startsWith('sv') && again === sv, `sv-again:${p}`,
    `back with ?lang=sv ${p} answered HTTP ${resp && resp.status()} with <html lang="${back}"> and the heading "${again}", expected "${sv}"`);
}

// The results of a search page: titles and hrefs of `ol.results` entries.
function searchResults(page) {
  return page.locator('ol.results > li h2.result-title a').evaluateAll((as) =>
    as.map((a) => ({ title: a.textContent.replace(/\s+/g, ' ').trim(), href: a.getAttribute('href') })));
}

// Part "portal": the public pages in both languages, and by keyboard a
// search from the start page to a result, an article's feedback form, and
// the contact page through the footer link.
async function portalPart(browser, server) {
  const crawlName = 'portal';
  const context = await newContext(browser);
  try {
    const d = portalDriver(server, crawlName, 'start page');
    await d.open(context);
    let found = { articles: [], services: [] };
    const jobs = []; // [path, what, verify] for checkInBothLanguages
    await runKeyboardTest(d, async () => {
      let links = [];
      await checkInBothLanguages(d, '/', 'start page', async (x) => {
        const form = x.page.locator('main form[role="search"]');
        x.expect((await form.count()) === 1 && (await form.locator('input#home-q[name="q"]').count()) === 1 &&
          (await form.locator('button[type="submit"]').count()) === 1, 'home-search', 'the start page has no search form with input#home-q[name=q] and a submit button');
        links = await x.page.locator('main a[href]').evaluateAll((as) => [...new Set(as.map((a) => a.getAttribute('href')))]);
      });
      const pick = (re) => links.filter((h) => re.test(h));
      const audiences = pick(/^\/for\/[^/?#]+$/);
      const topics = pick(/^\/amne\/[^/?#]+$/);
      found = { articles: pick(/^\/kunskap\/[^/?#]+$/), services: pick(/^\/services\/[^/?#]+$/) };
      d.expect(JSON.stringify([...audiences].sort()) === JSON.stringify(AUDIENCES.map((a) => `/for/${a}`).sort()), 'audience-tiles',
        `the start page's audience tiles are ${audiences.join(', ') || 'none'}, expected /for/{${AUDIENCES.join(',')}}`);
      d.expect(topics.length > 0, 'topic-tiles', 'the start page links to no /amne/* topic');
      d.expect(found.articles.length >= 2 && found.services.length >= 2, 'home-lists',
        `the start page links to ${found.articles.length} article(s) and ${found.services.length} service(s), expected at least 2 of each`);
      const lists = async (x) => {
        const n = await x.page.locator('main ul a[href^="/services/"], main ul a[href^="/kunskap/"]').count();
        x.expect(n > 0, `lists:${x.here()}`, 'the page lists no services or articles');
      };
      for (const a of AUDIENCES) jobs.push([`/for/${a}`, `audience ${a}`, lists]);
      for (const t of topics) jobs.push([t, `topic ${t.split('/').pop()}`, lists]);
      jobs.push(['/kontakt', 'contact page', null]);
      jobs.push([`/sok?q=${encodeURIComponent('förskoleplats')}`, 'search förskoleplats', async (x, lang) => {
        const r = await searchResults(x.page);
        x.expect(r.length > 0, `search-results-${lang}`, `a search for "förskoleplats" (${lang}) found nothing`);
        x.expect(r.every((e) => /^\/sok\/till\?/.test(e.href)), `search-hrefs-${lang}`, 'a result link does not go through /sok/till');
        x.expect((await x.page.locator('main nav.facets').count()) === 1, `search-facets-${lang}`, 'the results page has no facets nav');
      }]);
      jobs.push(['/sok?q=qwxyzzy', 'search with no results', async (x, lang) => {
        x.expect((await searchResults(x.page)).length === 0, `zero-results-${lang}`, 'a search for "qwxyzzy" found something');
        x.expect((await x.page.locator('main .panel a[href="/kontakt"]').count()) === 1, `zero-help-${lang}`,
          'the zero-result message does not lead to the contact page');
      }]);
      for (const p of [...found.articles.slice(0, 2), ...found.services.slice(0, 2)]) {
        jobs.push([p, p.split('/')[1] === 'kunskap' ? 'article' : 'service', null]);
      }
    });

    // The pages linked from the start page, shared out between a few
    // browser contexts at once (each has its own language cookie).
    let next = 0;
    const workers = Math.max(1, Math.min(PORTAL_WORKERS, jobs.length));
    await Promise.all(Array.from({ length: workers }, async (_, w) => {
      const ctx = await newContext(browser);
      const wd = portalDriver(server, crawlName, `pages ${w + 1}/${workers}`);
      await wd.open(ctx);
      let done = 0;
      await runKeyboardTest(wd, async () => {
        while (next < jobs.length) {
          const [p, what, verify] = jobs[next++];
          await checkInBothLanguages(wd, p, what, verify);
          done++;
        }
      });
      log(`    ${wd.label}: ${done} page(s) in Swedish and English`);
      await ctx.close();
    }));

    // A search typed on the start page, with a typo, and its first result.
    const s = portalDriver(server, crawlName, 'search by keyboard');
    await s.open(context);
    await runKeyboardTest(s, async () => {
      await s.goto('/');
      const presses = await tabUntil(s, '#home-q');
      log(`    #home-q reached after ${presses} Tab presses`);
      await s.page.keyboard.type('bygglv');
      let resp = await pressFocused(s);
      const u = new URL(s.page.url());
      s.expect(u.pathname === '/sok' && u.searchParams.get('q') === 'bygglv' && resp && resp.status() === 200, 'search-submit',
        `Enter in the search box led to ${s.here()} (HTTP ${resp && resp.status()}), not /sok?q=bygglv`);
      const results = await searchResults(s.page);
      if (!results.length) throw new Error('a search for "bygglv" found nothing');
      s.expect(/bygglov/i.test(results[0].title), 'search-typo', `the first result for "bygglv" is "${results[0].title}", not about bygglov`);
      await s.check('results for bygglv');
      await s.page.evaluate(() => document.activeElement && document.activeElement.blur());
      await tabUntil(s, 'ol.results > li:first-child h2.result-title a');
      resp = await pressFocused(s);
      const landed = new URL(s.page.url()).pathname;
      s.expect(/^\/(kunskap|services)\/[^/]+$/.test(landed) && resp && resp.status() === 200, 'search-follow',
        `Enter on the first result "${results[0].title}" led to ${s.here()} (HTTP ${resp && resp.status()}), not a /kunskap/ or /services/ page`);
      s.expect((await h1Text(s.page)) === results[0].title, 'search-follow-h1', `the result "${results[0].title}" led to a page headed "${await h1Text(s.page)}"`);
      await s.check('first result for bygglv');
    });

    // "Fick du svar på din fråga?" on an article.
    const f = portalDriver(server, crawlName, 'article feedback by keyboard');
    await f.open(context);
    await runKeyboardTest(f, async () => {
      const article = found.articles[0] || '/kunskap/behover-jag-bygglov';
      let resp = await f.goto(article);
      f.expect(resp && resp.status() === 200, 'article-status', `GET ${article} answered HTTP ${resp && resp.status()}`);
      const form = f.page.locator('form[action$="/svar"]');
      if ((await form.count()) !== 1) throw new Error(`${article} has no feedback form`);
      const legend = (await form.locator('fieldset legend').innerText()).trim();
      f.expect(legend === 'Fick du svar på din fråga?', 'feedback-legend', `the feedback question is "${legend}"`);
      resp = await f.press(form.locator('button[type="submit"]'));
      f.expect(resp && resp.status() === 422, 'feedback-empty-status', `sending no answer answered HTTP ${resp && resp.status()}, not 422`);
      const hrefs = await summaryHrefs(f);
      if (!hrefs) throw new Error('sending no answer showed no error summary');
      f.expect(JSON.stringify(hrefs) === '["#helpful"]', 'feedback-summary', `the error summary links to ${hrefs.join(', ') || 'nothing'}, expected #helpful`);
      await f.check('feedback without an answer', { docStatus: 422, allowDocStatus: true });
      await followFirstSummaryLink(f, 'no answer');
      await f.page.keyboard.press('Space');
      f.expect(await f.page.locator('#helpful').isChecked(), 'feedback-space', 'Space on #helpful did not choose "Ja"');
      await f.page.keyboard.press('ArrowDown');
      f.expect(await f.page.locator('#helpful-no').isChecked(), 'feedback-arrow', 'ArrowDown in the radio group did not choose "Nej"');
      f.expect((await focusedElement(f.page)) === 'input#helpful-no', 'feedback-arrow-focus', `after ArrowDown focus is on ${await focusedElement(f.page)}`);
      await f.page.keyboard.press('Tab');
      f.expect((await focusedElement(f.page)) === 'textarea#comment', 'feedback-tab-comment', `Tab from the radio group moved focus to ${await focusedElement(f.page)}, not the comment`);
      const comment = `Jag hittade inte vad det kostar. (webbläsartest ${process.pid})`;
      await f.page.keyboard.type(comment);
      f.expect((await f.page.locator('#comment').inputValue()) === comment, 'feedback-comment', 'the typed comment is not in #comment');
      await f.page.keyboard.press('Tab');
      const onButton = await f.page.evaluate(() => document.activeElement?.matches('form[action$="/svar"] button[type="submit"]') || false);
      if (!onButton) throw new Error(`Tab from the comment moved focus to ${await focusedElement(f.page)}, not "Skicka"`);
      resp = await pressFocused(f);
      const u = new URL(f.page.url());
      f.expect(u.pathname === new URL(article, server.baseUrl).pathname && u.searchParams.get('tack') === '1' && u.hash === '#feedback' && resp && resp.status() === 200,
        'feedback-sent', `after "Skicka" the page is ${f.here()}${u.hash} (HTTP ${resp && resp.status()}), not ${article}?tack=1#feedback`);
      const thanks = f.page.locator('#feedback [role="status"]');
      f.expect((await thanks.count()) === 1 && (await thanks.innerText()).includes('Tack för ditt svar!'), 'feedback-thanks', 'no "Tack för ditt svar!" after sending the answer');
      await f.check('feedback sent');
    });

    // The contact page through the footer link.
    const c = portalDriver(server, crawlName, 'contact by keyboard');
    await c.open(context);
    await runKeyboardTest(c, async () => {
      const from = found.services[0] || '/';
      await c.goto(from);
      const resp = await c.press(c.page.locator('footer a[href="/kontakt"]'));
      c.expect(new URL(c.page.url()).pathname === '/kontakt' && resp && resp.status() === 200, 'footer-contact',
        `the footer link on ${from} led to ${c.here()} (HTTP ${resp && resp.status()})`);
      const main = await c.page.locator('main').innerText();
      c.expect(main.includes('Få hjälp med e-legitimation eller inloggning'), 'contact-eid', 'the contact page has no "Få hjälp med e-legitimation eller inloggning"');
      const caption = c.page.locator('main table caption');
      c.expect((await caption.count()) === 1 && (await caption.innerText()).trim().length > 0, 'contact-caption', 'the opening hours table has no caption');
      const days = await c.page.locator('main table tbody tr').count();
      c.expect(days === 7, 'contact-days', `the opening hours table has ${days} rows, expected 7 days`);
      c.expect((await c.page.locator('main a[href^="tel:"]').count()) >= 1 && (await c.page.locator('main a[href^="mailto:"]').count()) >= 1,
        'contact-links', 'the contact page has no phone or e-mail link');
      await c.check('contact page from the footer');
    });
  } finally {
    await context.close();
  }
}

// Part "editor": the demo unit admin writes, fails to publish, fixes and
// publishes an article by keyboard; anyone can then read it and find it by a
// word of its text, and by a synonym the admin adds. The search statistics
// get the page checks.
async function editorPart(browser, server) {
  const crawlName = 'editor';
  const user = server.logins.find((l) => l.role === 'unit_admin');
  if (!user) {
    fail(crawlName, null, crawlName, 'editor:no-unit-admin', 'no demo login for the role unit_admin');
    failedTests++;
    return;
  }
  const context = await newContext(browser);
  const anonCtx = await newContext(browser);
  const adminContext = await newContext(browser);
  const slug = 'webbtest-artikel';
  const word = 'zorbaflux';
  const synonym = 'webbtestord';
  const article = {
    title: 'Provartikel från webbläsartesterna',
    summary: 'En kort ingress om hur provartikeln skrivs och publiceras.',
    body: `## Så gör du\n\nSkriv ordet ${word} i sökrutan för att hitta den här artikeln.\n\n- Första punkten\n- Andra punkten`,
  };
  const findBySearch = async (d, q) => {
    // The index follows the store's change feed: poll a little.
    const t0 = Date.now();
    for (;;) {
      await d.goto(`/sok?q=${encodeURIComponent(q)}`);
      const hit = (await searchResults(d.page)).find((r) => r.title === article.title);
      if (hit || Date.now() - t0 > 15_000) return { hit, waited: Date.now() - t0 };
      await d.page.waitForTimeout(500);
    }
  };
  try {
    if (!(await login(context, server, { ...user, role: crawlName }))) return;
    const d = portalDriver(server, crawlName, `new article (${user.username})`);
    await d.open(context);
    let published = false;
    await runKeyboardTest(d, async () => {
      let resp = await d.goto('/staff/kunskap');
      d.expect(resp && resp.status() === 200, 'list-status', `GET /staff/kunskap answered HTTP ${resp && resp.status()}`);
      await d.check('article list');
      resp = await d.press(d.page.locator('main a[href="/staff/kunskap/ny"]'));
      d.expect(new URL(d.page.url()).pathname === '/staff/kunskap/ny' && resp && resp.status() === 200, 'new-link',
        `"Ny artikel" led to ${d.here()} (HTTP ${resp && resp.status()})`);
      await d.check('new article');
      const publish = d.page.locator('form[action="/staff/kunskap"] button[name="action"][value="publish"]');

      // 1. Empty.
      resp = await d.press(publish);
      d.expect(resp && resp.status() === 422, 'empty-status', `publishing an empty article answered HTTP ${resp && resp.status()}, not 422`);
      let hrefs = await summaryHrefs(d);
      if (!hrefs) throw new Error('publishing an empty article showed no error summary');
      for (const want of ['#slug', '#title_sv', '#summary_sv', '#body_sv']) {
        d.expect(hrefs.includes(want), `empty-summary-${want}`, `the error summary links to ${hrefs.join(', ')}, not ${want}`);
      }
      await expectSummaryTargets(d, 'empty article', hrefs);
      await d.check('empty article refused', { docStatus: 422, allowDocStatus: true });
      const first = await followFirstSummaryLink(d, 'empty article');

      // 2. Partly filled: the address, the title, a topic and an audience.
      if (first === 'slug') await d.page.keyboard.type(slug);
      else await typeInto(d, '#slug', slug);
      await typeInto(d, '#title_sv', article.title);
      await d.page.locator('#topic').focus();
      await d.page.keyboard.press('ArrowDown');
      const topic = await d.page.locator('#topic').inputValue();
      d.expect(topic !== '', 'topic-arrow', 'ArrowDown in the topic list chose no topic');
      await tickWithSpace(d, '#aud-resident');
      resp = await d.press(publish);
      d.expect(resp && resp.status() === 422, 'partial-status', `publishing without summary and text answered HTTP ${resp && resp.status()}, not 422`);
      hrefs = await summaryHrefs(d);
      if (!hrefs) throw new Error('publishing without summary and text showed no error summary');
      d.expect(JSON.stringify(hrefs) === '["#summary_sv","#body_sv"]', 'partial-summary', `the error summary links to ${hrefs.join(', ')}, expected #summary_sv, #body_sv`);
      await expectSummaryTargets(d, 'partly filled article', hrefs);
      const kept = {
        '#slug': [await d.page.locator('#slug').inputValue(), slug],
        '#title_sv': [await d.page.locator('#title_sv').inputValue(), article.title],
        '#topic': [await d.page.locator('#topic').inputValue(), topic],
      };
      for (const [sel, [got, want]] of Object.entries(kept)) {
        d.expect(got === want, `kept-${sel}`, `after the second refusal ${sel} holds "${short(got, 60)}" instead of "${short(want, 60)}"`);
      }
      d.expect(await d.page.locator('#aud-resident').isChecked(), 'kept-audience', 'after the second refusal #aud-resident is no longer ticked');
      await d.check('partly filled article refused', { docStatus: 422, allowDocStatus: true });

      // 3. The rest, and publish.
      await followFirstSummaryLink(d, 'partly filled article');
      await d.page.keyboard.type(article.summary);
      await typeInto(d, '#body_sv', article.body);
      resp = await d.press(publish);
      const u = new URL(d.page.url());
      d.expect(u.pathname === `/staff/kunskap/${slug}` && /^\d+$/.test(u.searchParams.get('saved') || '') && resp && resp.status() === 200, 'published',
        `"Spara och publicera" led to ${d.here()} (HTTP ${resp && resp.status()}), not /staff/kunskap/${slug}?saved=N`);
      const err = await summaryHrefs(d);
      if (err) throw new Error(`publishing the filled article was refused: ${err.join(', ')}`);
      const notice = d.page.locator('main [role="status"]');
      d.expect((await notice.count()) === 1 && (await notice.isVisible()), 'saved-notice', 'no saved notice (role="status") after publishing');
      d.expect((await h1Text(d.page)) === article.title, 'saved-h1', `the editor page is headed "${await h1Text(d.page)}"`);
      await d.check('article published');
      published = true;
    });

    // Anyone reads it, and finds it by a word of its text.
    const r = portalDriver(server, crawlName, 'published article, anonymous');
    await r.open(anonCtx);
    if (published) {
      await runKeyboardTest(r, async () => {
        const resp = await r.goto(`/kunskap/${slug}`);
        r.expect(resp && resp.status() === 200, 'article-status', `GET /kunskap/${slug} answered HTTP ${resp && resp.status()}`);
        r.expect((await h1Text(r.page)) === article.title, 'article-h1', `/kunskap/${slug} is headed "${await h1Text(r.page)}"`);
        const text = (await r.page.locator('main article').innerText()).replace(/\s+/g, ' ');
        for (const part of [article.summary, `Skriv ordet ${word} i sökrutan`, 'Andra punkten']) {
          r.expect(text.includes(part), `article-text-${part.slice(0, 12)}`, `the article does not show "${part}"`);
        }
        r.expect((await r.page.locator('main article h2').filter({ hasText: 'Så gör du' }).count()) === 1, 'article-heading', 'the body\'s "## Så gör du" is not a heading');
        r.expect((await r.page.locator('main article li').count()) === 2, 'article-list', 'the body\'s list is not a list of 2 items');
        await r.check('the published article');
        const { hit, waited } = await findBySearch(r, word);
        r.expect(hit, 'search-body-word', `a search for "${word}" (a word of the text) did not find the article within ${waited} ms`);
        if (hit) log(`    "${word}" found the new article after ${waited} ms`);
        await r.check(`search for ${word}`);
      });
    }

    // A synonym: the unit admin reads the city-wide synonyms but only the
    // system admin changes them (issue 17). An empty one is refused, a real
    // one is listed and searched with, then removed.
    const ro = portalDriver(server, crawlName, 'synonyms read-only');
    await ro.open(context);
    await runKeyboardTest(ro, async () => {
      const resp = await ro.goto('/staff/synonymer');
      ro.expect(resp && resp.status() === 200, 'synonyms-ro-status', `GET /staff/synonymer answered HTTP ${resp && resp.status()}`);
      ro.expect((await ro.page.locator('form[action="/staff/synonymer"]').count()) === 0, 'synonyms-ro-form',
        'a unit admin is offered the form to change the city-wide synonyms');
      await ro.check('synonyms, read-only');
    });
    const sysadmin = server.logins.find((l) => l.role === 'system_admin');
    if (!sysadmin) throw new Error('no demo login for the role system_admin');
    if (!(await login(adminContext, server, { ...sysadmin, role: crawlName }))) return;
    const y = portalDriver(server, crawlName, 'synonym by keyboard');
    await y.open(adminContext);
    await runKeyboardTest(y, async () => {
      let resp = await y.goto('/staff/synonymer');
      y.expect(resp && resp.status() === 200, 'synonyms-status', `GET /staff/synonymer answered HTTP ${resp && resp.status()}`);
      await y.check('synonyms');
      const save = y.page.locator('form[action="/staff/synonymer"] button[type="submit"]');
      resp = await y.press(save);
      y.expect(resp && resp.status() === 422, 'synonym-empty-status', `an empty synonym answered HTTP ${resp && resp.status()}, not 422`);
      const hrefs = await summaryHrefs(y);
      if (!hrefs) throw new Error('an empty synonym showed no error summary');
      await expectSummaryTargets(y, 'empty synonym', hrefs);
      await y.check('empty synonym refused', { docStatus: 422, allowDocStatus: true });
      await followFirstSummaryLink(y, 'empty synonym');
      await typeInto(y, '#term', synonym);
      await typeInto(y, '#words', `${word}, provord`);
      resp = await y.press(save);
      y.expect(new URL(y.page.url()).pathname === '/staff/synonymer' && resp && resp.status() === 200, 'synonym-saved',
        `"Spara synonym" led to ${y.here()} (HTTP ${resp && resp.status()})`);
      const err = await summaryHrefs(y);
      if (err) throw new Error(`the synonym was refused: ${err.join(', ')}`);
      const row = y.page.locator('main table tbody tr').filter({ has: y.page.locator('td', { hasText: new RegExp(`^${synonym}$`) }) });
      y.expect((await row.count()) === 1 && (await row.innerText()).includes(word), 'synonym-listed', `the table does not list ${synonym} → ${word}`);
      await y.check('synonym saved');
      if (published) {
        const { hit, waited } = await findBySearch(r, synonym);
        r.expect(hit, 'search-synonym', `a search for the synonym "${synonym}" did not find the article with "${word}" within ${waited} ms`);
        if (hit) log(`    the synonym "${synonym}" found it after ${waited} ms`);
      }
      resp = await y.press(row.locator('button[type="submit"]'));
      y.expect(resp && resp.status() === 200 && (await y.page.locator('main table tbody td', { hasText: new RegExp(`^${synonym}$`) }).count()) === 0,
        'synonym-removed', `after its remove button ${synonym} is still listed (HTTP ${resp && resp.status()})`);
    });

    const st = portalDriver(server, crawlName, 'search statistics');
    await st.open(context);
    await runKeyboardTest(st, async () => {
      const resp = await st.goto('/staff/sokstatistik');
      st.expect(resp && resp.status() === 200, 'insights-status', `GET /staff/sokstatistik answered HTTP ${resp && resp.status()}`);
      st.expect((await st.page.locator('main table').count()) >= 1, 'insights-tables', 'the search statistics show no table');
      st.expect((await st.page.locator('main svg').count()) >= 1, 'insights-chart', 'the search statistics show no SVG chart');
      await st.check('search statistics');
    });
  } finally {
    await adminContext.close();
    await anonCtx.close();
    await context.close();
  }
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
    log(`  ${name.padEnd(15)} pages checked: ${String(st.checked).padStart(3)}  skipped: ${String(st.skipped).padStart(3)}  pages with failures: ${st.failedPages.size}${st.note ? `  (${st.note})` : ''}`);
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

// A loopback port free right now (for a server whose address must be known
// before it starts).
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

async function main() {
  const started = Date.now();
  fs.rmSync(ARTIFACTS, { recursive: true, force: true });
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  // The SMTP sink for the receipt mail; the server delivers its outbox there.
  const sink = new MailSink();
  let files = null;
  const server = new Server({
    PORTEN_SMTP_URL: undefined, // set once the sink listens
    PORTEN_MAIL_FROM: 'Lindhamns stad <noreply@lindhamn.example>',
    PORTEN_PUBLIC_URL: undefined,
  });
  let browser;
  let oidc = null;
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
    await sink.start();
    log(`SMTP sink listening on ${sink.url}`);
    server.env.PORTEN_SMTP_URL = sink.url;
    // The e-ID broker: a real OpenID provider on loopback. It must know where
    // Porten sends the browser back, so Porten's port is chosen first.
    const portenPort = await freePort();
    oidc = await startOidcProvider(await freePort(), [
      `http://127.0.0.1:${portenPort}/login/eid/callback`,
      `http://127.0.0.1:${portenPort}/login/staff/callback`,
    ]);
    log(`OpenID provider (npm oidc-provider) at ${oidc.issuer}`);
    server.listen = `127.0.0.1:${portenPort}`;
    Object.assign(server.env, {
      PORTEN_EID_ISSUER: oidc.issuer,
      PORTEN_EID_CLIENT_ID: OIDC_CLIENT.id,
      PORTEN_EID_CLIENT_SECRET: OIDC_CLIENT.secret,
      // Staff sign in through the same provider, standing in for the city's.
      PORTEN_STAFF_OIDC_ISSUER: oidc.issuer,
      PORTEN_STAFF_OIDC_CLIENT_ID: OIDC_CLIENT.id,
      PORTEN_STAFF_OIDC_CLIENT_SECRET: OIDC_CLIENT.secret,
    });
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
    if (want('portal')) {
      log('\n-- the public portal in Swedish and English; search, feedback and contact by keyboard');
      await portalPart(browser, server);
    }
    if (want('editor')) {
      log('\n-- the knowledge base: an article and a synonym by keyboard, as the unit admin');
      await editorPart(browser, server);
    }
    if (want('mail-intake')) {
      log('\n-- e-mail intake: a mail through porten mail-intake, answered by the agent, the reply threaded back');
      await mailIntakePart(browser, server, sink);
    }
    if (['eservices', 'eservice-errors', 'receipt-mail', 'messages'].some(want)) {
      const defs = loadEservices();
      files = makeTestFiles();
      log(`\n-- e-services: ${defs.length} demo definitions; dates typed as ${await probeDateTyping(browser)}`);
      if (want('eservices')) {
        log('\n-- every demo e-service, by keyboard, from the service page to the receipt');
        await eservicesPart(browser, server, defs, files);
      }
      if (want('eservice-errors')) {
        log('\n-- an e-service with validation errors and a refused upload');
        await eserviceErrorsPart(browser, server, defs, files);
      }
      if (want('receipt-mail')) {
        log('\n-- the receipt mail and its tracking link');
        await receiptMailPart(browser, server, defs, files, sink);
      }
      if (want('messages')) {
        log('\n-- two-way messages: a citizen signed in through the OpenID provider and a case officer');
        await messagesPart(browser, server, defs, files);
      }
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
    await sink.stop().catch(() => {});
    if (oidc) await oidc.close().catch(() => {});
    if (files) fs.rmSync(files.dir, { recursive: true, force: true });
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
