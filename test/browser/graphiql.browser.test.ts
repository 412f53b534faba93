/**
 * GraphiQL in a real headless Chromium, offline: the real server on loopback, every request to any
 * other origin aborted and recorded, the example query run from the page, its result rendered, no
 * console error (CSP violations are reported as console errors too), and a screenshot in
 * test-output/graphiql.png.
 *
 * Needs Debian's chromium at /usr/bin/chromium (.ci/run installs it). Without it the suite fails
 * under CI and is skipped elsewhere.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page, type Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/startTestServer.ts';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = join(import.meta.dirname, '../../test-output/graphiql.png');
const missing = !existsSync(CHROMIUM);

// Under CI a missing browser is a failure, not a skip.
it.runIf(missing && process.env['CI'])('has Chromium installed (CI)', () => {
  throw new Error(
    `Chromium is not installed at ${CHROMIUM}. Install it with ` +
      '`apt-get update && apt-get install -y chromium` (.ci/run does this before npm ci).',
  );
});

describe.skipIf(missing)('GraphiQL in headless Chromium', () => {
  let t: TestServer;
  let context: BrowserContext;
  let page: Page;
  let userDataDir: string;
  /** Requests to anything but the test server's origin: aborted, and listed here. */
  const foreign: string[] = [];
  const consoleErrors: string[] = [];
  const graphqlRequests: Request[] = [];

  beforeAll(async () => {
    t = await startTestServer({ config: { graphiql: true } });
    userDataDir = mkdtempSync(join(tmpdir(), 'graphiql-chromium-'));
    // A fresh profile (--user-data-dir) per run: playwright passes it for a persistent context.
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1440, height: 900 },
      serviceWorkers: 'block',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        // Chromium's own traffic (not the page's, which the route below sees): no name resolves but
        // 127.0.0.1, and anything that would still connect out goes to a closed loopback port
        // (Chromium bypasses the proxy for loopback itself, so the page's server is reached directly).
        '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
        '--proxy-server=http://127.0.0.1:9',
        '--dns-prefetch-disable',
      ],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(`uncaught: ${error.message}`));
    page.on('websocket', (ws) => foreign.push(ws.url()));
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/graphql' && request.method() === 'POST') graphqlRequests.push(request);
    });
    await context.route('**/*', async (route) => {
      const url = route.request().url();
      if (url.startsWith(`${t.origin}/`) || url.startsWith('data:')) {
        await route.continue();
        return;
      }
      foreign.push(url);
      await route.abort('blockedbyclient');
    });
    // Make a blocked load or connection visible even where the browser would only warn.
    await context.addInitScript({
      content:
        "document.addEventListener('securitypolicyviolation', (e) => " +
        'console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));',
    });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await t?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  it('opens from /, runs the example query and renders its result, offline', async () => {
    const response = await page.goto(`${t.origin}/`, { waitUntil: 'load' });
    expect(page.url()).toBe(`${t.origin}/graphql`);
    expect(response?.headers()['content-security-policy']).toContain("default-src 'self'");

    // The example tabs, the first one's query in the editor, and the headers editor's placeholder.
    await page.locator('.graphiql-query-editor .CodeMirror').first().waitFor({ state: 'visible', timeout: 20_000 });
    const tabs = page.locator('.graphiql-tab');
    await expect.poll(() => tabs.count(), { timeout: 10_000 }).toBe(4);
    expect(await page.locator('.graphiql-query-editor').innerText()).toContain(
      'connectorDestination(id: "dest-lumen-eu")',
    );
    expect(await page.locator('.graphiql-editor-tool').innerText()).toContain('"Authorization": "Bearer <token>"');

    // Introspection worked: the documentation explorer can list the root types.
    await expect
      .poll(() => graphqlRequests.some((r) => (r.postData() ?? '').includes('IntrospectionQuery')), { timeout: 10_000 })
      .toBe(true);

    await page.locator('.graphiql-execute-button').click();
    const result = page.locator('.result-window');
    await expect.poll(() => result.innerText(), { timeout: 15_000 }).toContain('Lumen Lighting Cloud EU');
    const text = await result.innerText();
    expect(text).toContain('"cloudConnector"');
    expect(text).not.toContain('"errors"');

    // GraphiQL posted JSON to /graphql (what CSRF prevention asks for), with the headers editor's header.
    const run = graphqlRequests.find((r) => (r.postData() ?? '').includes('"operationName":"Destination"'));
    expect(run, 'a POST /graphql for the Destination operation').toBeDefined();
    const headers = await run!.allHeaders();
    expect(headers['content-type']).toMatch(/^application\/json/);
    expect(headers['authorization']).toBe('Bearer <token>');

    // The second tab through the keyboard shortcut. GraphiQL picks the tab's operation 100 ms
    // (a debounce) after the switch, and runs the previous tab's operation name until then; it
    // records the pick in localStorage, so wait for that rather than for a fixed time.
    await tabs.nth(1).click();
    await expect
      .poll(() => page.evaluate("localStorage.getItem('graphiql:operationName')"), { timeout: 5_000 })
      .toBe('Destinations');
    await page.locator('.graphiql-query-editor .CodeMirror').first().click();
    await page.keyboard.press('Control+Enter');
    await expect.poll(() => result.innerText(), { timeout: 15_000 }).toContain('"connectorDestinations"');
    await tabs.nth(0).click();
    await expect.poll(() => result.innerText(), { timeout: 5_000 }).toContain('Lumen Lighting Cloud EU');

    mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: false });

    // The schema loaded (introspection), so the documentation explorer lists the root fields.
    await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
    await page.locator('.graphiql-doc-explorer').getByText('Query', { exact: true }).first().click();
    await expect
      .poll(() => page.locator('.graphiql-doc-explorer').innerText(), { timeout: 10_000 })
      .toContain('connectorDestinations');

    // A dialog (Radix UI, which injects <style> elements) opens and closes under the page's policy.
    await page.getByRole('button', { name: 'Open settings dialog' }).click();
    await page.getByRole('dialog').waitFor({ state: 'visible', timeout: 5_000 });
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'hidden', timeout: 5_000 });

    expect(foreign, 'requests to other origins').toEqual([]);
    expect(consoleErrors, 'console errors').toEqual([]);
  }, 60_000);

  it('has a guard that would have caught another origin (self-check, still on loopback)', async () => {
    // localhost is another origin than 127.0.0.1: the guard must abort and record it.
    const other = `http://localhost:${new URL(t.origin).port}/healthz`;
    const before = foreign.length;
    const probe = await context.newPage();
    await probe.goto(other).catch(() => undefined);
    await probe.close();
    expect(foreign.slice(before)).toEqual([other]);
  });
});
