/**
 * The Dashboard in a real browser (Debian's Chromium, driven by playwright-core), against the real
 * server in-process: the seeds' Dashboard procedures followed by their visible labels, as a person
 * would, with the SDK in the test process acting on what the browser made. Every main page gets a
 * screenshot (.tmp/dashboard-browser/) and an axe-core check (no serious or critical violation), at
 * 1280 px; the shell is checked at 390 px too. Nothing is fetched from another origin.
 *
 * Chromium missing: the suite fails in CI (CI=true) and is skipped, with a message, elsewhere.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardDir, ensureDashboard } from '../../dashboard/index.ts';
import { createClient, UnauthorizedError } from '../../generated/sdk.ts';
import { type App, createApp } from '../../server/app.ts';
import { linkIn, type Mailbox, startMailbox } from '../support/mailbox.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const IN_CI = ['true', '1'].includes(String(process.env.CI).toLowerCase());
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SCREENSHOTS = fileURLToPath(new URL('../../.tmp/dashboard-browser/', import.meta.url));
const AXE = fileURLToPath(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url));

if (!HAVE_CHROMIUM && !IN_CI) {
  console.warn(`test/browser/dashboard.test.ts skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium). In CI this fails.`);
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

describe.skipIf(!HAVE_CHROMIUM && !IN_CI)('Dashboard in Chromium', () => {
  let api: App;
  let server: Server;
  let base: string;
  let browser: Browser;
  let axeSource: string;
  let mailbox: Mailbox;
  const offsite: string[] = [];
  const pageErrors: string[] = [];
  const a11y: Record<string, string[]> = {};

  const run = Date.now().toString(36);
  const owner = { name: 'Ada Owner', email: `ada-${run}@example.com`, password: 'correct-horse-battery' };
  const invitee = { name: 'Ivan Invitee', email: `ivan-${run}@example.com`, password: 'another-long-passphrase' };
  const orgName = `Acme ${run}`;
  const projectName = 'Production';
  const state: { orgId?: string; projectId?: string; secret?: string } = {};
  let page: Page;

  async function newPage(width = 1280, height = 900): Promise<Page> {
    const context = await browser.newContext({ viewport: { width, height }, baseURL: base });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    context.on('request', (req) => {
      if (!/^(http:\/\/127\.0\.0\.1:|data:|blob:|about:)/.test(req.url())) offsite.push(req.url());
    });
    const p = await context.newPage();
    p.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
    return p;
  }

  /** A screenshot and an axe-core run of the page as it is now. */
  async function audit(p: Page, name: string): Promise<void> {
    await p.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    // Evaluated through the DevTools protocol: the page's own CSP (script-src 'self') stays on.
    await p.evaluate(axeSource);
    const violations = (await p.evaluate(async () => {
      const result = await (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: unknown[] }> } }).axe.run(document, {
        resultTypes: ['violations'],
      });
      return result.violations;
    })) as AxeViolation[];
    a11y[name] = violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  }

  const sidebar = (p: Page) => p.getByRole('navigation', { name: 'Dashboard' });

  beforeAll(async () => {
    if (!HAVE_CHROMIUM) throw new Error(`Chromium is missing at ${CHROMIUM}: CI must install it (apt-get install -y chromium).`);
    await ensureDashboard();
    axeSource = await readFile(AXE, 'utf8');
    // The invitation email goes over SMTP to a server of this test's own, on 127.0.0.1.
    mailbox = await startMailbox();
    api = await createApp({ dbUrl: ':memory:', dashboardDir, validateResponses: true, rateLimit: { livePerMinute: 10_000, authPerMinute: 10_000 }, mail: { smtpUrl: mailbox.url } });
    await api.warmUp();
    server = await new Promise<Server>((resolve) => {
      const s = api.app.listen(0, '127.0.0.1', () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    await mkdir(SCREENSHOTS, { recursive: true });
    page = await newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await api?.close();
    await mailbox?.close();
  });

  it('1. signs up, creates an organization, a project in a chosen region and a token, and copies its secret', async () => {
    await page.goto('/');
    await page.waitForURL(/\/auth\/sign-in/);
    await audit(page, 'sign-in');
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.waitForURL(/\/auth\/sign-up/);
    await page.getByLabel('Name', { exact: true }).fill(owner.name);
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill(owner.password);
    await audit(page, 'sign-up');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.waitForURL(/\/orgs\/org_/);
    // No token is kept by the page: the session is the HttpOnly cookie.
    expect(await page.evaluate(() => ({ local: localStorage.length, session: sessionStorage.length, cookie: document.cookie }))).toEqual({ local: 0, session: 0, cookie: '' });

    await page.getByRole('button', { name: 'Create Organization' }).click();
    const create = page.getByRole('dialog', { name: 'Create Organization' });
    await create.getByLabel('Name', { exact: true }).fill(orgName);
    await create.getByRole('button', { name: 'Create' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).innerText()).toBe(orgName);
    state.orgId = /\/orgs\/(org_[^/]+)/.exec(page.url())![1];
    await expect.poll(() => sidebar(page).getByRole('link', { name: orgName }).count()).toBe(1);
    await audit(page, 'organization');

    await sidebar(page).getByRole('link', { name: 'Projects' }).click();
    await page.getByText('No projects yet').waitFor();
    await audit(page, 'projects-empty');
    await page.getByRole('button', { name: 'Create Project' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create Project' });
    expect(await dialog.getByLabel('Region').inputValue()).toBe('enam');
    await dialog.getByLabel('Name', { exact: true }).fill(projectName);
    await dialog.getByLabel('Region').selectOption('weur');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL(/\/projects\/proj_/);
    state.projectId = /\/projects\/(proj_[^/]+)/.exec(page.url())![1];
    await expect.poll(() => page.getByRole('heading', { level: 1 }).innerText()).toBe(projectName);
    await expect.poll(() => page.locator('.facts').innerText()).toContain('weur');
    await audit(page, 'project');

    await sidebar(page).getByRole('link', { name: 'Tokens' }).click();
    await page.getByRole('button', { name: 'Create Token' }).click();
    const form = page.getByRole('dialog', { name: 'Create Token' });
    await form.getByLabel('Token name').fill('Browser test');
    for (const scope of ['kv:read', 'kv:write', 'channels:publish', 'channels:subscribe']) await form.getByRole('checkbox', { name: scope, exact: true }).check();
    await audit(page, 'create-token');
    await form.getByRole('button', { name: 'Create' }).click();
    const shown = page.getByRole('dialog', { name: 'Token created' });
    await shown.getByText('shown only once').waitFor();
    await shown.getByRole('button', { name: 'Copy' }).click();
    await shown.getByText('Copied').waitFor();
    state.secret = await page.evaluate(() => navigator.clipboard.readText());
    expect(state.secret).toMatch(/^sk_live_/);
    expect(await shown.getByLabel('Secret').inputValue()).toBe(state.secret);
    await shown.getByRole('button', { name: 'Done' }).click();
    const row = page.getByRole('row').filter({ hasText: 'Browser test' });
    await expect.poll(() => row.innerText()).toContain(state.secret.slice(0, 12));
    expect(await row.innerText()).toContain('kv:read, kv:write, channels:publish, channels:subscribe');
    await audit(page, 'tokens');
  });

  it('2. a key set through the SDK appears in the KV Store; edited in the browser, the SDK reads the new value', async () => {
    const ss = createClient(state.secret!, { baseUrl: base });
    await ss.infra.kv.set('greeting', { hello: 'from the SDK' });
    await sidebar(page).getByRole('link', { name: 'KV Store' }).click();
    const keys = page.getByRole('region', { name: 'Keys' });
    await keys.getByRole('button', { name: 'greeting' }).click();
    const editor = page.getByRole('form', { name: 'Key greeting' });
    await expect.poll(() => editor.getByLabel('Value (JSON)').inputValue()).toBe(JSON.stringify({ hello: 'from the SDK' }, null, 2));
    await editor.getByLabel('Value (JSON)').fill('{"hello": "from the browser"}');
    await editor.getByLabel('TTL in seconds (optional)').fill('3600');
    await audit(page, 'kv-store');
    await editor.getByRole('button', { name: 'Save' }).click();
    await expect.poll(async () => (await ss.infra.kv.get('greeting')).value).toEqual({ hello: 'from the browser' });
    expect(Date.parse((await ss.infra.kv.get('greeting')).expires_at!) - Date.now()).toBeGreaterThan(3500_000);

    // Add Key: the document's key pattern is checked before anything is sent.
    await keys.getByRole('button', { name: 'Add Key' }).click();
    const fresh = page.getByRole('form', { name: 'New key' });
    await fresh.getByLabel('Key', { exact: true }).fill('a..b');
    await fresh.getByLabel('Value (JSON)').fill('1');
    await fresh.getByRole('button', { name: 'Save' }).click();
    await fresh.getByRole('alert').filter({ hasText: 'not allowed' }).waitFor();
    await fresh.getByLabel('Key', { exact: true }).fill('visits');
    await fresh.getByRole('button', { name: 'Save' }).click();
    const counter = page.getByRole('form', { name: 'Key visits' });
    await counter.getByRole('button', { name: 'Increment' }).click();
    await expect.poll(async () => (await ss.infra.kv.get('visits')).value).toBe(2);
    await expect.poll(() => counter.getByLabel('Value (JSON)').inputValue()).toBe('2');
    await counter.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog', { name: 'Delete visits?' }).getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => keys.getByRole('button', { name: 'visits' }).count()).toBe(0);
    await expect(ss.infra.kv.get('visits')).rejects.toMatchObject({ status: 404 });
  });

  it('3. an event published from the SDK appears in the channel monitor; Publish sends one from the browser', async () => {
    const ss = createClient(state.secret!, { baseUrl: base });
    await sidebar(page).getByRole('link', { name: 'Channels' }).click();
    await page.getByLabel('Channel').fill('ops');
    await page.getByRole('button', { name: 'Watch' }).click();
    await page.getByText('Live: new events').waitFor();
    await ss.infra.channels.publish('ops', { event: 'deployed', data: { version: 42 } });
    const events = page.getByRole('region', { name: 'Events on ops' });
    await events.getByText('deployed', { exact: true }).waitFor();
    expect(await events.innerText()).toContain('"version": 42');
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByText('Published to 1 subscriber').waitFor();
    await events.getByText('test', { exact: true }).waitFor();
    await audit(page, 'channels');
  });

  it('4. Members → Invite; the invitee opens the emailed link in another browser, signs up and accepts; Save new scopes, then Remove', async () => {
    await sidebar(page).getByRole('link', { name: 'Members' }).click();
    await page.getByRole('button', { name: 'Invite', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Invite' });
    await dialog.getByLabel('Email address').fill(invitee.email);
    await dialog.getByRole('checkbox', { name: 'kv:read', exact: true }).check();
    await dialog.getByText('grants every scope').waitFor();
    await audit(page, 'invite');
    await dialog.getByRole('button', { name: 'Invite', exact: true }).click();
    await dialog.getByText(`Invitation sent to ${invitee.email}`).waitFor();
    // The owner can copy the link the email carries (a server without SMTP sends none).
    const shown = await dialog.getByLabel('Invitation link').inputValue();
    await dialog.getByRole('button', { name: 'Copy link' }).click();
    await dialog.getByText('Copied to the clipboard.').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(shown);
    await audit(page, 'invitation-link');
    await dialog.getByRole('button', { name: 'Done' }).click();
    const mail = await mailbox.waitFor(invitee.email, /\/invitations\/inv_/);
    const link = linkIn(mail.raw, '/invitations/');
    expect(link.href).toBe(shown);
    expect(link.searchParams.get('token')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const pending = page.getByRole('region', { name: 'Pending invitations' }).getByRole('row').filter({ hasText: invitee.email });
    await pending.waitFor();
    expect(await page.getByRole('row').filter({ hasText: owner.email }).innerText()).toContain('your scopes: *');
    await audit(page, 'members');

    // The invitee, signed out, opens the emailed link (on this test server's origin): sign-in, then
    // "Create an account", and back to the invitation with its token.
    const second = await newPage();
    await second.goto(link.pathname + link.search);
    await second.waitForURL(/\/auth\/sign-in\?next=/);
    await second.getByRole('link', { name: 'Create an account' }).click();
    await second.waitForURL(/\/auth\/sign-up\?next=/);
    await second.getByLabel('Name', { exact: true }).fill(invitee.name);
    await second.getByLabel('Email').fill(invitee.email);
    await second.getByLabel('Password').fill(invitee.password);
    await second.getByRole('button', { name: 'Sign up' }).click();
    await second.waitForURL((url) => url.pathname === link.pathname && url.searchParams.get('token') === link.searchParams.get('token'));
    await second.getByRole('heading', { name: `Join ${orgName}` }).waitFor();
    await audit(second, 'invitation');
    await second.getByRole('button', { name: 'Accept invitation' }).click();
    await second.waitForURL(new RegExp(`/orgs/${state.orgId}$`));
    await expect.poll(() => sidebar(second).getByRole('link', { name: orgName }).count()).toBe(1);
    await second.context().close();

    await page.reload();
    const row = page.getByRole('row').filter({ hasText: invitee.email });
    await expect.poll(() => row.innerText()).toContain('kv:read');
    await expect.poll(() => pending.count()).toBe(0);
    await row.getByRole('button', { name: invitee.name }).click();
    const member = page.getByRole('dialog', { name: invitee.name });
    await member.getByRole('checkbox', { name: 'kv:write', exact: true }).check();
    await audit(page, 'member');
    await member.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => row.innerText()).toContain('kv:read, kv:write');
    await row.getByRole('button', { name: invitee.name }).click();
    await member.getByRole('button', { name: 'Remove' }).click();
    await page.getByRole('dialog', { name: `Remove ${invitee.name}?` }).getByRole('button', { name: 'Remove' }).click();
    await expect.poll(() => row.count()).toBe(0);
  });

  it('6. Usage shows the calls just made, with the balance and the cycle', async () => {
    await sidebar(page).getByRole('link', { name: 'Usage' }).click();
    await page.getByRole('heading', { name: /^Billing cycle \d{4}-\d{2}/ }).waitFor();
    // The SDK's and the browser's calls of steps 2 and 3, at their documented prices.
    for (const [operation, primitive] of [['setValue', 'KV'], ['getValue', 'KV'], ['incrementValue', 'KV'], ['deleteValue', 'KV'], ['scanKeys', 'KV'], ['publishEvent', 'Channels'], ['subscribeChannel', 'Channels']]) {
      await expect.poll(() => page.getByRole('row').filter({ hasText: operation }).innerText()).toMatch(new RegExp(`${operation}\\s+${primitive}\\s+\\d+\\s+[\\d,]+ μt`));
    }
    expect(await page.getByRole('row').filter({ hasText: 'Channels' }).first().isVisible()).toBe(true);
    expect(await page.getByText('Included remaining').isVisible()).toBe(true);
    expect(await page.getByText(/allowance is the owner's, shared by every organization they own/).isVisible()).toBe(true);
    await audit(page, 'usage');
  });

  it('5. Revoke the token; the API answers 401 to it at once', async () => {
    await sidebar(page).getByRole('link', { name: 'Projects' }).click();
    await page.getByRole('link', { name: projectName }).click();
    await sidebar(page).getByRole('link', { name: 'Tokens' }).click();
    await page.getByRole('button', { name: 'Browser test' }).click();
    const details = page.getByRole('dialog', { name: 'Browser test' });
    await audit(page, 'token-details');
    await details.getByRole('button', { name: 'Revoke' }).click();
    await page.getByText('No tokens yet').waitFor();
    const ss = createClient(state.secret!, { baseUrl: base });
    await expect(ss.infra.kv.get('greeting')).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('7. Delete Project and Delete Organization through Danger Zone', async () => {
    await sidebar(page).getByRole('link', { name: 'Project settings' }).click();
    await page.getByRole('heading', { name: 'Danger Zone' }).waitFor();
    await audit(page, 'project-settings');
    await page.getByRole('button', { name: 'Delete Project' }).click();
    const confirmProject = page.getByRole('dialog', { name: 'Delete Project?' });
    const deleteProject = confirmProject.getByRole('button', { name: 'Delete Project' });
    expect(await deleteProject.isDisabled()).toBe(true);
    await confirmProject.getByLabel('Project name').fill(projectName);
    await deleteProject.click();
    await page.waitForURL(new RegExp(`/orgs/${state.orgId}/projects$`));
    await page.getByText('No projects yet').waitFor();

    await sidebar(page).getByRole('link', { name: 'Settings', exact: true }).click();
    await page.getByRole('heading', { name: 'Danger Zone' }).waitFor();
    await audit(page, 'organization-settings');
    await page.getByRole('button', { name: 'Delete Organization' }).click();
    const confirmOrg = page.getByRole('dialog', { name: 'Delete Organization?' });
    await confirmOrg.getByLabel('Organization name').fill(orgName);
    // Esc closes a dialog without acting.
    await page.keyboard.press('Escape');
    await expect.poll(() => confirmOrg.count()).toBe(0);
    await page.getByRole('button', { name: 'Delete Organization' }).click();
    await confirmOrg.getByLabel('Organization name').fill(orgName);
    await confirmOrg.getByRole('button', { name: 'Delete Organization' }).click();
    await page.waitForURL((url) => !url.pathname.includes(state.orgId!));
    await expect.poll(() => sidebar(page).getByRole('link', { name: orgName }).count()).toBe(0);
  });

  it('works at 390 px: the sidebar opens from Menu', async () => {
    const phone = await newPage(390, 844);
    await phone.goto('/auth/sign-in');
    await phone.getByLabel('Email').fill(owner.email);
    await phone.getByLabel('Password').fill(owner.password);
    await phone.getByRole('button', { name: 'Sign in' }).click();
    await phone.waitForURL(/\/orgs\/org_/);
    expect(await sidebar(phone).isVisible()).toBe(false);
    await phone.getByRole('button', { name: 'Menu' }).click();
    await sidebar(phone).getByRole('link', { name: 'Projects' }).click();
    await phone.getByRole('heading', { name: 'Projects' }).waitFor();
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await audit(phone, 'phone-projects');
    await phone.getByRole('button', { name: 'Sign out' }).click();
    await phone.waitForURL(/\/auth\/sign-in/);
    await phone.context().close();
  });

  it('no serious or critical accessibility violation on any page, no page error, nothing fetched off the machine', () => {
    expect(Object.keys(a11y).length).toBeGreaterThanOrEqual(10);
    expect(Object.fromEntries(Object.entries(a11y).filter(([, v]) => v.length > 0))).toEqual({});
    expect(pageErrors).toEqual([]);
    expect(offsite).toEqual([]);
  });
});
