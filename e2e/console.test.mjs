// End-to-end test of the agent console in Debian's Chromium (playwright-core,
// no downloaded browsers). run.sh starts `quita serve` and creates the agent;
// this file plays both sides: the debtor through the simulator API and the
// agent through the browser.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const BASE = process.env.QUITA_URL ?? 'http://127.0.0.1:8080';
const EMAIL = process.env.AGENT_EMAIL ?? 'agente@quita.test';
const PASSWORD = process.env.AGENT_PASSWORD ?? 'senha-do-agente';
const ARTIFACTS = process.env.ARTIFACTS ?? path.join(import.meta.dirname, 'artifacts');
const PHONE = process.env.DEBTOR_PHONE ?? '+5511987650001'; // Ana, in the demo portfolio
const XSS = ['<script>alert(1)</script>', '<img src=x onerror=alert(2)>'];
const ADMIN_EMAIL = process.env.ADMIN_EMAIL ?? 'admin@quita.test';
const ADMIN_PASSWORD = process.env.ADMIN_PASSWORD ?? 'senha-do-admin';
const ADMIN_TOKEN = process.env.ADMIN_TOKEN ?? '';

let context, page;
const dialogs = [];

async function debtorSays(text) {
  const r = await fetch(`${BASE}/simulator/api/messages`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ from: PHONE, text }),
  });
  assert.equal(r.status, 202, `simulator refused the message: ${await r.text()}`);
}

async function debtorTranscript() {
  const r = await fetch(`${BASE}/simulator/api/conversations/${encodeURIComponent(PHONE)}/messages`);
  assert.equal(r.status, 200);
  return r.json();
}

// poll a condition until it holds or the deadline passes.
async function eventually(what, cond, ms = 15000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

before(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'quita-e2e-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
  });
  page = context.pages()[0] ?? await context.newPage();
  page.on('dialog', async (d) => { dialogs.push(d.message()); await d.dismiss(); });
  page.setDefaultTimeout(15000);
});

after(async () => {
  if (page && process.exitCode) {
    await page.screenshot({ path: path.join(ARTIFACTS, 'failure.png'), fullPage: true }).catch(() => {});
  }
  await context?.close();
});

test('agent logs in, sees a handoff arrive live, answers, hands back; debtor XSS stays inert', async (t) => {
  await t.test('pages need a session', async () => {
    const r = await fetch(`${BASE}/console/`, { redirect: 'manual' });
    assert.equal(r.status, 303);
    assert.match(r.headers.get('location') ?? '', /\/console\/login$/);
  });

  await t.test('login', async () => {
    await page.goto(`${BASE}/console/login`);
    await page.fill('input[name=email]', EMAIL);
    await page.fill('input[name=password]', PASSWORD);
    await Promise.all([page.waitForURL(`${BASE}/console/`), page.click('button[type=submit]')]);
    await page.locator('#live-status', { hasText: 'ao vivo' }).waitFor();
  });

  const row = () => page.locator(`#queue tr[data-conv="${PHONE}"]`);

  await t.test('the debtor asks for a person and the queue shows it without a reload', async () => {
    assert.equal(await row().count(), 0, 'the conversation is queued before the debtor asked');
    await page.evaluate(() => { window.__sameDocument = true; });
    await debtorSays('quero falar com um atendente');
    await row().waitFor();
    assert.equal(await page.evaluate(() => window.__sameDocument), true, 'the page reloaded instead of updating live');
    const text = await row().innerText();
    assert.match(text, /pediu uma pessoa/);
    assert.match(text, /Ana/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'queue.png'), fullPage: true });
  });

  await t.test('claim the conversation', async () => {
    await Promise.all([page.waitForURL(/\/console\/c\//), row().locator('a').click()]);
    await Promise.all([page.waitForURL(/flash=/), page.click('#claim')]);
    await page.locator('#reply-text').waitFor();
    await page.locator('#live-status', { hasText: 'ao vivo' }).waitFor();
  });

  await t.test('debtor text with HTML is shown literally and runs nothing', async () => {
    for (const x of XSS) await debtorSays(x);
    for (const x of XSS) {
      await page.locator('#transcript .msg.in .text', { hasText: x }).first().waitFor();
    }
    const texts = await page.locator('#transcript .msg.in .text').allTextContents();
    for (const x of XSS) assert.ok(texts.includes(x), `payload ${x} not shown as text: ${JSON.stringify(texts)}`);
    assert.equal(await page.locator('#transcript script').count(), 0, 'a <script> element reached the DOM');
    assert.equal(await page.locator('#transcript img').count(), 0, 'an <img> element reached the DOM');
    assert.deepEqual(dialogs, [], 'a JavaScript dialog fired');
  });

  const reply = 'Oi, Ana! Aqui é a Bia, da equipe. Vou te ajudar por aqui.';

  await t.test('reply reaches the debtor', async () => {
    await page.fill('#reply-text', reply);
    await Promise.all([page.waitForURL(/flash=/), page.click('#send')]);
    const got = await eventually('the reply in the debtor transcript', async () =>
      (await debtorTranscript()).find((m) => m.direction === 'out' && m.origin === 'agent' && m.text === reply));
    assert.ok(['queued', 'sending', 'sent', 'delivered', 'read'].includes(got.status), `status ${got.status}`);
    await page.locator('#transcript .msg.origin-agent .text', { hasText: reply }).waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'conversation.png'), fullPage: true });
  });

  await t.test('hand back to the bot, which speaks again', async () => {
    const before = (await debtorTranscript()).length;
    await page.selectOption('#resume', 'menu');
    await Promise.all([page.waitForURL(/\/console\/\?flash=/), page.click('#handback')]);
    assert.equal(await row().count(), 0, 'the conversation is still in the queue');
    await debtorSays('oi');
    await eventually('the bot answering after the hand-back', async () =>
      (await debtorTranscript()).slice(before).some((m) => m.direction === 'out' && m.origin !== 'agent'));
    assert.deepEqual(dialogs, [], 'a JavaScript dialog fired');
  });
});

