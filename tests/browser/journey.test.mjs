// Every role's journey through the pages in real Chromium, with JavaScript on and off:
// zero axe violations (WCAG 2.2 AA tags) on every page, screenshots kept in test-output/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { BIN, OUT, TAGS, freePort, launch } from './support.mjs';

let server, browser, base;

before(async () => {
  mkdirSync(OUT, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'sendscope-browser-'));
  const url = `sqlite://${join(dir, 'b.db')}`;
  execFileSync(BIN, ['--database-url', url, 'demo', '--plans', '150', '--as-of', '2026-01-15'], { stdio: 'ignore' });
  // The DfE's published statistics, so the dashboard shows them beside the area's own.
  execFileSync(BIN, ['--database-url', url, 'import', 'dfe-stats', new URL('../data/dfe-stats', import.meta.url).pathname], { stdio: 'ignore' });
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(BIN, ['--database-url', url, 'serve', '--port', String(port)], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(`${base}/healthz`)).ok) break; } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.kill();
});

// With JavaScript off, pages are loaded with script execution disabled (DevTools
// protocol); it is switched back on only while axe inspects the DOM as rendered.
async function checkPage(page, name, cdp) {
  if (cdp) await cdp.send('Emulation.setScriptExecutionDisabled', { value: false });
  const results = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  if (cdp) await cdp.send('Emulation.setScriptExecutionDisabled', { value: true });
  const summary = results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`);
  await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
  assert.deepEqual(summary, [], `axe violations on ${name}`);
}

async function journey(role, javaScriptEnabled) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const cdp = javaScriptEnabled ? null : await context.newCDPSession(page);
  if (cdp) await cdp.send('Emulation.setScriptExecutionDisabled', { value: true });
  const check = (p, name) => checkPage(p, name, cdp);
  const tag = `${role}-${javaScriptEnabled ? 'js' : 'nojs'}`;
  // Every page is served under a strict Content-Security-Policy, and nothing on it is
  // refused by it (an inline script or style would be, with an error in the console).
  const policies = [];
  const refused = [];
  page.on('response', (r) => {
    if (r.request().resourceType() === 'document') {
      policies.push([r.url(), r.headers()['content-security-policy']]);
    }
  });
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text())) refused.push(m.text());
  });
  await page.goto(`${base}/`);
  await check(page, `${tag}-0-home-public`);
  // The public figures of the demo area (Derby's LA code, 831): aggregates, suppressed.
  await page.goto(`${base}/figures/831`);
  assert.match(await page.content(), /Statutory time limits/);
  await check(page, `${tag}-0-figures-public`);
  // The partnership board's published minutes, signed out.
  await page.goto(`${base}/figures/831/board`);
  assert.match(await page.content(), /SEND Improvement Board/);
  assert.match(await page.content(), /SHA-256/);
  await check(page, `${tag}-0-board-public`);
  await page.goto(`${base}/sign-in`);
  await check(page, `${tag}-1-sign-in`);
  await page.fill('#username', role);
  await page.fill('#password', 'demo');
  await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
  assert.match(await page.content(), /Signed in as/);
  if (cdp) {
    // Script really was off: the script that marks the page for JavaScript did not run.
    assert.doesNotMatch(await page.getAttribute('body', 'class'), /js-enabled/);
  } else {
    // Script was on and allowed: /assets/sendscope/js-enabled.js marked the page.
    assert.match(await page.getAttribute('body', 'class'), /js-enabled govuk-frontend-supported/);
  }
  await check(page, `${tag}-2-home`);
  if (role === 'board') {
    // The board member's first screen: headline measures against trajectories, the
    // plan's RAG and the top risks, the detail one click away.
    assert.match(page.url(), /\/board$/);
    assert.match(await page.content(), /Headline measures against their trajectories/);
    assert.match(await page.content(), /Top risks/);
  }
  if (['caseworker', 'manager', 'school'].includes(role)) {
    await page.goto(`${base}/cases`);
    await check(page, `${tag}-3-cases`);
    await page.selectOption('#stage', 'plan_in_place');
    await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
    await check(page, `${tag}-4-cases-filtered`);
    const first = await page.locator('a[href^="/cases/"]').first().getAttribute('href');
    assert.ok(first, `${role} sees at least one case`);
    await page.goto(`${base}${first}`);
    assert.match(await page.content(), /Timeline/);
    await check(page, `${tag}-5-case`);
    if (role !== 'school') {
      // Recording a step: the menu, a form, its error state, and the record after it.
      await Promise.all([page.waitForNavigation(), page.click('a[href$="/steps"]')]);
      await check(page, `${tag}-5a-steps`);
      await page.goto(`${base}${first}/options`);
      assert.match(await page.content(), /provisions excluded, and why/);
      await check(page, `${tag}-5-options`);
      await page.goto(`${base}${first}/steps/final-plan-issued`);
      await check(page, `${tag}-5b-form-final-plan`);
      await page.goto(`${base}${first}/steps/plan-audited`);
      await check(page, `${tag}-5b-form-audit`);
      await page.goto(`${base}${first}/steps/review-meeting-held`);
      await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
      assert.match(await page.content(), /There is a problem/);
      await check(page, `${tag}-5c-form-error`);
      const today = new Date();
      await page.fill('#on', String(today.getDate()));
      await page.fill('#on-month', String(today.getMonth() + 1));
      await page.fill('#on-year', String(today.getFullYear()));
      await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
      assert.match(await page.content(), /Recorded: Review meeting held/);
      await check(page, `${tag}-5d-recorded`);
      // A letter to the family: preview, issue, and the printable letter.
      const write = page.locator('a[href*="/letters/new/"]').first();
      assert.ok(await write.count(), `${role} can write a letter on a plan in place`);
      await Promise.all([page.waitForNavigation(), write.click()]);
      await check(page, `${tag}-5e-letter-preview`);
      await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
      assert.match(await page.content(), /In the outbox/);
      await check(page, `${tag}-5f-letter`);
      if (role === 'manager') {
        // Subject access: everything held about the child, for whoever asked.
        const r = await page.goto(`${base}${first}/subject-access`);
        assert.equal(r.status(), 200, 'a team manager makes subject access bundles');
        await check(page, `${tag}-5g-subject-access`);
      }
    }
  }
  if (['parent', 'young-person'].includes(role)) {
    // Families: their own children's records, and who else can see them.
    await page.goto(`${base}/cases`);
    await check(page, `${tag}-3-cases`);
    const first = await page.locator('a[href^="/cases/"]').first().getAttribute('href');
    assert.ok(first, `${role} sees their own record in the list`);
    await page.goto(`${base}${first}`);
    assert.match(await page.content(), /Who can see this record/);
    await check(page, `${tag}-5-case`);
    const setting = page.locator('a[href^="/settings/"]').first();
    if (await setting.count()) {
      await page.goto(`${base}${await setting.getAttribute('href')}`);
      await check(page, `${tag}-7-setting`);
    }
  }
  if (['caseworker', 'manager'].includes(role)) {
    await page.goto(`${base}/queue`);
    assert.match(await page.content(), /Work queue/);
    await check(page, `${tag}-8-queue`);
    await page.goto(`${base}/complaints?all=1`);
    assert.match(await page.content(), /The council's policy/);
    await check(page, `${tag}-8-complaints`);
  }
  if (role === 'school') {
    await page.goto(`${base}/reviews`);
    assert.match(await page.content(), /Annual reviews of your pupils/);
    await check(page, `${tag}-8-reviews`);
    await page.goto(`${base}/consultations`);
    await check(page, `${tag}-8-consultations`);
  }
  if (['health', 'ep', 'caseworker'].includes(role)) {
    await page.goto(`${base}/advice`);
    assert.match(await page.content(), /Advice asked for assessments/);
    await check(page, `${tag}-8-advice`);
  }
  if (['manager', 'board', 'commissioner'].includes(role)) {
    await page.goto(`${base}/partnership`);
    assert.match(await page.content(), /Improvement plan/);
    assert.match(await page.content(), /revised twice/);
    await check(page, `${tag}-9-partnership`);
    await page.goto(`${base}/partnership/stocktake?from=2025-01-01`);
    assert.match(await page.content(), /Risks and their movement/);
    await check(page, `${tag}-9-stocktake`);
  }
  if (['manager', 'commissioner'].includes(role)) {
    // The programme office records on forms: the menu, and a change request's form.
    await page.goto(`${base}/partnership/steps`);
    await check(page, `${tag}-9-partnership-steps`);
    await page.goto(`${base}/partnership/steps/change-request`);
    assert.match(await page.content(), /Ask to move an action's due date/);
    await check(page, `${tag}-9-partnership-change-request`);
  }
  if (['manager', 'board'].includes(role)) {
    await page.goto(`${base}/programmes`);
    await check(page, `${tag}-9-programmes`);
    const programme = page.locator('a[href^="/programmes/"]').first();
    assert.ok(await programme.count(), 'the demo defines a programme');
    await page.goto(`${base}${await programme.getAttribute('href')}`);
    assert.match(await page.content(), /Rate needed from today/);
    await check(page, `${tag}-9-programme`);
    await page.goto(`${base}/compliance`);
    assert.match(await page.content(), /Compliance report/);
    assert.match(await page.content(), /Narrow the report/);
    await check(page, `${tag}-9-compliance`);
    await page.goto(`${base}/dashboard`);
    assert.match(await page.content(), /The chart's figures/);
    assert.match(await page.content(), /Placements and their cost by type of setting/);
    await check(page, `${tag}-9-dashboard`);
    if (role === 'manager') {
      // The SEN2 return checked before it is sent: the coming census day's.
      await page.goto(`${base}/sen2`);
      assert.match(await page.content(), /SEN2 return for census day/);
      await check(page, `${tag}-9-sen2`);
      await page.goto(`${base}/dashboard/cases?measure=plans_late`);
      assert.match(await page.content(), /took more than 20 weeks/);
      await check(page, `${tag}-9-dashboard-cases`);
    }
    await page.goto(`${base}/trajectories`);
    assert.match(await page.content(), /Planned and actual by month/);
    await check(page, `${tag}-9-trajectories`);
    await page.goto(`${base}/board-report`);
    assert.match(await page.content(), /Board report/);
    await check(page, `${tag}-9-board-report`);
  }
  if (['commissioner', 'manager', 'caseworker'].includes(role)) {
    await page.goto(`${base}/settings`);
    await check(page, `${tag}-6-settings`);
    const first = await page.locator('a[href^="/settings/"]').first().getAttribute('href');
    await page.goto(`${base}${first}`);
    await check(page, `${tag}-7-setting`);
  }
  if (role === 'commissioner') {
    // The provisions register: a provision's record, a step's form and its error state,
    // the viable options, and adding a provision.
    await page.goto(`${base}/settings`);
    const settings = await page.locator('a[href^="/settings/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    let provision = null;
    for (const href of settings.slice(0, 60)) {
      await page.goto(`${base}${href}`);
      const link = page.locator('a[href^="/provisions/"]').first();
      if (await link.count()) {
        provision = await link.getAttribute('href');
        await page.goto(`${base}${href}/provisions/new`);
        await check(page, `${tag}-10-provision-new`);
        break;
      }
    }
    assert.ok(provision, 'the demo has provisions at its settings');
    await page.goto(`${base}${provision}`);
    assert.match(await page.content(), /Record a step/);
    await check(page, `${tag}-10-provision`);
    await page.goto(`${base}${provision}/steps/capital`);
    await check(page, `${tag}-10-provision-form`);
    await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
    assert.match(await page.content(), /There is a problem/);
    await check(page, `${tag}-10-provision-form-error`);
    await page.goto(`${base}${provision}/viable-options`);
    assert.match(await page.content(), /Viable options/);
    await check(page, `${tag}-10-viable-options`);
    // Placement: the optimum, and a scenario beside it.
    await page.goto(`${base}/placement`);
    assert.match(await page.content(), /The optimum on/);
    await check(page, `${tag}-11-placement`);
    await page.goto(`${base}/placement/scenario`);
    await page.selectOption('#change', 'resize');
    const option = await page.locator('#provision option').nth(1).getAttribute('value');
    await page.selectOption('#provision', option);
    await page.fill('#places', '40');
    await page.fill('#capital', '1,000,000');
    await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
    assert.match(await page.content(), /beside the baseline/);
    await check(page, `${tag}-11-scenario`);
  }
  assert.ok(policies.length >= 4, `pages seen: ${policies.length}`);
  for (const [url, policy] of policies) {
    assert.equal(policy, "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'", `Content-Security-Policy of ${url}`);
  }
  assert.deepEqual(refused, [], 'nothing refused by the Content-Security-Policy');
  await context.close();
}

// The programme office's forms and the capital projects, for a team manager: their own
// test, so each journey stays well inside its time limit on a slow machine.
async function office(javaScriptEnabled) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const cdp = javaScriptEnabled ? null : await context.newCDPSession(page);
  if (cdp) await cdp.send('Emulation.setScriptExecutionDisabled', { value: true });
  const check = (p, name) => checkPage(p, name, cdp);
  const tag = `office-${javaScriptEnabled ? 'js' : 'nojs'}`;
  await page.goto(`${base}/sign-in`);
  await page.fill('#username', 'manager');
  await page.fill('#password', 'demo');
  await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
  assert.match(await page.content(), /Signed in as/);
  // A board meeting: members present by checkbox, and its error state.
  await page.goto(`${base}/partnership/steps/meeting`);
  assert.match(await page.content(), /Members present/);
  await check(page, `${tag}-9-partnership-meeting`);
  await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
  assert.match(await page.content(), /There is a problem/);
  await check(page, `${tag}-9-partnership-meeting-error`);
  await page.goto(`${base}/partnership/steps/risk`);
  await check(page, `${tag}-9-partnership-risk`);
  await page.goto(`${base}/partnership/steps/qa-round`);
  await check(page, `${tag}-9-partnership-qa-round`);
  // Capital: the projects, the demo's project with its trail, a step's form.
  await page.goto(`${base}/capital`);
  assert.match(await page.content(), /CAP-25-003/);
  await check(page, `${tag}-9-capital`);
  await page.goto(`${base}${await page.locator('a[href^="/capital/"]').first().getAttribute('href')}`);
  assert.match(await page.content(), /pending viable-options evidence/);
  await check(page, `${tag}-9-capital-project`);
  await page.goto(`${page.url()}/steps/funds`);
  assert.match(await page.content(), /Choose a provision/);
  await check(page, `${tag}-9-capital-funds`);
  // Children out of full-time education, from the work queue.
  await page.goto(`${base}/education`);
  assert.match(await page.content(), /Children out of full-time education/);
  await check(page, `${tag}-9-education`);
  await context.close();
}

// Waiting lists and the children seen whole: the figures, the children behind them
// (a team manager), the same figures suppressed for a board member.
async function waits(javaScriptEnabled) {
  const tag = `waits-${javaScriptEnabled ? 'js' : 'nojs'}`;
  for (const role of ['manager', 'board']) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const cdp = javaScriptEnabled ? null : await context.newCDPSession(page);
    if (cdp) await cdp.send('Emulation.setScriptExecutionDisabled', { value: true });
    const check = (p, name) => checkPage(p, name, cdp);
    await page.goto(`${base}/sign-in`);
    await page.fill('#username', role);
    await page.fill('#password', 'demo');
    await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
    await page.goto(`${base}/waits`);
    assert.match(await page.content(), /The prioritisation criteria/);
    await check(page, `${tag}-${role}-waits`);
    await page.fill('#week', '2026-01-11');
    await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
    assert.match(await page.content(), /Waiting on 11 January 2026/);
    await check(page, `${tag}-${role}-waits-week`);
    if (role === 'manager') {
      await page.goto(`${base}/waits/children?pathway=asd`);
      assert.match(await page.content(), /children waiting, longest first/);
      await check(page, `${tag}-${role}-waits-children`);
      await page.goto(`${base}/dashboard/whole-child?measure=any&group=all`);
      assert.match(await page.content(), /Any of these, each child once/);
      await check(page, `${tag}-${role}-whole-child`);
      await page.goto(`${base}/waits/matches`);
      assert.match(await page.content(), /Possible matches/);
      await check(page, `${tag}-${role}-matches`);
      const compare = page.locator('a[href^="/waits/matches/"]');
      if (await compare.count()) {
        await page.goto(`${base}${await compare.first().getAttribute('href')}`);
        assert.match(await page.content(), /The trust's referral/);
        await check(page, `${tag}-${role}-match`);
        await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
        assert.match(await page.content(), /There is a problem/);
        await check(page, `${tag}-${role}-match-error`);
      }
      await page.goto(`${base}/waits?week=yesterday`);
      assert.match(await page.content(), /There is a problem|is not a date/);
      await check(page, `${tag}-${role}-waits-error`);
    }
    await context.close();
  }
}

for (const js of [true, false]) {
  test(`waits journey, JavaScript ${js ? 'on' : 'off'}`, { timeout: 120_000 }, async () => waits(js));
}

for (const js of [true, false]) {
  test(`programme office journey, JavaScript ${js ? 'on' : 'off'}`, { timeout: 120_000 }, async () => office(js));
}

for (const role of ['caseworker', 'manager', 'commissioner', 'health', 'ep', 'school', 'parent', 'young-person', 'board', 'admin']) {
  for (const js of [true, false]) {
    test(`${role} journey, JavaScript ${js ? 'on' : 'off'}`, { timeout: 120_000 }, async () => journey(role, js));
  }
}
