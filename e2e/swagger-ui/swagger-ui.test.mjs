// Swagger UI used as a person uses it, in headless Chromium.
//
//   SESAME_URL=http://127.0.0.1:8080 SESAME_ROOT_KEY=sk_live_… node swagger-ui.test.mjs
//
// (run.sh starts a fresh server and sets both.) Optional: CHROMIUM (default
// /usr/bin/chromium), ARTIFACTS_DIR (default ./artifacts), where a screenshot
// of each failing step is saved. Exits 1 with a message naming the failed steps.
//
// Every operation of every tag is tried as a person tries it: Authorize with
// the root key, "Try it out" with the prefilled example (what a path id or
// `account_id` must name is created through the API first), Execute; the
// request must go to the operation's own path, and the answer must be its
// documented success status.

import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const BASE = (process.env.SESAME_URL ?? '').replace(/\/+$/, '');
const ROOT_KEY = process.env.SESAME_ROOT_KEY ?? '';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = process.env.ARTIFACTS_DIR || join(dirname(fileURLToPath(import.meta.url)), 'artifacts');
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
// Operations no person in Swagger UI can call successfully, by operationId,
// with what they must answer instead and why.
const UNSIGNABLE = {
  report_github_leaks: {
    status: '401',
    names: 'signature',
    // GitHub signs its leak reports with its private key, which no one in
    // Swagger UI holds: the prefilled example headers are GitHub's documented
    // signature of another body, so the report must be refused for its
    // signature (docs/secret-scanning.md). What a signed report does is
    // tested in crates/server/tests/api/secret_scanning.rs.
  },
};

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

