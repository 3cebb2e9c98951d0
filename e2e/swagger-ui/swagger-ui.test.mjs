// Swagger UI used as a person uses it, in headless Chromium.
//
//   SESAME_URL=http://127.0.0.1:8080 SESAME_ROOT_KEY=sk_live_… node swagger-ui.test.mjs
//
// (run.sh starts a fresh server and sets both.) Optional: CHROMIUM (default
// /usr/bin/chromium), ARTIFACTS_DIR (default ./artifacts), where a screenshot
// is saved on failure. Exits 1 with a message naming the failed step.

import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const BASE = (process.env.SESAME_URL ?? '').replace(/\/+$/, '');
const ROOT_KEY = process.env.SESAME_ROOT_KEY ?? '';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = process.env.ARTIFACTS_DIR || join(dirname(fileURLToPath(import.meta.url)), 'artifacts');
const NEW_KEY_BODY = { label: 'from swagger ui', scopes: ['products.read'] };

if (!BASE || !ROOT_KEY.startsWith('sk_')) {
  console.error('FAIL: set SESAME_URL and SESAME_ROOT_KEY (a root secret, sk_live_…); run.sh does both');
  process.exit(2);
}

class Failure extends Error {}
const check = (ok, message) => {
  if (!ok) throw new Failure(message);
};
const redact = (text) => text.replaceAll(ROOT_KEY, 'sk_live_<root key>');

let browser;
let page;
let focus; // the part of the page a failure is reported around
let stepName = 'start';
const pageErrors = [];
const blocked = [];
let passed = 0;

async function step(name, fn) {
  stepName = name;
  const t0 = Date.now();
  await fn();
  passed += 1;
  console.log(`  ok  ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

async function main() {
  // The document, as Swagger UI gets it: its tags are what the UI must show.
  stepName = 'GET /openapi.json';
  const res = await fetch(`${BASE}/openapi.json`);
  check(res.ok, `GET /openapi.json answered ${res.status}`);
  const doc = await res.json();
  const tags = (doc.tags ?? []).map((t) => t.name);
  console.log(`OpenAPI ${doc.openapi} "${doc.info?.title}": tags ${JSON.stringify(tags)}`);

  stepName = `launch ${CHROMIUM}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  // Only the server under test; anything else (a CDN, the online validator) is cut off.
  const origin = new URL(BASE).origin;
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${origin}/`) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  page = await context.newPage();
  page.setDefaultTimeout(20_000);
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  page.on('console', (msg) => msg.type() === 'error' && pageErrors.push(msg.text()));

  await step('Swagger UI renders the document', async () => {
    focus = page.locator('body');
    await page.goto(`${BASE}/swagger-ui/`);
    await page.getByRole('heading', { level: 2, name: doc.info.title }).first().waitFor();
    await page.getByRole('heading', { level: 3 }).first().waitFor();
  });

  await step(`every tag of the document has a section (${tags.length})`, async () => {
    check(tags.includes('API keys'), `the document's tags ${JSON.stringify(tags)} lack the native tag "API keys"`);
    const missing = [];
    for (const tag of tags) {
      const section = page
        .getByRole('heading', { level: 3 })
        .filter({ has: page.getByRole('link', { name: tag, exact: true }) });
      try {
        await section.first().waitFor({ timeout: 5_000 });
      } catch {
        missing.push(tag);
      }
    }
    const shown = await page.getByRole('heading', { level: 3 }).getByRole('link').allInnerTexts();
    check(
      missing.length === 0,
      `tags in the document but not shown as a section: ${JSON.stringify(missing)}; ` +
        `sections shown: ${JSON.stringify(shown)} (Swagger UI hides a tag that no operation uses)`,
    );
  });

  await step('Authorize with the root key (bearerAuth)', async () => {
    await page.getByRole('button', { name: 'Authorize', exact: true }).click();
    const dialog = page.locator('.modal-ux'); // Swagger UI's dialog has no ARIA role
    focus = dialog;
    await dialog.getByRole('heading', { name: 'Available authorizations' }).waitFor();
    const bearer = dialog.locator('form').filter({ has: page.getByRole('heading', { name: /bearerAuth/ }) });
    await bearer.getByRole('textbox').fill(ROOT_KEY);
    await bearer.getByRole('button', { name: 'Apply credentials' }).click();
    await bearer.getByRole('heading', { name: 'Authorized' }).waitFor();
    await bearer.getByRole('button', { name: 'Remove authorization' }).waitFor();
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
  });

  // The operation's block: the one whose summary button reads "POST /developers/api_keys …".
  const section = page.locator('.opblock-tag-section').filter({
    has: page.getByRole('heading', { level: 3 }).filter({ has: page.getByRole('link', { name: 'API keys', exact: true }) }),
  });
  const summaryName = /^POST \/developers\/api_keys(?!\/)/;
  const summary = section.getByRole('button', { name: summaryName });
  const op = section.locator('.opblock').filter({ has: page.getByRole('button', { name: summaryName }) });
  let request;

  await step('POST /developers/api_keys: Try it out, with a new body, Execute', async () => {
    focus = section;
    check((await summary.count()) === 1, `expected one "POST /developers/api_keys" under "API keys", found ${await summary.count()}`);
    await summary.click();
    focus = op;
    await op.getByRole('button', { name: 'Try it out' }).click();
    const body = op.locator('textarea.body-param__text'); // the request body editor
    await body.fill(JSON.stringify(NEW_KEY_BODY));
    check(
      JSON.stringify(JSON.parse(await body.inputValue())) === JSON.stringify(NEW_KEY_BODY),
      'the request body editor did not take the new body',
    );
    const sent = page.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === '/developers/api_keys');
    await op.getByRole('button', { name: 'Execute' }).click();
    request = await sent;
    check(
      request.headers().authorization === `Bearer ${ROOT_KEY}`,
      `the request was not sent with the root key as "Authorization: Bearer"; it had ${redact(request.headers().authorization ?? '(none)')}`,
    );
    check(
      JSON.stringify(JSON.parse(request.postData() ?? 'null')) === JSON.stringify(NEW_KEY_BODY),
      `the request did not carry the new body; it sent ${request.postData()}`,
    );
  });

  await step('the live response shows 201 and the new secret (sk_…)', async () => {
    await op.getByRole('heading', { name: 'Server response' }).waitFor({ timeout: 30_000 });
    const live = op.getByRole('table').filter({ has: page.getByRole('cell', { name: 'Details', exact: true }) });
    const row = live.getByRole('row').filter({ has: page.getByRole('heading', { name: 'Response body' }) });
    await row.waitFor();
    const code = (await row.getByRole('cell').first().innerText()).trim();
    const shown = (await row.getByRole('code').first().innerText()).trim();
    check(code === '201', `the response code shown is ${code}, not 201; body shown: ${shown.slice(0, 600)}`);
    let envelope;
    try {
      envelope = JSON.parse(shown);
    } catch {
      throw new Failure(`the response body shown is not JSON: ${shown.slice(0, 600)}`);
    }
    const secret = envelope?.data?.secret;
    check(typeof secret === 'string' && secret.startsWith('sk_'), `no "secret": "sk_…" in the body shown: ${shown.slice(0, 600)}`);
    check(secret !== ROOT_KEY, 'the secret shown is the root key, not a new one');
    console.log(`      new key ${envelope.data.id}: ${secret.slice(0, 14)}… (${envelope.data.label})`);
  });

  await step('Swagger UI shows no errors panel', async () => {
    focus = page.locator('body');
    const errors = page.locator('.errors-wrapper');
    if ((await errors.count()) > 0) throw new Failure(`Swagger UI shows errors: ${await errors.first().innerText()}`);
  });
}

