// A real local area from an empty database, no demo, in real Chromium with JavaScript on
// and off: the administrator comes in through the one-time set-up link `serve` prints,
// sets up a team, two staff and their accounts (and a health professional's and a
// school's, the school brought in from GIAS); the caseworker records a new child's request
// with their mother, the decision, advice asked of education, health and social care, and
// a draft plan with every section; the health professional gives advice with a report; the
// school answers its consultation; the mother reads the draft and responds with her views,
// a document and the school she asks for; the caseworker issues the final plan (the draft
// carried into it) and its letter, corrects a wrong date and voids a step recorded by
// mistake; the mother sees what happens next, reads the plan and downloads its PDF. Zero
// axe violations on every page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { BIN, OUT, TAGS, freePort, launch } from './support.mjs';

const PASSWORD = 'correct horse battery';
const servers = [];
let browser;

// `serve` on an empty database: its address, and the set-up link it prints.
async function emptyServer() {
  const dir = mkdtempSync(join(tmpdir(), 'sendscope-empty-'));
  const port = await freePort();
  const proc = spawn(BIN, ['--database-url', `sqlite://${join(dir, 'e.db')}`, 'serve', '--port', String(port)],
    { stdio: ['ignore', 'pipe', 'ignore'] });
  servers.push(proc);
  let out = '';
  proc.stdout.on('data', (d) => { out += d; });
  for (let i = 0; i < 200 && !/\/setup\/[0-9a-f]+/.test(out); i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  const link = out.match(/http:\/\/[^ ]+\/setup\/[0-9a-f]+/);
  assert.ok(link, `serve printed a set-up link: ${out}`);
  return { base: `http://127.0.0.1:${port}`, setup: link[0], db: `sqlite://${join(dir, 'e.db')}`, dir };
}

before(async () => {
  mkdirSync(OUT, { recursive: true });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  for (const s of servers) s.kill();
});

const daysAgo = (n) => {
  const d = new Date();
  d.setUTCHours(12);
  d.setUTCDate(d.getUTCDate() - n);
  return d;
};

async function area(javaScriptEnabled) {
  const { base, setup, db, dir } = await emptyServer();
  const context = await browser.newContext();
  const page = await context.newPage();
  const cdp = javaScriptEnabled ? null : await context.newCDPSession(page);
  if (cdp) await cdp.send('Emulation.setScriptExecutionDisabled', { value: true });
  const tag = `empty-${javaScriptEnabled ? 'js' : 'nojs'}`;
  let n = 0;
  const check = async (name) => {
    if (cdp) await cdp.send('Emulation.setScriptExecutionDisabled', { value: false });
    const results = await new AxeBuilder({ page }).withTags(TAGS).analyze();
    if (cdp) await cdp.send('Emulation.setScriptExecutionDisabled', { value: true });
    await page.screenshot({ path: join(OUT, `${tag}-${String(n++).padStart(2, '0')}-${name}.png`), fullPage: true });
    const summary = results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`);
    assert.deepEqual(summary, [], `axe violations on ${name}`);
  };
  const submit = async (selector = 'main button[type=submit]') => {
    await Promise.all([page.waitForNavigation(), page.click(selector)]);
  };
  const date = async (id, d) => {
    await page.fill(`#${id}`, String(d.getUTCDate()));
    await page.fill(`#${id}-month`, String(d.getUTCMonth() + 1));
    await page.fill(`#${id}-year`, String(d.getUTCFullYear()));
  };
  // Chooses the option whose words contain `text` (settings are shown with their URN).
  const choose = async (selector, text) => {
    const value = await page.locator(`${selector} option`, { hasText: text }).first().getAttribute('value');
    await page.selectOption(selector, value);
  };
  const signIn = async (user) => {
    await page.goto(`${base}/sign-in`);
    await page.fill('#username', user);
    await page.fill('#password', PASSWORD);
    await submit();
  };
  const signOut = async () => {
    await Promise.all([page.waitForNavigation(), page.click('header ~ div form[action="/sign-out"] button, form[action="/sign-out"] button')]);
  };

  // The set-up link: the area and its first administrator.
  await page.goto(setup);
  await check('setup');
  await page.fill('#la_code', '831');
  await page.fill('#username', 'admin');
  await page.fill('#password', PASSWORD);
  await page.fill('#confirm', PASSWORD);
  await submit();
  assert.match(await page.content(), /Your local area and your administrator/);
  await check('setup-done');
  // The area's schools come from GIAS (one school here, in GIAS's layout).
  const gias = join(dir, 'gias.csv');
  writeFileSync(gias, 'URN,LA (code),LA (name),EstablishmentNumber,EstablishmentName,TypeOfEstablishment (name),EstablishmentTypeGroup (name),EstablishmentStatus (name),OpenDate,CloseDate,PhaseOfEducation (name),StatutoryLowAge,StatutoryHighAge,SchoolCapacity,NumberOfPupils,Trusts (name),UKPRN,Street,Town,Postcode,Easting,Northing,TypeOfResourcedProvision (name),ResourcedProvisionOnRoll,ResourcedProvisionCapacity,SenUnitOnRoll,SenUnitCapacity,SEN1 (name)\r\n'
    + '146080,831,Derby,2001,Lakeside Primary Academy,Academy converter,Academies,Open,01-07-2018,,Primary,4,11,420,400,Harmony Trust,10012345,1 Road,Derby,DE24 9JB,435000,336000,,,,,,\r\n');
  const imported = spawnSync(BIN, ['--database-url', db, 'import', 'gias', gias], { encoding: 'utf8' });
  assert.equal(imported.status, 0, imported.stderr);

  // The administrator: a team, two staff, their accounts.
  await signIn('admin');
  await page.goto(`${base}/admin`);
  await check('admin');
  await page.fill('#team_name', 'SEND Team North');
  await submit('form[action="/admin/teams"] button');
  for (const [name, job] of [['Zara Ali', 'caseworker'], ['Sam Patel', 'team_manager']]) {
    await page.fill('#staff_name', name);
    await page.selectOption('#staff_team', 'SEND Team North');
    await page.selectOption('#staff_job', job);
    await submit('form[action="/admin/staff"] button');
  }
  for (const [user, role, staff] of [['zali', 'caseworker', 'Zara Ali'], ['spatel', 'team_manager', 'Sam Patel']]) {
    await page.fill('#username', user);
    await page.selectOption('#role', role);
    await page.selectOption('#staff', { label: `${staff} (SEND Team North)` });
    await page.fill('#password', PASSWORD);
    await submit('form[action="/admin/accounts"] button');
    assert.match(await page.content(), /The account is created/);
  }
  // A health professional's account: no link of its own; they see the children whose
  // records have health advice asked for.
  await page.fill('#username', 'hpro');
  await page.selectOption('#role', 'health_professional');
  await page.fill('#password', PASSWORD);
  await submit('form[action="/admin/accounts"] button');
  assert.match(await page.content(), /The account is created/);
  // The school's account, linked by its URN: it sees its pupils and its consultations.
  await page.fill('#username', 'lakeside');
  await page.selectOption('#role', 'school');
  await page.fill('#setting', '146080');
  await page.fill('#password', PASSWORD);
  await submit('form[action="/admin/accounts"] button');
  assert.match(await page.content(), /The account is created/);
  await check('admin-accounts');
  await signOut();

  // The caseworker: a new child's request, with their mother.
  await signIn('zali');
  await page.goto(`${base}/cases`);
  await Promise.all([page.waitForNavigation(), page.click('a[href="/requests/new"]')]);
  await check('request-form');
  await submit();
  assert.match(await page.content(), /There is a problem/);
  await check('request-form-errors');
  await page.check('#requested_by');
  await date('received_on', daysAgo(120));
  await page.fill('#given_names', 'Chidi');
  await page.fill('#family_name', 'Okafor');
  await date('birth_date', new Date(Date.UTC(2018, 4, 4, 12)));
  await page.check('#sex-1');
  await page.fill('#parent_name', 'Ngozi Okafor');
  await page.selectOption('#parent_relationship', 'mother');
  await page.fill('#parent_email', 'ngozi@example.com');
  await submit();
  const caseUrl = page.url().split('?')[0];
  assert.match(caseUrl, /\/cases\/[0-9a-f-]{36}$/);
  assert.match(await page.content(), /Recorded: Request for an EHC needs assessment received/);
  assert.match(await page.content(), /Recorded later/);
  await check('case-new');
  const step = async (slug, fill) => {
    await page.goto(`${caseUrl}/steps/${slug}`);
    await page.check('#request');
    await fill();
    await submit();
    const problem = await page.locator('.govuk-error-summary, .govuk-warning-text').allInnerTexts();
    assert.match(await page.content(), /Recorded:/, `${slug} recorded: ${problem.join(' ')}`);
  };
  await step('assessment-decided', async () => { await page.check('#decision'); await date('on', daysAgo(80)); });
  await step('advice-requested', async () => {
    await page.check('#kinds'); await page.check('#kinds-1'); await page.check('#kinds-2'); await date('on', daysAgo(79));
  });
  await step('advice-received', async () => { await page.check('#kind'); await date('on', daysAgo(60)); });
  await step('advice-received', async () => { await page.check('#kind-2'); await date('on', daysAgo(1)); });
  await signOut();

  // The health professional: what is asked of health, and their advice with a report.
  await signIn('hpro');
  await page.goto(`${base}/advice`);
  assert.match(await page.content(), /Chidi Okafor/);
  assert.match(await page.content(), /Overdue by/);
  await check('health-advice-list');
  await Promise.all([page.waitForNavigation(), page.click('a:has-text("Give advice")')]);
  await check('health-advice-form');
  await page.fill('#advice', 'Chidi has glue ear: he needs a quiet room for listening work.');
  await page.setInputFiles('#file', { name: 'paediatric-report.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n% community paediatrics report\n%%EOF\n') });
  await submit();
  assert.match(await page.content(), /The advice is given/);
  assert.match(await page.content(), /Health advice: report/);
  await check('health-advice-given');
  await signOut();
  await signIn('zali');

  // The draft plan, every section written.
  await step('draft-plan-served', async () => {
    await date('on', daysAgo(16));
    const words = {
      a: 'Chidi loves trains. His mother wants him to make friends and talk with them.',
      b: 'Speech, language and communication: Chidi uses single words and some signs.',
      c: 'Glue ear in both ears; grommets fitted in 2024.',
      d: 'No social care needs related to his SEN.',
      e: 'The outcomes below.',
      f: 'The provision below, each line specified and quantified.',
      g: 'Audiology review every 6 months by the NHS paediatric audiology service.',
      h1: 'None.',
      h2: 'None.',
      i: 'A mainstream primary school.',
      j: 'No personal budget requested.',
      k: 'The advice listed in the appendices.',
    };
    for (const [k, v] of Object.entries(words)) await page.fill(`#sections-${k}`, v);
    await page.fill('#outcome-0-outcome', 'Chidi talks with friends in play');
    await page.fill('#outcome-0-steps', 'Uses two-word phrases by spring');
    await page.fill('#provision-0-what', 'Speech and language therapy, one to one');
    await page.fill('#provision-0-how_often', '2 sessions of 30 minutes a week');
    await page.fill('#provision-0-by_whom', 'NHS speech and language therapist');
  });
  // The school is consulted on being named.
  await page.goto(`${caseUrl}/steps/setting-consulted`);
  await choose('#setting', 'Lakeside Primary Academy');
  await date('on', daysAgo(12));
  await submit();
  assert.match(await page.content(), /Recorded:/, 'consultation recorded');
  const caseId = caseUrl.split('/').pop();
  await signOut();

  // The school answers its consultation.
  await signIn('lakeside');
  await page.goto(`${base}/consultations`);
  assert.match(await page.content(), /Chidi Okafor/);
  await check('school-consultations');
  await Promise.all([page.waitForNavigation(), page.click('a:has-text("Answer")')]);
  await check('school-consultation-form');
  await page.check('#can_meet_needs');
  await page.fill('#reasons', 'We have a speech and language unit and a quiet room.');
  await page.fill('#annual_cost', '2500');
  await submit();
  assert.match(await page.content(), /Your answer is sent to the council/);
  await check('school-consultation-answered');
  await signOut();

  // The mother's account, made by the administrator; she reads the draft and responds
  // with her views, a document and the school she asks for (a day after her 15 days:
  // the final plan cannot be issued within them, and it is issued today).
  await signIn('admin');
  await page.goto(`${base}/admin`);
  await page.fill('#username', 'ngozi');
  await page.selectOption('#role', 'parent_carer');
  await page.fill('#child', caseId);
  await page.fill('#person', 'Ngozi Okafor');
  await page.fill('#password', PASSWORD);
  await submit('form[action="/admin/accounts"] button');
  assert.match(await page.content(), /The account is created/);
  await signOut();
  await signIn('ngozi');
  await page.goto(`${base}/cases/${caseId}/plan`);
  const draft = await page.content();
  assert.match(draft, /Your response to the draft plan/);
  assert.match(draft, /Audiology review every 6 months/);
  assert.match(draft, /mediation/i);
  await check('mother-draft');
  await page.fill('#comments', 'Chidi needs his therapy in school time, not after school.');
  await choose('#requested_setting', 'Lakeside Primary Academy');
  await page.setInputFiles('#file', { name: 'all-about-me.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n% all about me\n%%EOF\n') });
  await submit();
  assert.match(await page.content(), /Your response is sent to the council/);
  await check('mother-responded');
  await signOut();

  await signIn('zali');
  await step('final-plan-issued', async () => {
    await date('on', daysAgo(0));
    await page.selectOption('#needs', 'SLCN');
    await page.check('#personal_budget-1');
    assert.equal(await page.inputValue('#sections-g'), 'Audiology review every 6 months by the NHS paediatric audiology service.', 'the draft carries into the final plan');
  });
  await check('case-plan');
  // The plan as a document: the final plan carried the draft's provision.
  await page.goto(`${caseUrl}/plan`);
  assert.match(await page.content(), /Section F: Special educational provision/);
  assert.match(await page.content(), /2 sessions of 30 minutes a week/);
  assert.match(await page.content(), /What changed from version 1/);
  assert.match(await page.content(), /Health advice, received/, 'section K lists the advice as appendices');
  await check('plan');
  // The final plan's letter, issued and opened to print: the letter alone, with the
  // address block, the date, the reference and the caseworker, and no site navigation.
  await page.goto(`${caseUrl}/letters/new/final-plan`);
  await check('letter-preview');
  await submit();
  await Promise.all([page.waitForNavigation(), page.click('a:has-text("Open the letter to print and post")')]);
  const letter = await page.content();
  assert.match(letter, /Our reference/);
  assert.match(letter, /SEND-[0-9A-F]{12}/);
  assert.match(letter, /Zara Ali, SEND Team North/);
  assert.doesNotMatch(letter, /govuk-service-navigation|govuk-header/);
  await check('letter-print');
  // A document on the record.
  await page.goto(`${caseUrl}/documents/new`);
  await check('document-form');
  await page.setInputFiles('#file', { name: 'review-notes.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n% review notes\n%%EOF\n') });
  await page.fill('#title', 'Notes from the planning meeting');
  await page.check('#kind-1');
  await submit();
  assert.match(await page.content(), /The document is added/);
  assert.match(await page.content(), /Notes from the planning meeting/);
  await check('case-document');

  // A wrong date corrected, with a reason.
  await Promise.all([page.waitForNavigation(),
    page.click('a[href$="/correct"]:has-text("Assessment decided")')]);
  await check('correct-form');
  await date('on', daysAgo(100));
  await submit();
  assert.match(await page.content(), /Say why it is being corrected/);
  await page.fill('#reason', 'The decision letter is dated earlier');
  await submit();
  assert.match(await page.content(), /The correction is saved/);
  assert.match(await page.content(), /The decision letter is dated earlier/);
  // A step recorded by mistake voided: the social care advice was not received.
  await Promise.all([page.waitForNavigation(),
    page.click('a[href$="/void"]:has-text("Advice received")')]);
  await check('void-form');
  await page.fill('#reason', 'Recorded on the wrong record');
  await submit();
  assert.match(await page.content(), /The step is voided/);
  assert.match(await page.content(), /\(void\)/);
  await check('case-corrected');
  await signOut();

  // The mother sees her child's record and what happens next.
  await signIn('ngozi');
  await page.goto(`${base}/cases`);
  await Promise.all([page.waitForNavigation(), page.click(`a[href="/cases/${caseId}"]`)]);
  const seen = await page.content();
  assert.match(seen, /Chidi/);
  assert.match(seen, /review/i, 'the next deadline: the plan\'s first review');
  assert.doesNotMatch(seen, /\/correct"/, 'a family cannot correct the record');
  await check('mother-case');
  // She reads the plan, and downloads it as a PDF.
  await Promise.all([page.waitForNavigation(), page.click('a:has-text("Read the plan")')]);
  assert.match(await page.content(), /2 sessions of 30 minutes a week/);
  await check('mother-plan');
  const pdf = await page.request.get(`${base}/cases/${caseId}/plan.pdf`);
  assert.equal(pdf.status(), 200);
  assert.equal(pdf.headers()['content-type'], 'application/pdf');
  assert.match(pdf.headers()['content-disposition'], /^attachment/);
  assert.equal((await pdf.body()).subarray(0, 5).toString(), '%PDF-');
  await context.close();
}

for (const js of [true, false]) {
  test(`a new local area from an empty database, JavaScript ${js ? 'on' : 'off'}`, { timeout: 120_000 }, async () => area(js));
}