// A CPF from nine digits and its two check digits (modulo 11, weights 10…2 then 11…2).
function cpf(n) {
  let d = String(n).padStart(9, '0');
  for (const len of [9, 10]) {
    let sum = 0;
    for (let i = 0; i < len; i++) sum += Number(d[i]) * (len + 1 - i);
    const r = (sum * 10) % 11;
    d += r === 10 ? '0' : String(r);
  }
  return d;
}

// The CSV Excel saves in Brazil: semicolons, Windows-1252 ("ã" is the byte
// 0xE3, as in Latin-1), Portuguese headers; rows 3 and 5001 are refused.
const ROWS = 5000;
function carteira() {
  const lines = ['credor;nome;cpf;telefone;fatura;valor;vencimento'];
  for (let i = 1; i <= ROWS; i++) {
    const amount = i === 2 || i === ROWS ? 'cem reais' : '1.234,56';
    lines.push(`loja-exemplo;João ${i};${cpf(300000000 + i)};+55 11 97${String(i).padStart(7, '0')};E2E-${i};${amount};30/12/2026`);
  }
  return Buffer.from(lines.join('\r\n') + '\r\n', 'latin1');
}

test('admin uploads a spreadsheet: preview with errors, confirm, progress to 100%, the bot greets João', async (t) => {
  await t.test('login as admin', async () => {
    await context.clearCookies();
    await page.goto(`${BASE}/console/login`);
    await page.fill('input[name=email]', ADMIN_EMAIL);
    await page.fill('input[name=password]', ADMIN_PASSWORD);
    await Promise.all([page.waitForURL(`${BASE}/console/`), page.click('button[type=submit]')]);
    await Promise.all([page.waitForURL(`${BASE}/console/admin/import`), page.click('a[href="/console/admin/import"]')]);
  });

  await t.test('the preview shows the rows as read and every error, with nothing written', async () => {
    await page.setInputFiles('#file', { name: 'inadimplentes.csv', mimeType: 'text/csv', buffer: carteira() });
    await Promise.all([page.waitForURL(/\/console\/admin\/import\/[0-9a-f]{32}$/), page.click('#check')]);
    await page.locator('#preview').waitFor();
    assert.equal(await page.locator('#preview tbody tr').count(), 20);
    assert.match(await page.locator('#preview tbody tr').first().innerText(), /João 1\s+\d{3}\.\d{3}\.\d{3}-\d{2}\s+\+55 11 97000-0001\s+E2E-1\s+R\$ 1\.234,56\s+30\/12\/2026\s+ok/);
    assert.match(await page.locator('#preview tbody tr.refused').first().innerText(), /cem reais/);
    assert.match(await page.locator('#summary').innerText(), new RegExp(`${ROWS} linhas lidas: ${ROWS - 2} serão importadas, 2 com erros não serão`));
    assert.equal(await page.locator('table.errors tbody tr').count(), 2);
    assert.match(await page.locator('.note').first().innerText(), /read as Windows-1252/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'import-preview.png'), fullPage: true });
    const r = await fetch(`${BASE}/api/v1/debts?cpf=${cpf(300000001)}`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(r.status, 200);
    assert.deepEqual((await r.json()).debts, [], 'a debt was written before the confirmation');
  });

  await t.test('confirm, and the progress bar reaches 100%', async () => {
    await Promise.all([page.waitForURL(/\/console\/admin\/import\/[0-9a-f]{32}$/), page.click('#confirm')]);
    if (await page.locator('#import-progress').count() === 1) {
      t.diagnostic(`the import was running at ${await page.locator('#progress-text').innerText()}; the page follows it`);
    }
    await page.locator('#result').waitFor({ timeout: 120000 });
    assert.equal(await page.locator('#bar').getAttribute('value'), '100');
    assert.equal(await page.locator('#progress-text').innerText(), '100%');
    assert.match(await page.locator('#result').innerText(), new RegExp(`${ROWS} linhas: ${ROWS - 2} dívidas criadas, 0 atualizadas, 2 recusadas`));
    await page.screenshot({ path: path.join(ARTIFACTS, 'import-done.png'), fullPage: true });
  });

  await t.test('the status sheet downloads', async () => {
    await page.goto(`${BASE}/console/admin/import`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    assert.match(download.suggestedFilename(), /^situacao-\d{4}-\d{2}-\d{2}\.xlsx$/);
  });

  await t.test('the bot greets João by the name in the file', async () => {
    const phone = '+5511970000001';
    const r = await fetch(`${BASE}/simulator/api/messages`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ from: phone, text: 'oi' }),
    });
    assert.equal(r.status, 202);
    const greeting = await eventually('the greeting', async () => {
      const tr = await (await fetch(`${BASE}/simulator/api/conversations/${encodeURIComponent(phone)}/messages`)).json();
      return tr.find((m) => m.direction === 'out');
    });
    assert.match(greeting.text, /^Oi, João!/);
  });
});

