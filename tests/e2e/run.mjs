// End-to-end tests of the web app: the real calendula binary serving
// web/dist and the API, driven through Debian's Chromium by playwright-core.
//   node run.mjs BIN        (run.sh does the setup first)
// Screenshots go to artifacts/e2e/ at the repository root. The last line
// printed is "N passed, N failed"; the exit status is non-zero on failure.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const bin = resolve(process.argv[2] ?? '');
const webDir = process.env.CALENDULA_WEB_DIR ?? join(root, 'web/dist');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const artifacts = join(root, 'artifacts/e2e');
const FAKE_NOW = '2027-03-01T00:00:00Z';
// The browser's clock: a few minutes after the server's fake start.
const BROWSER_NOW = new Date('2027-03-01T00:05:00Z');
const STEP_TIMEOUT = 15_000;

const TAKEN = 'That time was just booked by someone else — pick another time';

function log(...a) {
  console.log(...a);
}

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

async function startServer() {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'calendula-e2e-'));
  const proc = spawn(bin, ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, '--fake-now', FAKE_NOW,
    '--log-level', 'warn'], {
    cwd: root, env: { ...process.env, CALENDULA_WEB_DIR: webDir }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited (${proc.exitCode}): ${stderr}`);
    try {
      const r = await fetch(`${base}/health/ready`);
      if (r.ok) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) throw new Error(`server did not become ready: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const index = await fetch(`${base}/`);
  const html = await index.text();
  if (!index.ok || !html.includes('<div id="root">'))
    throw new Error(`the server does not serve the web app from ${webDir} (GET / → ${index.status})`);
  return {
    base, proc, dataDir,
    async stop() {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        await new Promise((r) => { const t = setTimeout(() => { proc.kill('SIGKILL'); r(); }, 5000); proc.once('exit', () => { clearTimeout(t); r(); }); });
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A small client for checking state through the API, as the host. */
function apiClient(base) {
  let token = null;
  async function call(method, path, body, headers = {}) {
    const h = { ...headers };
    if (body !== undefined) h['Content-Type'] = 'application/json';
    if (token) h.Authorization = `Bearer ${token}`;
    const r = await fetch(`${base}/api${path}`, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    return { status: r.status, headers: r.headers, json: text ? JSON.parse(text) : null };
  }
  return {
    call,
    async login(email, password) {
      const r = await call('POST', '/auth/login', { email, password });
      assert(r.status === 200, `API login: ${r.status}`);
      token = r.json.token;
      return r.json.user;
    },
  };
}

const shots = [];
async function shot(page, name) {
  const file = join(artifacts, `${String(shots.length + 1).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  shots.push(file);
}

// ---------------------------------------------------------------- scenarios

const host = {
  name: 'Ann Host', email: 'ann@example.com', username: 'ann-host', password: 'correct horse battery',
};
const state = {};

async function newContext(browser, opts = {}) {
  const ctx = await browser.newContext({
    locale: 'en-US', timezoneId: 'America/New_York', viewport: { width: 1280, height: 860 }, acceptDownloads: true, ...opts,
  });
  await ctx.clock.setFixedTime(BROWSER_NOW);
  ctx.on('page', (p) => {
    p.on('pageerror', (e) => log(`  (page error: ${e.message})`));
    p.on('crash', () => log('  (page crashed)'));
  });
  ctx.setDefaultTimeout(STEP_TIMEOUT);
  return ctx;
}

/** On the booking page: the first bookable day, then the times of that day. */
async function openFirstDay(page) {
  const day = page.locator('button.day.bookable').first();
  await day.waitFor();
  await day.click();
  await page.locator('.time-list button.time').first().waitFor();
}

async function fillDetails(page, who) {
  await page.getByLabel('Your name', { exact: true }).fill(who.name);
  await page.getByLabel('Email', { exact: true }).fill(who.email);
  await page.getByLabel('Company', { exact: true }).fill(who.company ?? 'Acme');
}

const scenarios = [
  ['host signs up, sets weekly hours and creates a meeting type', async ({ browser, server, api }) => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    state.hostCtx = ctx;
    state.hostPage = page;
    await page.goto(`${server.base}/signup`);
    await page.getByLabel('Your name', { exact: true }).fill(host.name);
    await page.getByLabel('Email', { exact: true }).fill(host.email);
    await page.getByLabel('Username', { exact: true }).fill(host.username);
    await page.getByLabel('Password', { exact: true }).fill(host.password);
    const tz = page.getByLabel('Your time zone', { exact: true });
    await tz.click();
    await tz.fill('new york');
    await page.keyboard.press('Enter');
    assert((await tz.inputValue()).startsWith('America/New York'), 'time zone chosen from the list');
    await shot(page, 'signup');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(/\/dashboard$/);
    await page.getByRole('heading', { name: 'Meeting types', exact: true }).waitFor();

    // Weekly hours: Monday split in two windows, Saturday morning added.
    await page.getByRole('link', { name: 'Availability' }).click();
    await page.getByRole('heading', { name: 'Weekly hours' }).waitFor();
    await page.getByLabel('Monday window 1 until', { exact: true }).selectOption('12:00');
    await page.getByRole('button', { name: 'Add a window on Monday' }).click();
    await page.getByLabel('Monday window 2 from', { exact: true }).selectOption('13:00');
    await page.getByLabel('Monday window 2 until', { exact: true }).selectOption('17:00');
    await page.getByLabel('Saturday', { exact: true }).check();
    await page.getByLabel('Saturday window 1 from', { exact: true }).selectOption('10:00');
    await page.getByLabel('Saturday window 1 until', { exact: true }).selectOption('14:00');
    await page.getByRole('button', { name: 'Save hours' }).click();
    await page.getByText('Saved.').waitFor();
    await shot(page, 'host-availability');

    state.hostUser = await api.login(host.email, host.password);
    const rules = await api.call('GET', '/availability/rules');
    assert(rules.json.time_zone === 'America/New_York', `schedule zone ${rules.json.time_zone}`);
    const mon = rules.json.rules.filter((r) => r.day_of_week === 1).map((r) => `${r.start_time}-${r.end_time}`).sort();
    assert(mon.join(',') === '09:00-12:00,13:00-17:00', `Monday windows ${mon}`);
    assert(rules.json.rules.some((r) => r.day_of_week === 6 && r.start_time === '10:00' && r.end_time === '14:00'), 'Saturday window');

    // A meeting type with a buffer and a required question.
    await page.getByRole('link', { name: 'Meeting types' }).click();
    await page.getByRole('link', { name: 'New meeting type' }).first().click();
    await page.getByLabel('Name', { exact: true }).fill('Intro call');
    assert(await page.getByLabel('Link', { exact: true }).inputValue() === 'intro-call', 'slug made from the name');
    await page.getByLabel('Description', { exact: true }).fill('A first talk to see how we can work together.');
    await page.getByLabel('Location', { exact: true }).fill('Video call');
    await page.getByLabel('Duration (minutes)', { exact: true }).fill('30');
    await page.getByLabel('Buffer after (minutes)', { exact: true }).fill('10');
    await page.getByRole('button', { name: '+ Add a question' }).click();
    await page.getByLabel('Question 1', { exact: true }).fill('Company');
    await page.getByLabel('Required', { exact: true }).check();
    await shot(page, 'host-meeting-type-editor');
    await page.getByRole('button', { name: 'Create meeting type' }).click();
    await page.waitForURL(/\/dashboard$/);
    await page.getByRole('link', { name: 'Intro call' }).first().waitFor();
    await shot(page, 'host-meeting-types');

    const types = await api.call('GET', '/meeting-types');
    const mt = types.json.data.find((t) => t.slug === 'intro-call');
    assert(mt, 'meeting type exists');
    assert(mt.buffer_after_minutes === 10 && mt.duration_minutes === 30, 'buffer and duration saved');
    assert(mt.questions.length === 1 && mt.questions[0].required && mt.questions[0].label === 'Company', 'question saved');
    state.mt = mt;

    // Off and on again with the switch.
    const toggle = page.getByRole('switch', { name: 'Intro call: taking bookings' });
    await toggle.click();
    await page.waitForFunction(() => document.querySelector('[role="switch"]')?.getAttribute('aria-checked') === 'false');
    assert((await api.call('GET', `/meeting-types/${mt.id}`)).json.is_active === false, 'deactivated');
    await toggle.click();
    await page.waitForFunction(() => document.querySelector('[role="switch"]')?.getAttribute('aria-checked') === 'true');
    assert((await api.call('GET', `/meeting-types/${mt.id}`)).json.is_active === true, 'active again');

    // A day off on Friday 5 March.
    await page.getByRole('link', { name: 'Availability' }).click();
    await page.getByRole('button', { name: '+ Add an override' }).click();
    await page.getByLabel('Date', { exact: true }).fill('2027-03-05');
    await page.getByLabel('Unavailable all day', { exact: true }).check();
    await page.getByRole('button', { name: 'Save override' }).click();
    await page.getByText('Unavailable all day', { exact: true }).waitFor();
    await shot(page, 'host-override');
    const fri = await api.call('GET', `/availability/slots?meeting_type_id=${mt.id}&date=2027-03-05&timezone=America/New_York`);
    assert(fri.json.slots.length === 0, `no times on the day off (${fri.json.slots.length})`);
  }],

  ['invitee in Asia/Kolkata books it and sees both time zones', async ({ browser, server }) => {
    const ctx = await newContext(browser, { timezoneId: 'Asia/Kolkata' });
    const page = await ctx.newPage();
    state.inviteeCtx = ctx;
    await page.goto(`${server.base}/${host.username}`);
    await page.getByRole('heading', { name: host.name }).waitFor();
    await shot(page, 'invitee-host-page');
    await page.getByRole('link', { name: /Intro call/ }).click();
    await page.waitForURL(/\/ann-host\/intro-call/);
    const tzBox = page.getByLabel('Time zone', { exact: true });
    assert((await tzBox.inputValue()).startsWith('Asia/Kolkata'), `zone detected from the browser: ${await tzBox.inputValue()}`);
    // Monday 1 March, 09:00 in New York is 19:30 in Kolkata.
    await openFirstDay(page);
    assert(await page.locator('button.day.selected').getAttribute('data-day') === '2027-03-01', 'first bookable day is 1 March');
    const first = page.locator('.time-list button.time').first();
    assert((await first.innerText()).replace(/\s/g, ' ') === '7:30 PM', `first time ${await first.innerText()}`);
    await shot(page, 'invitee-times-kolkata');

    // 24-hour clock and another zone re-render at once.
    await page.getByText('24h', { exact: true }).click();
    assert(await first.innerText() === '19:30', '24-hour clock');
    await tzBox.click();
    await tzBox.fill('london');
    await page.getByRole('option', { name: /Europe\/London/ }).click();
    assert(await page.locator('.time-list button.time').first().innerText() === '14:00', 'London time');
    await tzBox.click();
    await tzBox.fill('kolkata');
    await page.keyboard.press('Enter');
    await page.getByText('am/pm', { exact: true }).click();
    await page.locator('.time-list button.time', { hasText: '7:30' }).first().waitFor();

    await page.locator('.time-list button.time').first().click();
    await page.getByRole('heading', { name: 'Your details' }).waitFor();
    // The required question is checked before sending.
    await page.getByLabel('Your name', { exact: true }).fill('Priya Invitee');
    await page.getByLabel('Email', { exact: true }).fill('priya@example.com');
    await page.getByRole('button', { name: 'Confirm booking' }).click();
    await page.getByText('This question needs an answer.').waitFor();
    await page.getByLabel('Company', { exact: true }).fill('Acme India');
    await shot(page, 'invitee-details');
    await page.getByRole('button', { name: 'Confirm booking' }).click();
    await page.getByRole('heading', { name: 'You are booked' }).waitFor();
    await page.waitForURL(/\/booking\/[0-9a-f-]+\?.*token=/);
    const text = (await page.locator('.manage-summary').innerText()).replace(/\s+/g, ' ');
    assert(text.includes('Monday, March 1, 2027') && text.includes('7:30 PM – 8:00 PM'), `invitee time shown: ${text}`);
    assert(text.includes('Asia/Kolkata'), 'invitee zone named');
    assert(text.includes('9:00 AM – 9:30 AM') && text.includes('America/New York'), `host time shown: ${text}`);
    await shot(page, 'invitee-confirmation');

    const ics = await page.getByRole('link', { name: 'Download .ics' }).getAttribute('href');
    const icsRes = await ctx.request.get(`${server.base}${ics}`);
    const icsText = await icsRes.text();
    assert(icsRes.ok() && icsText.includes('BEGIN:VCALENDAR') && icsText.includes('DTSTART:20270301T140000Z'), 'ics download');
    const g = await page.getByRole('link', { name: 'Google Calendar' }).getAttribute('href');
    assert(g.includes('dates=20270301T140000Z%2F20270301T143000Z'), `google link ${g}`);
    const o = await page.getByRole('link', { name: 'Outlook' }).getAttribute('href');
    assert(o.includes('startdt=2027-03-01T14%3A00%3A00Z'), `outlook link ${o}`);
    state.manageUrl = await page.getByLabel('Manage link', { exact: true }).inputValue();
    assert(state.manageUrl.startsWith(`${server.base}/booking/`), 'manage link shown');
    state.bookingId = new URL(state.manageUrl).pathname.split('/').pop();
  }],

  ['host sees the booking in the dashboard', async ({ api }) => {
    const page = state.hostPage;
    await page.getByRole('link', { name: 'Bookings' }).click();
    const row = page.locator('.booking-row', { hasText: 'Priya Invitee' });
    await row.waitFor();
    const rowText = (await row.innerText()).replace(/\s+/g, ' ');
    assert(rowText.includes('9:00 AM – 9:30 AM') && rowText.includes('Intro call'), `row: ${rowText}`);
    await shot(page, 'host-bookings');
    await row.click();
    await page.getByRole('heading', { name: 'Intro call with Priya Invitee' }).waitFor();
    await page.getByText('Acme India').waitFor();
    await shot(page, 'host-booking-detail');
    const list = await api.call('GET', `/users/${state.hostUser.id}/bookings?status=confirmed`);
    assert(list.json.data.length === 1, `host has one booking (${list.json.data.length})`);
  }],

  ['invitee reschedules, then cancels, through the manage link', async ({ api }) => {
    const page = await state.inviteeCtx.newPage();
    await page.goto(state.manageUrl);
    await page.getByRole('button', { name: 'Reschedule' }).click();
    await page.getByRole('heading', { name: 'Pick a new time' }).waitFor();
    // Keyboard: focus the first bookable day, move right to the next one, open it.
    const firstDay = page.locator('button.day.bookable').first();
    await firstDay.waitFor();
    await firstDay.focus();
    await page.keyboard.press('ArrowRight');
    const focused = await page.evaluate(() => document.activeElement?.getAttribute('data-day'));
    assert(focused === '2027-03-02', `arrow key moved to ${focused}`);
    await page.keyboard.press('Enter');
    const t = page.locator('.time-list button.time', { hasText: '8:30' }).first();
    await t.waitFor();
    await t.click();
    await page.getByRole('heading', { name: 'Move the meeting?' }).waitFor();
    await page.getByLabel('Reason (optional)', { exact: true }).fill('A clash came up');
    await shot(page, 'invitee-reschedule-confirm');
    await page.getByRole('button', { name: 'Confirm new time' }).click();
    await page.getByRole('heading', { name: 'Your meeting has moved' }).waitFor();
    const text = (await page.locator('.manage-summary').innerText()).replace(/\s+/g, ' ');
    assert(text.includes('Tuesday, March 2, 2027') && text.includes('8:30 PM – 9:00 PM'), `moved: ${text}`);
    let b = await api.call('GET', `/bookings/${state.bookingId}`);
    assert(b.json.start_time === '2027-03-02T15:00:00Z' && b.json.version === 2, `API after reschedule: ${b.json.start_time} v${b.json.version}`);

    await page.getByRole('button', { name: 'Cancel meeting' }).click();
    await page.getByLabel('Reason for cancelling', { exact: true }).fill('No longer needed');
    await page.getByRole('button', { name: 'Cancel meeting' }).click();
    await page.getByRole('heading', { name: 'This meeting is cancelled' }).waitFor();
    await page.getByText('No longer needed').waitFor();
    await shot(page, 'invitee-cancelled');
    b = await api.call('GET', `/bookings/${state.bookingId}`);
    assert(b.json.status === 'cancelled' && b.json.cancellation_reason === 'No longer needed', 'API after cancel');
    await page.close();
  }],

  ['a double submit books once', async ({ browser, server, api }) => {
    const ctx = await newContext(browser, { timezoneId: 'Europe/Berlin' });
    const page = await ctx.newPage();
    let keys = [];
    let replayed = [];
    // Every booking request the page sends goes to the server twice with
    // its key (as a retrying network would); the second must be a replay.
    await page.route('**/api/bookings', async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      keys.push(route.request().headers()['idempotency-key']);
      const r1 = await route.fetch();
      const r2 = await route.fetch();
      replayed.push(r2.headers()['idempotent-replayed']);
      const [b1, b2] = [await r1.json(), await r2.json()];
      assert(b1.id === b2.id, 'the repeat answers the same booking');
      await route.fulfill({ response: r1 });
    });
    const attempts = [
      // A real double click on the button.
      ['Dora Double', 'dora@example.com', 1, () => page.getByRole('button', { name: 'Confirm booking' }).dblclick()],
      // Two clicks and a form submit in one go, before the page can re-render.
      ['Dan Burst', 'dan@example.com', 3, () => page.evaluate(() => {
        const form = document.querySelector('form.booking-form');
        const button = form.querySelector('button[type="submit"]');
        button.click();
        button.click();
        form.requestSubmit();
      })],
    ];
    for (const [name, email, nth, submitTwice] of attempts) {
      keys = [];
      replayed = [];
      await page.goto(`${server.base}/${host.username}/intro-call`);
      await openFirstDay(page);
      await page.locator('.time-list button.time').nth(nth).click();
      await fillDetails(page, { name, email });
      await submitTwice();
      await page.getByRole('heading', { name: 'You are booked' }).waitFor();
      assert(keys.length === 1, `${name}: the page sent ${keys.length} booking requests`);
      assert(/^[0-9a-f-]{36}$/.test(keys[0] ?? ''), `Idempotency-Key sent: ${keys[0]}`);
      assert(replayed[0] === 'true', 'the server replayed the repeat');
      const list = await api.call('GET', `/users/${state.hostUser.id}/bookings?status=confirmed`);
      const mine = list.json.data.filter((x) => x.invitee_email === email);
      assert(mine.length === 1, `${name}: ${mine.length} bookings`);
    }
    await shot(page, 'double-submit-confirmation');
    await ctx.close();
  }],

  ['a slot taken meanwhile shows a friendly message and fresh times', async ({ browser, server, api }) => {
    const ctx = await newContext(browser, { timezoneId: 'Asia/Kolkata' });
    const page = await ctx.newPage();
    await page.goto(`${server.base}/${host.username}/intro-call`);
    await openFirstDay(page);
    const slotBtn = page.locator('.time-list button.time').nth(2);
    const label = await slotBtn.innerText();
    await slotBtn.click();
    await page.waitForURL(/start=/);
    const start = new URL(page.url()).searchParams.get('start');
    await fillDetails(page, { name: 'Tariq Late', email: 'tariq@example.com' });
    // Someone else books that time through the API in between.
    const other = await api.call('POST', '/bookings', {
      meeting_type_id: state.mt.id, start_time: start, invitee_name: 'Quick Quinn', invitee_email: 'quinn@example.com',
      invitee_timezone: 'UTC', answers: { company: 'Q' },
    });
    assert(other.status === 201, `API booking in between: ${other.status}`);
    await page.getByRole('button', { name: 'Confirm booking' }).click();
    await page.getByText(TAKEN).waitFor();
    await page.locator('.time-list button.time').first().waitFor();
    const times = (await page.locator('.time-list button.time').allInnerTexts()).map((s) => s.replace(/\s/g, ' '));
    assert(!times.includes(label.replace(/\s/g, ' ')), `the taken time ${label} is gone from ${times}`);
    await shot(page, 'taken-slot');
    // The details are kept: pick another time and book.
    await page.locator('.time-list button.time').first().click();
    assert(await page.getByLabel('Company', { exact: true }).inputValue() === 'Acme', 'details kept');
    await page.getByRole('button', { name: 'Confirm booking' }).click();
    await page.getByRole('heading', { name: 'You are booked' }).waitFor();
    const list = await api.call('GET', `/users/${state.hostUser.id}/bookings?status=confirmed`);
    assert(list.json.data.filter((x) => x.invitee_email === 'tariq@example.com').length === 1, 'booked another time');
    await ctx.close();
  }],

  ['host makes a collective type with a co-host; invitees see only times both are free', async ({ browser, server, api }) => {
    // Bo works Saturdays 11:00–13:00 in New York only; Ann also works Saturdays 10:00–14:00.
    const bo = { name: 'Bo Cohost', email: 'bo@example.com', username: 'bo-cohost', password: 'another horse battery' };
    const made = await api.call('POST', '/users', { ...bo, time_zone: 'America/New_York' });
    assert(made.status === 201, `co-host signup: ${made.status}`);
    const boApi = apiClient(server.base);
    const boUser = await boApi.login(bo.email, bo.password);
    const set = await boApi.call('POST', '/availability/rules', {
      time_zone: 'America/New_York', rules: [{ day_of_week: 6, start_time: '11:00', end_time: '13:00' }],
    });
    assert(set.status === 200, `co-host hours: ${set.status}`);

    const page = state.hostPage;
    await page.goto(`${server.base}/dashboard`);
    await page.getByRole('link', { name: 'New meeting type' }).first().click();
    await page.getByLabel('Name', { exact: true }).fill('Team call');
    await page.getByLabel('Duration (minutes)', { exact: true }).fill('30');
    await page.getByLabel('Kind', { exact: true }).selectOption('collective');
    await page.getByLabel('Add a host by username', { exact: true }).fill('nobody-here');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByText('No user “nobody-here”.').waitFor();
    await page.getByLabel('Add a host by username', { exact: true }).fill('bo-cohost');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByText('Bo Cohost (@bo-cohost)').waitFor();
    await page.getByText('Ann Host (@ann-host)').waitFor();
    await shot(page, 'host-collective-editor');
    await page.getByRole('button', { name: 'Create meeting type' }).click();
    await page.waitForURL(/\/dashboard$/);
    await page.getByRole('link', { name: 'Team call' }).first().waitFor();

    const types = await api.call('GET', '/meeting-types');
    const mt = types.json.data.find((t) => t.slug === 'team-call');
    assert(mt && mt.kind === 'collective', `collective type saved: ${JSON.stringify(mt)}`);
    assert(mt.host_ids.length === 2 && mt.host_ids.includes(boUser.id) && mt.host_ids.includes(state.hostUser.id),
      `both hosts saved: ${mt.host_ids}`);
    const sat = await api.call('GET', `/availability/slots?meeting_type_id=${mt.id}&date=2027-03-06&timezone=America/New_York`);
    const starts = sat.json.slots.map((s) => s.start);
    assert(starts.join(',') === '2027-03-06T16:00:00Z,2027-03-06T16:30:00Z,2027-03-06T17:00:00Z,2027-03-06T17:30:00Z',
      `Saturday: only where both are free: ${starts}`);
    const mon = await api.call('GET', `/availability/slots?meeting_type_id=${mt.id}&date=2027-03-08&timezone=America/New_York`);
    assert(mon.json.slots.length === 0, `Monday: Bo does not work (${mon.json.slots.length})`);

    const ctx = await newContext(browser);
    const inv = await ctx.newPage();
    await inv.goto(`${server.base}/${host.username}/team-call`);
    await openFirstDay(inv);
    assert(await inv.locator('button.day.selected').getAttribute('data-day') === '2027-03-06', 'first bookable day is Saturday 6 March');
    const first = inv.locator('.time-list button.time').first();
    assert((await first.innerText()).replace(/\s/g, ' ') === '11:00 AM', `first time ${await first.innerText()}`);
    await first.click();
    await inv.getByRole('heading', { name: 'Your details' }).waitFor();
    await inv.getByLabel('Your name', { exact: true }).fill('Cara Invitee');
    await inv.getByLabel('Email', { exact: true }).fill('cara@example.com');
    await inv.getByRole('button', { name: 'Confirm booking' }).click();
    await inv.getByRole('heading', { name: 'You are booked' }).waitFor();
    await shot(inv, 'invitee-collective-booked');
    await ctx.close();

    // The booking holds both hosts: it is in Bo's list, and that time is gone.
    const list = await boApi.call('GET', `/users/${boUser.id}/bookings`);
    assert(list.status === 200 && list.json.data.length === 1 && list.json.data[0].start_time === '2027-03-06T16:00:00Z',
      `the co-host's bookings: ${JSON.stringify(list.json)}`);
    const after = await api.call('GET', `/availability/slots?meeting_type_id=${mt.id}&date=2027-03-06&timezone=America/New_York`);
    assert(after.json.slots.length === 3 && after.json.slots[0].start === '2027-03-06T16:30:00Z', 'the booked time is gone');
  }],

  ['host reschedules, then cancels, a booking from the dashboard', async ({ server, api }) => {
    const page = state.hostPage;
    await page.goto(`${server.base}/dashboard/bookings`);
    const row = page.locator('.booking-row', { hasText: 'Cara Invitee' });
    await row.waitFor();
    await row.click();
    await page.getByRole('heading', { name: 'Team call with Cara Invitee' }).waitFor();
    const id = new URL(page.url()).pathname.split('/').pop();
    await page.getByRole('button', { name: 'Reschedule' }).click();
    await page.getByRole('heading', { name: 'Pick a new time' }).waitFor();
    await openFirstDay(page);
    assert(await page.locator('button.day.selected').getAttribute('data-day') === '2027-03-06', 'Saturday offered');
    const noon = page.locator('.time-list button.time', { hasText: '12:00' }).first();
    await noon.click();
    await page.getByRole('heading', { name: 'Move the meeting?' }).waitFor();
    await page.getByRole('button', { name: 'Confirm new time' }).click();
    await page.getByText('Moved to the new time.').waitFor();
    await shot(page, 'host-rescheduled');
    let b = await api.call('GET', `/bookings/${id}`);
    assert(b.json.start_time === '2027-03-06T17:00:00Z' && b.json.version === 2, `after the host's reschedule: ${b.json.start_time} v${b.json.version}`);
    const sat = await api.call('GET', `/availability/slots?meeting_type_id=${b.json.meeting_type_id}&date=2027-03-06&timezone=America/New_York`);
    const starts = sat.json.slots.map((s) => s.start);
    assert(starts.includes('2027-03-06T16:00:00Z') && !starts.includes('2027-03-06T17:00:00Z'), `old time free again, new one taken: ${starts}`);

    await page.getByRole('button', { name: 'Cancel meeting' }).click();
    await page.getByLabel('Reason for cancelling', { exact: true }).fill('Host unavailable');
    await page.getByRole('button', { name: 'Cancel meeting' }).click();
    await page.getByText('Cancelled: “Host unavailable”').waitFor();
    b = await api.call('GET', `/bookings/${id}`);
    assert(b.json.status === 'cancelled' && b.json.cancellation_reason === 'Host unavailable', 'API after the host cancelled');
    await page.getByRole('link', { name: 'All bookings' }).click();
    await page.getByRole('link', { name: 'Cancelled', exact: true }).click();
    await page.waitForURL(/tab=cancelled/);
    await page.locator('.booking-row', { hasText: 'Cara Invitee' }).waitFor();
    await shot(page, 'host-cancelled-list');
  }],

  ['phone layout: booking page and dashboard fit the screen', async ({ browser, server }) => {
    const ctx = await newContext(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true,
      deviceScaleFactor: 2, timezoneId: 'America/Los_Angeles' });
    const page = await ctx.newPage();
    const fits = async (what) => {
      const [sw, w] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      assert(sw <= w, `${what}: page is ${sw}px wide on a ${w}px screen`);
    };
    await page.goto(`${server.base}/${host.username}/intro-call`);
    await openFirstDay(page);
    await fits('booking page');
    await shot(page, 'phone-booking');
    await page.locator('.time-list button.time').first().click();
    await page.getByRole('heading', { name: 'Your details' }).waitFor();
    await fits('details form');
    await shot(page, 'phone-details');
    await page.goto(`${server.base}/login`);
    await page.getByLabel('Email', { exact: true }).fill(host.email);
    await page.getByLabel('Password', { exact: true }).fill(host.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/dashboard$/);
    await page.getByRole('heading', { name: 'Meeting types', exact: true }).waitFor();
    await page.locator('.mt-card').first().waitFor();
    await fits('dashboard');
    await shot(page, 'phone-dashboard');
    await page.goto(`${server.base}/dashboard/availability`);
    await page.getByRole('heading', { name: 'Weekly hours' }).waitFor();
    await fits('availability');
    await shot(page, 'phone-availability');
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/login/);
    await ctx.close();
  }],
];

// ---------------------------------------------------------------- runner

async function main() {
  const t0 = Date.now();
  if (!existsSync(bin)) {
    console.error(`usage: run.mjs BIN (no executable at ${bin})`);
    console.log('0 passed, 1 failed');
    process.exit(2);
  }
  rmSync(artifacts, { recursive: true, force: true });
  mkdirSync(artifacts, { recursive: true });
  let server;
  let browser;
  let passed = 0;
  let failed = 0;
  try {
    server = await startServer();
    browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      // launch() gives every run a fresh temporary --user-data-dir.
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const api = apiClient(server.base);
    let broken = null;
    for (const [name, fn] of scenarios) {
      const t = Date.now();
      if (broken) {
        failed++;
        log(`not ok - ${name}: skipped, an earlier scenario failed (${broken})`);
        continue;
      }
      try {
        await fn({ browser, server, api });
        passed++;
        log(`ok - ${name} (${((Date.now() - t) / 1000).toFixed(1)}s)`);
      } catch (e) {
        failed++;
        broken ??= name;
        log(`not ok - ${name} (${((Date.now() - t) / 1000).toFixed(1)}s)\n  ${String(e?.stack ?? e).split('\n').slice(0, 6).join('\n  ')}`);
        for (const ctx of browser.contexts()) {
          for (const p of ctx.pages()) await shot(p, `FAILED-${name.replace(/\W+/g, '-').slice(0, 40)}`).catch(() => {});
        }
      }
    }
  } catch (e) {
    failed++;
    log(`not ok - setup: ${e?.message ?? e}`);
  } finally {
    await browser?.close().catch(() => {});
    await server?.stop().catch(() => {});
  }
  log(`screenshots: ${shots.length} in ${artifacts}`);
  log(`e2e time: ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

await main();
