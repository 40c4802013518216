// Signing in as a council would run it, in real Chromium: single sign-on through a real
// OpenID Connect provider run here (the `oidc-provider` package, its own login and consent
// pages), mapped by the area's rules to the person's account and role; two factors set up
// and used by a manager when the area requires them for staff; and a leaver whose open
// session and API token stop the moment the administrator disables the account. Zero axe
// violations on sendscope's pages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Provider from 'oidc-provider';
import AxeBuilder from '@axe-core/playwright';
import { BIN, OUT, TAGS, freePort, launch } from './support.mjs';

const PASSWORD = 'correct horse battery';
const CLIENT_SECRET = 'a client secret the provider issued, long enough';
// The provider's people: their organisation email and groups.
const PEOPLE = {
  'zara.ali': { groups: ['All staff', 'SEND Caseworkers'] },
  'sam.patel': { groups: ['All staff', 'SEND Managers'] },
  'pat.nobody': { groups: ['All staff'] },
};
let browser;
let provider;
let server;

function cli(db, args, input) {
  const r = spawnSync(BIN, ['--database-url', db, ...args], { input: input ?? '', encoding: 'utf8' });
  assert.equal(r.status, 0, `sendscope ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

// RFC 6238: six digits from HMAC-SHA1 over the 30-second step.
function base32Decode(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of s.replace(/\s/g, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}
function totp(secret, offset = 0) {
  const step = BigInt(Math.floor(Date.now() / 1000 / 30) + offset);
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(step);
  const h = createHmac('sha1', base32Decode(secret)).update(msg).digest();
  const o = h[19] & 0xf;
  const n = ((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3];
  return String(n % 1_000_000).padStart(6, '0');
}

before(async () => {
  mkdirSync(OUT, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'sendscope-sign-in-'));
  const db = `sqlite://${join(dir, 's.db')}`;
  const [idpPort, port] = [await freePort(), await freePort()];
  const issuer = `http://127.0.0.1:${idpPort}`;
  const base = `http://127.0.0.1:${port}`;
  provider = new Provider(issuer, {
    clients: [{
      client_id: 'sendscope',
      client_secret: CLIENT_SECRET,
      redirect_uris: [`${base}/sign-in/sso/callback`],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    }],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
      groups: ['groups'],
    },
    conformIdTokenClaims: false,
    async findAccount(ctx, id) {
      return {
        accountId: id,
        async claims() {
          return { sub: id, email: `${id}@derby.gov.uk`, email_verified: true, name: id, groups: PEOPLE[id]?.groups ?? [] };
        },
      };
    },
  });
  await new Promise((resolve) => { provider.server = provider.listen(idpPort, '127.0.0.1', resolve); });

  // The area, set up through the commands a council uses.
  cli(db, ['area', 'add', '--la-code', '831']);
  cli(db, ['team', 'add', '--name', 'SEND Team North']);
  cli(db, ['staff', 'add', '--team', 'SEND Team North', '--name', 'Zara Ali']);
  cli(db, ['staff', 'add', '--team', 'SEND Team North', '--name', 'Sam Patel', '--job', 'team_manager']);
  cli(db, ['user', 'add', '--username', 'zara.ali', '--role', 'caseworker', '--staff', 'Zara Ali'], `${PASSWORD}\n`);
  cli(db, ['user', 'add', '--username', 'sam.patel', '--role', 'caseworker', '--staff', 'Sam Patel'], `${PASSWORD}\n`);
  cli(db, ['user', 'add', '--username', 'leaver', '--role', 'caseworker', '--staff', 'Zara Ali'], `${PASSWORD}\n`);
  cli(db, ['area', 'single-sign-on', '--label', 'your Derby City Council account', '--issuer', issuer,
    '--client-id', 'sendscope', '--email-domain', 'derby.gov.uk', '--scope', 'groups',
    '--group-role', 'SEND Managers=team_manager', '--group-role', 'SEND Caseworkers=caseworker']);
  const token = cli(db, ['token', 'create', '--user', 'leaver', '--expires-in-days', '30']).trim();
  const secretFile = join(dir, 'client-secret');
  writeFileSync(secretFile, CLIENT_SECRET, { mode: 0o600 });
  const proc = spawn(BIN, ['--database-url', db, 'serve', '--port', String(port), '--public-url', base,
    '--oidc-client-secret-file', secretFile], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  proc.stdout.on('data', (d) => { out += d; });
  for (let i = 0; i < 200 && !out.includes('serving'); i++) await new Promise((r) => setTimeout(r, 100));
  server = { proc, base, db, token };
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.proc.kill();
  provider?.server?.close();
});

