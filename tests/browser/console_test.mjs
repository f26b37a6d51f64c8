// The operations console in a real browser (issue 19): Debian's chromium driven by
// playwright-core (pinned in package-lock.json, installed by scripts/setup with npm ci), against
// the real ilp-gateway and satusehat-sim on port 0. Logs in, clicks a counter, filters, opens a
// record, re-sends every needs-correction record and sees the store change, tries a mapping,
// shows PWS, switches to English, checks that a POST without the CSRF token is refused and that
// no CSP violation happened, logs out. A screenshot of each page goes to the artifact folder.
//
// usage: node console_test.mjs GATEWAY_BIN SIM_BIN SOURCE_DIR ARTIFACT_DIR
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const [gatewayBin, simBin, sourceDir, artifactDir] = process.argv.slice(2);
if (!artifactDir) {
  console.error('usage: node console_test.mjs GATEWAY_BIN SIM_BIN SOURCE_DIR ARTIFACT_DIR');
  process.exit(2);
}
const ADMIN_TOKEN = 'browser-admin-token';
const children = [];
const work = mkdtempSync(join(tmpdir(), 'ilp-browser-'));
mkdirSync(artifactDir, { recursive: true });

// Starts `bin` and resolves with the text after `marker` on its stdout (host:port).
function start(bin, args, env, markers) {
  const child = spawn(bin, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
  return new Promise((resolve, reject) => {
    let out = '';
    const found = {};
    const timer = setTimeout(() => reject(new Error(`${bin} did not start: ${stderr}`)), 20000);
    child.on('exit', (code) => reject(new Error(`${bin} exited ${code}: ${stderr}`)));
    child.stdout.on('data', (d) => {
      out += d;
      for (const m of markers) {
        const at = out.indexOf(m);
        if (at >= 0 && !found[m]) {
          const rest = out.slice(at + m.length);
          const nl = rest.indexOf('\n');
          if (nl >= 0) found[m] = rest.slice(0, nl).trim();
        }
      }
      if (markers.every((m) => found[m])) {
        clearTimeout(timer);
        resolve(found);
      }
    });
  });
}

function visit(id, nik) {
  return JSON.stringify({
    kind: 'visit', facility: 'pkm-sukamaju', record_id: id,
    data: {
      visit_no: id,
      patient: { nik, name: 'Budi Santoso', birth_date: '1990-01-01', gender: 'male' },
      practitioner: { nik: '3204011203800001', name: 'dr. Andi Wijaya' },
      location: 'POLI-UMUM',
      arrived_at: '2025-03-10T08:00:00', started_at: '2025-03-10T08:15:00', finished_at: '2025-03-10T08:40:00',
      vitals: { systolic: 120, diastolic: 80, heart_rate: 78, temperature: 36.7 },
      diagnoses: [{ icd10: 'J06.9', display: 'Acute upper respiratory infection', primary: true }],
    },
  });
}

async function main() {
  const sim = await start(simBin, ['--listen', '127.0.0.1:0', '--seed', join(sourceDir, 'config/examples/sim-seed.json')], {}, ['listening on ']);
  const simBase = 'http://' + sim['listening on '];
  const store = join(work, 'gateway.db');
  const gw = await start(gatewayBin, [
    'serve', '--config', join(sourceDir, 'config/gateway.yaml'),
    '--set', 'listen.ingest=127.0.0.1:0', '--set', 'listen.admin=127.0.0.1:0',
    '--set', 'store.sqlite=' + store,
    '--set', `platform.auth_url=${simBase}/oauth2/v1`, '--set', `platform.fhir_url=${simBase}/fhir-r4/v1`,
    '--set', 'delivery.poll_ms=50', '--set', 'delivery.wait_grace_hours=0',
  ], {
    ILP_SECRET_PKM_SUKAMAJU: 'sukamaju-secret-demo', ILP_SECRET_PKM_TANJUNG: 'tanjung-secret-demo',
    ILP_SECRET_PKM_SENTANI: 'sentani-secret-demo', ILP_ADMIN_TOKEN: ADMIN_TOKEN,
  }, ['ingest listening on ', 'admin listening on ']);
  const ingest = 'http://' + gw['ingest listening on '];
  const admin = 'http://' + gw['admin listening on '];
  const adminGet = async (path) => (await fetch(admin + path, { headers: { Authorization: 'Bearer ' + ADMIN_TOKEN } })).json();

  // Two records SATUSEHAT refuses (a patient it does not know), one it accepts.
  const ids = {};
  for (const [rid, nik] of [['BR-OK-1', '3204010101900001'], ['BR-NC-1', '3204019999990099'], ['BR-NC-2', '3204019999990098']]) {
    const r = await fetch(ingest + '/api/v1/records', {
      method: 'POST', body: visit(rid, nik),
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer demo-key-sukamaju' },
    });
    const text = await r.text();
    assert.equal(r.status, 202, text);
    ids[rid] = JSON.parse(text).id;
  }
  // A K1 contact of March 2025, so the PWS page has something to count.
  {
    const r = await fetch(ingest + '/api/v1/records', {
      method: 'POST', body: readFileSync(join(sourceDir, 'config/examples/anc/k1-first-visit-opens-episode.json'), 'utf8'),
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer demo-key-sukamaju' },
    });
    const text = await r.text();
    assert.equal(r.status, 202, text);
    ids.k1 = JSON.parse(text).id;
  }
  const waitFor = async (id, pred) => {
    for (let i = 0; i < 400; i++) {
      const d = await adminGet('/admin/queue/records/' + id);
      if (pred(d)) return d;
      await new Promise((res) => setTimeout(res, 50));  // polling a real process, not a timing assertion
    }
    throw new Error('record ' + id + ' never reached the expected state');
  };
  await waitFor(ids['BR-OK-1'], (d) => d.status === 'delivered');
  await waitFor(ids.k1, (d) => d.status === 'delivered');
  const before = {};
  for (const k of ['BR-NC-1', 'BR-NC-2']) before[k] = (await waitFor(ids[k], (d) => d.status === 'needs_correction')).history.length;

  const browser = await chromium.launch({
    executablePath: process.env.ILP_CHROMIUM || '/usr/bin/chromium', headless: true,
    args: process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : [],
  });
  const context = await browser.newContext({ locale: 'id-ID', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  const shot = (name) => page.screenshot({ path: join(artifactDir, name + '.png'), fullPage: true });

  // Login.
  await page.goto(admin + '/console/');
  await page.waitForSelector('#login-form');
  await shot('01-login');
  await page.fill('#token', 'wrong-token');
  await page.click('#login-button');
  await page.waitForSelector('#flash.error');
  assert.match(await page.textContent('#flash'), /Token admin salah/);
  await page.fill('#token', ADMIN_TOKEN);
  await page.click('#login-button');
  await page.waitForSelector('#counts');
  await shot('02-overview');
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'ilp_console');
  assert.ok(session && session.httpOnly && session.sameSite === 'Strict', 'HttpOnly SameSite=Strict cookie');

  // Click the needs-correction counter: the list filtered by it.
  await page.click('a[data-cell="pkm-sukamaju/needs_correction"]');
  await page.waitForSelector('#record-list');
  assert.equal(await page.locator('#record-list tr[data-id]').count(), 2);

  // Filter: delivered only, from the form.
  await page.click('#nav-records');
  await page.waitForSelector('#ask-first');  // nothing listed before the user asks
  await page.selectOption('#f-status', 'delivered');
  await page.click('#f-search');
  await page.waitForSelector(`#record-list tr[data-id="${ids.k1}"]`);
  assert.equal(await page.locator('#record-list tr[data-id]').count(), 2);
  await page.fill('#f-kind', 'visit');
  await page.click('#f-search');
  await page.waitForFunction(() => document.querySelectorAll('#record-list tr[data-id]').length === 1);
  assert.equal(await page.locator(`#record-list tr[data-id="${ids['BR-OK-1']}"]`).count(), 1);
  await page.fill('#f-kind', '');
  await page.fill('#f-record-id', 'BR-NC-2');
  await page.selectOption('#f-status', '');
  await page.click('#f-search');
  await page.waitForSelector(`#record-list tr[data-id="${ids['BR-NC-2']}"]`);
  await shot('03-records');

  // Open the record: the platform's refusal in words, the bundle masked.
  await page.click('.record-link');
  await page.waitForSelector('#bundle');
  assert.match(await page.textContent('#status-explained'), /SATUSEHAT menolak/);
  assert.ok(await page.locator('#issues li').count() >= 1);
  const bundleText = await page.textContent('#bundle');
  assert.ok(!bundleText.includes('3204019999990098') && !bundleText.includes('Budi'), 'NIK and names masked');
  await shot('04-record-detail');

  // Worklist: re-send all needs-correction records, with the count and a confirm.
  await page.click('#nav-worklist');
  await page.waitForSelector('#worklist-count');
  assert.equal(await page.textContent('#worklist-count'), '2');
  await shot('05-worklist');
  let confirmText = '';
  page.once('dialog', (d) => { confirmText = d.message(); d.accept(); });
  await page.click('#retry-all');
  await page.waitForFunction(() => /Dikirim ulang: 2/.test(document.getElementById('flash').textContent));
  assert.match(confirmText, /2 rekam/);
  for (const k of ['BR-NC-1', 'BR-NC-2']) {
    const d = await waitFor(ids[k], (x) => x.history.length > before[k]);
    assert.ok(d.history.some((h) => h.status === 'queued' && h.at > d.accepted_at), 'a retry entry in the history');
  }

  // Mapping try-out: a good record gives the bundle, a broken one the field errors.
  await page.click('#nav-try');
  await page.fill('#try-input', visit('BR-TRY-1', '3204010101900001'));
  await page.click('#try-run');
  await page.waitForSelector('#try-bundle');
  await page.fill('#try-input', visit('BR-TRY-2', '12'));
  await page.click('#try-run');
  await page.waitForSelector('#try-issues li');
  assert.match(await page.textContent('#try-issues'), /nik/);
  await shot('06-try');
  const list = await adminGet('/admin/queue/records?record_id=BR-TRY-1');
  assert.equal(list.records.length, 0, 'the try-out stored nothing');

  // PWS: the table and one SVG chart per indicator.
  await page.goto(admin + '/console/#/pws?month=2025-03&facility=pkm-sukamaju');
  await page.waitForSelector('#pws-table');
  assert.ok(await page.locator('#pws-table tr').count() > 13, 'a row per village and indicator');
  assert.equal(await page.locator('#pws-charts svg').count(), 13, 'one chart per indicator');
  assert.ok(await page.locator('#pws-charts rect.bar[width]:not([width="1"])').count() >= 1, 'the K1 bar');
  await shot('07-pws');

  // English.
  await page.click('#lang-toggle');
  await page.waitForFunction(() => document.getElementById('nav-overview').textContent === 'Overview');
  await page.click('#nav-overview');
  await page.waitForSelector('#counts');
  await shot('08-overview-en');

  // A POST without the CSRF token, from the page itself (the cookie goes along): refused.
  const status = await page.evaluate(async () => (await fetch('/admin/queue/retry', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"status":"needs_correction"}',
  })).status);
  assert.equal(status, 403);

  // Logout: back to the login form, and the old cookie opens nothing.
  await page.click('#logout');
  await page.waitForSelector('#login-form');
  const after = await page.evaluate(async () => (await fetch('/admin/overview')).status);
  assert.equal(after, 401);
  await shot('09-logged-out');
  assert.deepEqual(problems, [], 'no CSP violation or script error');
  await browser.close();

  const audit = readFileSync(join(work, 'console-audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const actions = audit.map((e) => e.action);
  for (const a of ['login_failed', 'login', 'retry_all', 'try', 'logout']) assert.ok(actions.includes(a), 'audited: ' + a);
  assert.equal(audit.find((e) => e.action === 'retry_all').count, 2);
  console.log(`console browser test: 1 passed, 0 failed (screenshots in ${artifactDir})`);
}

let failed = false;
try {
  await main();
} catch (e) {
  failed = true;
  console.error(e);
  console.log('console browser test: 0 passed, 1 failed');
} finally {
  for (const c of children) c.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