// run.sh seeds the archive with twelve weeks of reminders and payments
// (e2e/seedarchive) before quita serve starts.
test('admin dashboard charts recovery by week, step and variant from the archive', async (t) => {
  await t.test('login as admin and open the dashboard', async () => {
    await context.clearCookies();
    await page.goto(`${BASE}/console/login`);
    await page.fill('input[name=email]', ADMIN_EMAIL);
    await page.fill('input[name=password]', ADMIN_PASSWORD);
    await Promise.all([page.waitForURL(`${BASE}/console/`), page.click('button[type=submit]')]);
    await page.goto(`${BASE}/console/admin`);
    await page.locator('#recovery-week svg.chart.recovery').waitFor();
  });

  await t.test('the charts show the figures of the admin API, as inline SVG without script', async () => {
    const r = await fetch(`${BASE}/api/v1/admin/stats`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(r.status, 200);
    const stats = await r.json();
    assert.deepEqual(stats.recovery.map((c) => c.by), ['week', 'step', 'variant']);
    for (const chart of stats.recovery) {
      const bars = page.locator(`#recovery-${chart.by} svg g.group`);
      assert.equal(await bars.count(), chart.groups.length, `${chart.by}: bars`);
      const shown = await bars.evaluateAll((gs) => gs.map((g) => [g.dataset.label, Number(g.dataset.recovered), Number(g.dataset.owed)]));
      assert.deepEqual(shown, chart.groups.map((g) => [g.label, g.recovered_cents, g.owed_cents]), `${chart.by}: figures`);
    }
    assert.equal(stats.recovery[0].groups.length, 12, 'one bar per week');
    assert.ok(stats.recovery[0].groups.filter((g) => g.recovered_cents > 0).length >= 10, 'the seeded weeks recovered money');
    assert.deepEqual(stats.recovery[1].groups.map((g) => g.label), ['D-3', 'D+1', 'D+5'], 'steps in cadence order');
    assert.equal(await page.locator('div.charts.recovery script').count(), 0);
    const rows = await page.locator('#recovery-step tbody tr').allInnerTexts();
    assert.match(rows[0], /^D-3\s+\d+\s+R\$ [\d.]+,\d\d\s+\d+,\d%\s+BRL 0,0400\s+BRL 0,\d{4}$/);
  });

  await t.test('screenshot: the bars are drawn in the chart colours', async () => {
    const shot = await page.locator('div.charts.recovery').screenshot({ path: path.join(ARTIFACTS, 'dashboard-recovery.png') });
    const colour = async (sel) => page.locator(sel).first().evaluate((el) => getComputedStyle(el).fill);
    const recovered = await colour('#recovery-week rect.recovered');
    const owed = await colour('#recovery-week rect.owed');
    // Count the screenshot's pixels of each colour, decoded by the browser
    // in a blank page (the console's CSP is not in the way there).
    const blank = await context.newPage();
    try {
      const counts = await blank.evaluate(async ({ png, colours }) => {
        const img = new Image();
        img.src = `data:image/png;base64,${png}`;
        await img.decode();
        const c = document.createElement('canvas');
        c.width = img.width; c.height = img.height;
        const g = c.getContext('2d');
        g.drawImage(img, 0, 0);
        const px = g.getImageData(0, 0, c.width, c.height).data;
        const want = colours.map((s) => s.match(/\d+/g).slice(0, 3).map(Number));
        const n = want.map(() => 0);
        for (let i = 0; i < px.length; i += 4) {
          want.forEach(([r, gr, b], k) => {
            if (Math.abs(px[i] - r) + Math.abs(px[i + 1] - gr) + Math.abs(px[i + 2] - b) < 12) n[k]++;
          });
        }
        return { n, width: c.width, height: c.height };
      }, { png: shot.toString('base64'), colours: [recovered, owed] });
      t.diagnostic(`screenshot ${counts.width}×${counts.height}: ${counts.n[0]} px recovered (${recovered}), ${counts.n[1]} px owed (${owed})`);
      assert.ok(counts.width >= 600 && counts.height >= 300, 'the charts are laid out');
      assert.ok(counts.n[0] > 2000, `recovered bars barely drawn: ${counts.n[0]} px`);
      assert.ok(counts.n[1] > 2000, `owed bars barely drawn: ${counts.n[1]} px`);
    } finally {
      await blank.close();
    }
  });
});