async function session(tag) {
  const context = await browser.newContext();
  const page = await context.newPage();
  let n = 0;
  const check = async (name) => {
    const results = await new AxeBuilder({ page }).withTags(TAGS).analyze();
    await page.screenshot({ path: join(OUT, `${tag}-${String(n++).padStart(2, '0')}-${name}.png`), fullPage: true });
    const summary = results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`);
    assert.deepEqual(summary, [], `axe violations on ${name}`);
  };
  const submit = async (selector = 'main button[type=submit]') => {
    await Promise.all([page.waitForNavigation(), page.click(selector)]);
  };
  return { context, page, check, submit };
}

// Through the provider's own login and consent pages, back to sendscope.
async function viaProvider(page, login) {
  await Promise.all([page.waitForNavigation(), page.click('a:has-text("Sign in with your Derby City Council account")')]);
  assert.ok(page.url().startsWith('http://127.0.0.1:') && !page.url().startsWith(server.base), `at the provider: ${page.url()}`);
  await page.fill('input[name=login]', login);
  await page.fill('input[name=password]', 'anything');
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  if (await page.$('button:has-text("Continue")')) {
    await Promise.all([page.waitForURL((u) => u.toString().startsWith(server.base)), page.click('button:has-text("Continue")')]);
  }
  await page.waitForLoadState();
}

test('single sign-on maps a person to their account, area and role', { timeout: 120_000 }, async () => {
  const { context, page, check } = await session('sso');
  await page.goto(`${server.base}/sign-in`);
  await check('sign-in-with-sso');
  await viaProvider(page, 'zara.ali');
  assert.equal(new URL(page.url()).pathname, '/', page.url());
  assert.match(await page.content(), /zara\.ali/);
  const cases = await page.goto(`${server.base}/cases`);
  assert.equal(cases.status(), 200, 'a caseworker sees the case list');
  await check('sso-caseworker-cases');
  await context.close();

  // Sam's groups make him a manager: the account moves with them, recorded as an event.
  const sam = await session('sso-manager');
  await sam.page.goto(`${server.base}/sign-in`);
  await viaProvider(sam.page, 'sam.patel');
  assert.equal(new URL(sam.page.url()).pathname, '/');
  const list = cli(server.db, ['user', 'list']);
  assert.match(list, /sam\.patel\tteam_manager\tactive/, list);
  await sam.context.close();

  // Someone with no account here, and someone whose groups give no role: refused, saying why.
  const nobody = await session('sso-refused');
  await nobody.page.goto(`${server.base}/sign-in`);
  await viaProvider(nobody.page, 'pat.nobody');
  const refused = await nobody.page.content();
  assert.match(refused, /You cannot use sendscope with this account yet/);
  assert.match(refused, /none of your organisation.{1,6}s groups gives a role/);
  await nobody.check('sso-refused');
  const cases2 = await nobody.page.goto(`${server.base}/cases`);
  assert.match(cases2.url(), /\/sign-in$/, 'not signed in');
  await nobody.context.close();
  const log = cli(server.db, ['user', 'sign-ins']);
  assert.match(log, /zara\.ali\tsigned in with your Derby City Council account/, log);
  assert.match(log, /single sign-on refused/, log);
});

test('two factors set up and used when the area requires them for staff', { timeout: 120_000 }, async () => {
  cli(server.db, ['area', 'sign-in-policy', '--two-factor-for-staff', 'yes', '--idle-minutes', '30']);
  const { context, page, check, submit } = await session('totp');
  await page.goto(`${server.base}/sign-in`);
  await page.fill('#username', 'zara.ali');
  await page.fill('#password', PASSWORD);
  await submit('form[action="/sign-in"] button');
  assert.equal(new URL(page.url()).pathname, '/account/two-factor');
  await check('two-factor-set-up');
  const secret = (await page.textContent('#secret')).trim();
  await page.fill('#code', totp(secret));
  await submit();
  assert.equal(new URL(page.url()).pathname, '/');
  assert.equal((await page.goto(`${server.base}/cases`)).status(), 200);
  await Promise.all([page.waitForNavigation(), page.click('form[action="/sign-out"] button')]);

  // Next time: the password, then a new code (the one used at set-up works once only).
  await page.goto(`${server.base}/sign-in`);
  await page.fill('#username', 'zara.ali');
  await page.fill('#password', PASSWORD);
  await submit('form[action="/sign-in"] button');
  assert.equal(new URL(page.url()).pathname, '/sign-in/code');
  await check('two-factor-code');
  await page.fill('#code', '12345');
  await submit();
  assert.match(await page.content(), /There is a problem/);
  await check('two-factor-code-error');
  await page.fill('#code', totp(secret, 1));
  await submit();
  assert.equal(new URL(page.url()).pathname, '/');
  assert.equal((await page.goto(`${server.base}/cases`)).status(), 200);
  await context.close();
  cli(server.db, ['area', 'sign-in-policy', '--two-factor-for-staff', 'no', '--idle-minutes', '30']);
});

test('a leaver\'s open session and API token stop the moment the account is disabled', { timeout: 120_000 }, async () => {
  const { context, page, submit } = await session('leaver');
  await page.goto(`${server.base}/sign-in`);
  await page.fill('#username', 'leaver');
  await page.fill('#password', PASSWORD);
  await submit('form[action="/sign-in"] button');
  assert.equal((await page.goto(`${server.base}/cases`)).status(), 200);
  const me = () => fetch(`${server.base}/api/v1/me`, { headers: { authorization: `Bearer ${server.token}` } });
  assert.equal((await me()).status, 200);
  cli(server.db, ['user', 'disable', '--username', 'leaver']);
  await page.goto(`${server.base}/cases`);
  assert.match(page.url(), /\/sign-in$/, 'the open session has ended');
  const after = await me();
  assert.equal(after.status, 401);
  assert.match(await after.text(), /disabled/);
  await context.close();
});