async function report(err) {
  console.error(`\nFAIL: Swagger UI in headless Chromium, at step "${stepName}"`);
  console.error(`  ${redact(err instanceof Failure ? err.message : String(err?.stack ?? err))}`);
  if (page) {
    try {
      mkdirSync(ARTIFACTS, { recursive: true });
      const shot = join(ARTIFACTS, `swagger-ui-failure-${new Date().toISOString().replace(/[:.]/g, '-')}.png`);
      await page.screenshot({ path: shot, fullPage: true, timeout: 10_000 });
      console.error(`  screenshot: ${shot}`);
    } catch (e) {
      console.error(`  (no screenshot: ${e.message})`);
    }
    try {
      const where = focus && (await focus.count()) > 0 ? focus.first() : page.locator('body');
      const text = redact(await where.innerText({ timeout: 5_000 }));
      console.error(`  page URL: ${page.url()}`);
      console.error(`  --- page text around the failure (${text.length > 4000 ? 'last 4000 characters' : 'all'}) ---`);
      console.error(text.slice(-4000).replace(/^/gm, '  | '));
    } catch (e) {
      console.error(`  (no page text: ${e.message})`);
    }
  }
  if (pageErrors.length) console.error(`  errors in the page:\n${pageErrors.map((e) => `    ${redact(e)}`).join('\n')}`);
  if (blocked.length) console.error(`  requests blocked (not the server under test):\n${blocked.map((u) => `    ${u}`).join('\n')}`);
}

const started = Date.now();
console.log(`Swagger UI at ${BASE}/swagger-ui/ in ${CHROMIUM}`);
let exitCode = 0;
try {
  await main();
  if (blocked.length) console.log(`  note: blocked requests to other hosts: ${blocked.join(', ')}`);
  console.log(`Swagger UI: all ${passed} steps passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (err) {
  exitCode = 1;
  await report(err);
} finally {
  await browser?.close().catch(() => {});
}
process.exit(exitCode);