/// Calls the API directly with the root key, to create what an example must
/// refer to (a path's id, the account of `account_id`).
async function api(method, path, body) {
  const res = await fetch(`${BASE}${path}`, {
    method,
    headers: { authorization: `Bearer ${ROOT_KEY}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  check(res.ok, `preparing: ${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/// A value for a required parameter that has no example: a fresh resource
/// of the kind the path names, or the root key's organization.
async function fixture(path, parameter) {
  if (parameter.example !== undefined) return String(parameter.example);
  if (parameter.name === 'account_id') {
    return (await api('POST', '/developers/api_keys', { label: 'names the account' })).data.organization_id;
  }
  check(parameter.name === 'id', `no example and no fixture for the required parameter ${parameter.name} of ${path}`);
  if (path.includes('/organizations/')) {
    return (await api('POST', '/developers/organizations', { name: 'for Swagger UI' })).data.organization.id;
  }
  if (path.includes('/service_accounts/')) {
    return (await api('POST', '/developers/service_accounts', { name: 'for Swagger UI' })).data.id;
  }
  return (await api('POST', '/developers/api_keys', { label: 'for Swagger UI', scopes: ['products.read'] })).data.id;
}

async function tryOperation(tag, path, method, operation) {
  const success = Object.keys(operation.responses).filter((s) => /^2\d\d$/.test(s));
  check(success.length === 1, `documents ${success.length} success statuses, not one`);
  const section = page.locator('.opblock-tag-section').filter({
    has: page.getByRole('heading', { level: 3 }).filter({ has: page.getByRole('link', { name: tag, exact: true }) }),
  });
  focus = section;
  const block = section
    .locator(`.opblock.opblock-${method}`)
    .filter({ has: page.locator(`.opblock-summary-path[data-path="${path}"]`) });
  check((await block.count()) === 1, `expected one block under "${tag}", found ${await block.count()}`);
  focus = block;
  await block.locator('.opblock-summary-control').click();
  await block.getByRole('button', { name: 'Try it out' }).click();

  let expectedPath = path;
  const expectedQuery = {};
  const expectedHeaders = {};
  for (const parameter of operation.parameters ?? []) {
    if (!parameter.required) continue;
    const value = await fixture(path, parameter);
    await block.locator(`tr[data-param-name="${parameter.name}"][data-param-in="${parameter.in}"] input`).fill(value);
    if (parameter.in === 'path') expectedPath = expectedPath.replace(`{${parameter.name}}`, value);
    else if (parameter.in === 'header') expectedHeaders[parameter.name.toLowerCase()] = value;
    else expectedQuery[parameter.name] = value;
  }
  const example = operation.requestBody?.content?.['application/json']?.example;
  if (operation.requestBody) {
    check(example !== undefined, 'its request body has no example to prefill');
    const editor = block.locator('textarea.body-param__text');
    const prefilled = await editor.inputValue();
    let parsed;
    try {
      parsed = JSON.parse(prefilled);
    } catch {
      throw new Failure(`the prefilled body is not JSON: ${prefilled.slice(0, 300)}`);
    }
    check(JSON.stringify(parsed) === JSON.stringify(example), `Swagger UI prefilled ${prefilled.slice(0, 300)}, not the example`);
  }

  // The first call to the API after Execute, whatever its URL: a wrong path
  // is reported, not waited for.
  const sent = page.waitForRequest((r) => r.url().startsWith(`${BASE}/`) && !r.url().startsWith(`${BASE}/swagger-ui/`));
  await block.getByRole('button', { name: 'Execute' }).click();
  const request = await sent;
  const url = new URL(request.url());
  check(
    request.method() === method.toUpperCase() && url.pathname === expectedPath,
    `Swagger UI sent ${request.method()} ${url.pathname}, not ${method.toUpperCase()} ${expectedPath}`,
  );
  for (const [name, value] of Object.entries(expectedQuery)) {
    check(url.searchParams.get(name) === value, `the request's ${name} is ${url.searchParams.get(name)}, not ${value}`);
  }
  for (const [name, value] of Object.entries(expectedHeaders)) {
    const sentHeader = request.headers()[name];
    check(sentHeader === value, `the request's header ${name} is ${sentHeader}, not ${value}`);
  }
  // After Authorize, Swagger UI sends the key to every operation whose
  // security names bearerAuth, and to no other (the probes need none).
  const wantsKey = (operation.security ?? []).some((requirement) => 'bearerAuth' in requirement);
  const authorization = request.headers().authorization;
  if (wantsKey) {
    check(
      authorization === `Bearer ${ROOT_KEY}`,
      `not sent with the root key as "Authorization: Bearer"; it had ${redact(authorization ?? '(none)')}`,
    );
  } else {
    check(authorization === undefined, `sent ${redact(authorization ?? "")} to an operation that needs no key`);
  }
  if (example !== undefined) {
    check(
      JSON.stringify(JSON.parse(request.postData() ?? 'null')) === JSON.stringify(example),
      `the request did not carry the example; it sent ${request.postData()}`,
    );
  }

  const status = block.locator('.live-responses-table tbody .response-col_status').first();
  await status.waitFor({ timeout: 30_000 });
  const code = (await status.innerText()).trim();
  const shown = await block.locator('.live-responses-table tbody .response-col_description').first().innerText();
  const unsignable = UNSIGNABLE[operation.operationId];
  if (unsignable) {
    check(
      code === unsignable.status && shown.includes(unsignable.names),
      `answered ${code}, not the documented ${unsignable.status} naming the ${unsignable.names}: ${redact(shown).slice(0, 600)}`,
    );
  } else {
    check(code === success[0], `answered ${code}, not the documented ${success[0]}: ${redact(shown).slice(0, 600)}`);
  }
  // Closed again, so the page stays small and the next block is in view.
  await block.locator('.opblock-summary-control').click();
  await block.locator('.opblock-body').waitFor({ state: 'detached' });
}

async function screenshot(label) {
  try {
    mkdirSync(ARTIFACTS, { recursive: true });
    const shot = join(ARTIFACTS, `swagger-ui-${label}-${new Date().toISOString().replace(/[:.]/g, '-')}.png`);
    await page.screenshot({ path: shot, fullPage: false, timeout: 10_000 });
    return shot;
  } catch (e) {
    console.error(`  (no screenshot: ${e.message})`);
    return null;
  }
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

  // Every operation of every tag, in the document's order: Try it out with
  // the prefilled example, Execute, and the request must go to the
  // operation's own path and get its documented success status.
  const operations = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      // An operation without its own `security` inherits the document's.
      if (METHODS.includes(method)) operations.push({ path, method, operation: { security: doc.security, ...operation } });
    }
  }
  const failures = [];
  let inARow = 0; // failures one after the other: Swagger UI itself is broken past that many
  for (const tag of tags) {
    for (const { path, method, operation } of operations.filter((o) => (o.operation.tags ?? []).includes(tag))) {
      const name = `${method.toUpperCase()} ${path} (${operation.operationId})`;
      try {
        await step(`${name}: Try it out with its example, Execute`, () => tryOperation(tag, path, method, operation));
        inARow = 0;
      } catch (err) {
        // One operation's failure (a check, or a wait that timed out) is
        // reported with its screenshot, and the next operation is tried.
        const message = err instanceof Failure ? err.message : String(err?.message ?? err).split('\n')[0];
        const shot = await screenshot(operation.operationId);
        console.error(`  FAIL ${name}: ${redact(message)}${shot ? `\n       screenshot: ${shot}` : ''}`);
        failures.push(`${name}: ${message}`);
        inARow += 1;
        check(inARow < 5, `stopped after ${inARow} operations failed in a row:\n    ${failures.map(redact).join('\n    ')}`);
      }
    }
  }
  stepName = 'every operation';
  check(operations.length > 0, 'the document has no operations');
  check(failures.length === 0, `${failures.length} of ${operations.length} operations failed:\n    ${failures.map(redact).join('\n    ')}`);

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
