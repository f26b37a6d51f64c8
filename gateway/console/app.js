// The ILP Gateway operations console (DESIGN.md §9.2). Plain JavaScript, no build step, no
// library: served by the gateway from this origin only (the CSP allows no inline script or
// style). Every value from the server goes into the page through textContent or attributes,
// never as HTML. The session cookie is HttpOnly (this script never sees it); the CSRF token
// lives in memory and goes out in X-CSRF-Token on every POST.
'use strict';

const TEXT = {
  id: {
    title: 'Konsol ILP Gateway', overview: 'Ringkasan', records: 'Rekam', worklist: 'Perlu koreksi',
    try: 'Coba pemetaan', pws: 'PWS', logout: 'Keluar', toggle: 'English',
    login_title: 'Masuk ke konsol', token: 'Token admin', login: 'Masuk',
    logged_out: 'Anda sudah keluar.', expired: 'Sesi berakhir. Masuk lagi.',
    counts: 'Jumlah rekam per status dan fasilitas', facility: 'Fasilitas', status: 'Status',
    kind: 'Jenis', record_id: 'ID rekam', from: 'Diubah sejak', to: 'Diubah sampai',
    pending: 'Belum final', oldest: 'Tertua menunggu', eta: 'Perkiraan antrean habis',
    circuit: 'Sirkuit SATUSEHAT', tokens: 'Token per fasilitas', open: 'TERBUKA (pengiriman ditahan)',
    closed: 'normal', none_yet: 'belum ada panggilan', tok_ok: 'baik', tok_failing: 'GAGAL',
    tok_unknown: 'belum diminta', delivery_off: 'Pengiriman dimatikan (delivery.enabled: false).',
    audit: 'Tindakan terakhir (log audit)', search: 'Cari', any: '(semua)',
    ask_first: 'Pilih filter lalu tekan Cari. Daftar tidak dimuat sebelum diminta.',
    none: 'Tidak ada rekam yang cocok.', next: 'Halaman berikutnya', first: 'Halaman pertama',
    id: 'ID pelacakan', attempts: 'Percobaan', updated: 'Diubah', accepted: 'Diterima',
    revision: 'Revisi', history: 'Riwayat', at: 'Waktu', note: 'Catatan',
    why: 'Mengapa', platform_says: 'Pesan SATUSEHAT, dijelaskan', field: 'Kolom',
    record_field: 'Kolom rekam', bundle: 'Bundle (NIK dan nama disamarkan)', pruned:
      'Isi bundle sudah dihapus oleh retensi.', resources: 'Sumber daya', server_id: 'ID di SATUSEHAT',
    retry_one: 'Kirim ulang rekam ini', retried: 'Dikirim ulang: ', retry_all: 'Kirim ulang semua',
    confirm_all: (n) => `Kirim ulang ${n} rekam yang cocok dengan filter ini?`,
    matching: 'Cocok dengan filter: ', worklist_intro:
      'Rekam yang ditolak SATUSEHAT karena isinya. Perbaiki di aplikasi sumber, lalu kirim ulang.',
    try_intro: 'Tempel satu rekam (JSON seperti yang dikirim ke /api/v1/records). Tidak ada yang disimpan atau dikirim.',
    try_run: 'Coba petakan', mapped: 'Berhasil dipetakan. Bundle yang akan dikirim:',
    refused: 'Ditolak. Perbaiki kolom berikut:', month: 'Bulan', show: 'Tampilkan',
    village: 'Desa', indicator: 'Indikator', this_month: 'Bulan ini', cumulative: 'Kumulatif',
    target: 'Sasaran', coverage: 'Cakupan %', pws_intro:
      'Pemantauan Wilayah Setempat dari rekam yang sudah terkirim ke SATUSEHAT.',
    chart_of: 'Kumulatif per desa: ', unknown_village: '(desa tidak diketahui)', open_record: 'buka', error: 'Galat: ',
  },
  en: {
    title: 'ILP Gateway console', overview: 'Overview', records: 'Records', worklist: 'Needs correction',
    try: 'Mapping try-out', pws: 'PWS', logout: 'Log out', toggle: 'Bahasa Indonesia',
    login_title: 'Log in to the console', token: 'Admin token', login: 'Log in',
    logged_out: 'You are logged out.', expired: 'The session has ended. Log in again.',
    counts: 'Records by status and facility', facility: 'Facility', status: 'Status',
    kind: 'Kind', record_id: 'Record id', from: 'Changed from', to: 'Changed until',
    pending: 'Not final', oldest: 'Oldest pending', eta: 'Queue drained in about',
    circuit: 'SATUSEHAT circuit', tokens: 'Token per facility', open: 'OPEN (sending paused)',
    closed: 'normal', none_yet: 'no calls yet', tok_ok: 'ok', tok_failing: 'FAILING',
    tok_unknown: 'not asked yet', delivery_off: 'Delivery is switched off (delivery.enabled: false).',
    audit: 'Recent actions (audit log)', search: 'Search', any: '(any)',
    ask_first: 'Choose filters, then press Search. Nothing is listed before you ask.',
    none: 'No record matches.', next: 'Next page', first: 'First page',
    id: 'Tracking id', attempts: 'Attempts', updated: 'Changed', accepted: 'Accepted',
    revision: 'Revision', history: 'History', at: 'At', note: 'Note',
    why: 'Why', platform_says: "SATUSEHAT's messages, explained", field: 'Field',
    record_field: 'Record field', bundle: 'Bundle (NIK and names masked)', pruned:
      'The bundle was emptied by retention.', resources: 'Resources', server_id: 'SATUSEHAT id',
    retry_one: 'Re-send this record', retried: 'Re-sent: ', retry_all: 'Re-send all',
    confirm_all: (n) => `Re-send the ${n} records matching this filter?`,
    matching: 'Matching the filter: ', worklist_intro:
      'Records SATUSEHAT refused for their content. Fix them in the source application, then re-send.',
    try_intro: 'Paste one record (JSON as sent to /api/v1/records). Nothing is stored or sent.',
    try_run: 'Try the mapping', mapped: 'Mapped. The bundle that would be sent:',
    refused: 'Refused. Fix these fields:', month: 'Month', show: 'Show',
    village: 'Village', indicator: 'Indicator', this_month: 'This month', cumulative: 'Cumulative',
    target: 'Target', coverage: 'Coverage %', pws_intro:
      'Local-area monitoring (PWS) from the records delivered to SATUSEHAT.',
    chart_of: 'Cumulative by village: ', unknown_village: '(village unknown)', open_record: 'open', error: 'Error: ',
  },
};

let lang = localStorage.getItem('ilp-console-lang') === 'en' ? 'en' : 'id';
let csrf = null;
let lists = { facilities: [], statuses: [], kinds: [] };
const t = (k) => TEXT[lang][k];
const $ = (id) => document.getElementById(id);

// el('td', {class: 'num', href: ...}, child, 'text', ...): a DOM element, strings as text nodes.
function el(tag, attrs, ...children) {
  const ns = ['svg', 'rect', 'text', 'line', 'g', 'title'].includes(tag) ? 'http://www.w3.org/2000/svg' : null;
  const e = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function flash(message, isError) {
  const f = $('flash');
  f.textContent = message || '';
  f.hidden = !message;
  f.className = isError ? 'error' : '';
}

function outcomeText(data) {
  if (data && data.resourceType === 'OperationOutcome') {
    return (data.issue || []).map((i) => (i.expression ? i.expression.join(', ') + ': ' : '') +
      ((i.details && i.details.text) || i.diagnostics || i.code)).join(' · ');
  }
  return JSON.stringify(data);
}

async function api(method, path, body) {
  const headers = { 'Accept-Language': lang === 'en' ? 'en' : 'id' };
  const init = { method, headers, credentials: 'same-origin' };
  if (method !== 'GET') {
    if (csrf) headers['X-CSRF-Token'] = csrf;
    headers['Content-Type'] = 'application/json';
    init.body = typeof body === 'string' ? body : JSON.stringify(body || {});
  }
  const res = await fetch(path, init);
  let data = null;
  try { data = await res.json(); } catch (_) { data = null; }
  if (res.status === 401 && path !== '/console/login') {
    csrf = null;
    showLogin(t('expired'));
    throw new Error('session');
  }
  return { status: res.status, data };
}

function qs(params) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') p.set(k, v);
  return p.toString();
}

function route() {
  const h = location.hash.replace(/^#\/?/, '') || 'overview';
  const [page, query] = h.split('?');
  return { page, params: Object.fromEntries(new URLSearchParams(query || '')) };
}

function setChrome(loggedIn) {
  document.documentElement.lang = lang;
  document.title = t('title');
  $('title').textContent = t('title');
  for (const k of ['overview', 'records', 'worklist', 'try', 'pws']) $('nav-' + k).textContent = t(k);
  $('lang-toggle').textContent = t('toggle');
  $('logout').textContent = t('logout');
  $('nav').hidden = !loggedIn;
  $('logout').hidden = !loggedIn;
  const { page } = route();
  for (const a of document.querySelectorAll('#nav a')) {
    a.classList.toggle('active', a.id === 'nav-' + (page.startsWith('record/') ? 'records' : page));
  }
}

function page(...children) {
  const main = $('main');
  main.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
}

function showLogin(message) {
  setChrome(false);
  flash(message, false);
  const input = el('input', { type: 'password', id: 'token', autocomplete: 'current-password', required: true });
  const form = el('form', { class: 'login', id: 'login-form' },
    el('h1', {}, t('login_title')), el('label', { for: 'token' }, t('token')), input,
    el('button', { class: 'primary', type: 'submit', id: 'login-button' }, t('login')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const r = await api('POST', '/console/login', { token: input.value });
    if (r.status !== 200) return flash(outcomeText(r.data), true);
    csrf = r.data.csrf;
    flash('');
    if (!location.hash || location.hash === '#/login') location.hash = '#/overview';
    render();
  });
  page(form);
  input.focus();
}

function statusSelect(id, value, withAny) {
  return el('select', { id, name: id },
    withAny ? el('option', { value: '' }, t('any')) : null,
    lists.statuses.map((s) => el('option', { value: s, selected: s === value }, s)));
}
function facilitySelect(id, value) {
  return el('select', { id, name: id }, el('option', { value: '' }, t('any')),
    lists.facilities.map((f) => el('option', { value: f, selected: f === value }, f)));
}
function kindInput(id, value) {
  return [el('input', { id, name: id, list: id + '-list', value: value || '', size: 14 }),
    el('datalist', { id: id + '-list' }, lists.kinds.map((k) => el('option', { value: k })))];
}

async function loadLists() {
  const r = await api('GET', '/admin/overview');
  if (r.status === 200) lists = { facilities: r.data.facilities, statuses: r.data.statuses, kinds: r.data.kinds || [] };
  return r;
}

function duration(s) {
  if (s < 60) return s + ' s';
  if (s < 3600) return Math.round(s / 60) + ' min';
  return (s / 3600).toFixed(1) + ' h';
}

async function overviewPage() {
  const r = await loadLists();
  if (r.status !== 200) return page(el('p', { class: 'bad' }, t('error') + outcomeText(r.data)));
  const d = r.data;
  const count = (f, s) => (d.counts.find((c) => c.facility === f && c.status === s) || {}).count || 0;
  const table = el('table', { id: 'counts' },
    el('tr', {}, el('th', {}, t('facility')), d.statuses.map((s) => el('th', { class: 'num' }, s))),
    d.facilities.map((f) => el('tr', {}, el('th', {}, f), d.statuses.map((s) => {
      const n = count(f, s);
      return el('td', { class: 'num' }, n === 0 ? '0' : el('a', {
        href: '#/records?' + qs({ facility: f, status: s, run: 1 }), 'data-cell': f + '/' + s,
      }, String(n)));
    }))));
  const circuit = d.circuit.length === 0 ? t('none_yet') :
    d.circuit.map((c) => c.host + ': ' + (c.open ? t('open') : t('closed'))).join(', ');
  const tokens = d.tokens.map((x) => el('li', {}, x.facility + ': ',
    el('span', { class: x.state === 'failing' ? 'bad' : x.state === 'ok' ? 'good' : 'muted' }, t('tok_' + x.state))));
  const audit = await api('GET', '/admin/audit?limit=10');
  page(el('h1', {}, t('overview')),
    d.delivery_enabled ? null : el('p', { class: 'bad' }, t('delivery_off')),
    el('div', { class: 'cards' },
      el('div', { class: 'card' }, t('pending'), el('b', { id: 'pending' }, String(d.pending))),
      el('div', { class: 'card' }, t('oldest'), el('b', {}, d.oldest_pending_age_s === undefined ? '—' : duration(d.oldest_pending_age_s)),
        d.oldest_pending_at ? el('span', { class: 'muted' }, d.oldest_pending_at) : null),
      el('div', { class: 'card' }, t('eta'), el('b', {}, duration(d.eta_s))),
      el('div', { class: 'card' }, t('circuit'), el('b', { class: d.circuit.some((c) => c.open) ? 'bad' : 'good' }, circuit))),
    el('h2', {}, t('counts')), table,
    el('h2', {}, t('tokens')), el('ul', {}, tokens),
    el('h2', {}, t('audit')),
    el('pre', { id: 'audit' }, (audit.data && audit.data.entries || []).map((e) => JSON.stringify(e)).join('\n') || '—'));
}

function recordsTable(records, withRetry) {
  return el('table', { id: 'record-list' },
    el('tr', {}, [t('id'), t('facility'), t('kind'), t('record_id'), t('status'), t('attempts'), t('updated'), ''].map((h) => el('th', {}, h))),
    records.map((rec) => el('tr', { 'data-id': rec.id },
      el('td', {}, el('a', { href: '#/record/' + encodeURIComponent(rec.id), class: 'record-link' }, rec.id)),
      el('td', {}, rec.facility), el('td', {}, rec.kind), el('td', {}, rec.record_id),
      el('td', {}, rec.status), el('td', { class: 'num' }, String(rec.attempts)), el('td', {}, rec.updated_at),
      el('td', {}, withRetry ? el('button', { type: 'button', class: 'retry-one', onclick: () => retryIds([rec.id]) }, t('retry_one')) : null))));
}

function dayStart(dateText, plusDays) {
  if (!dateText) return '';
  const [y, m, d] = dateText.split('-').map(Number);
  return String(new Date(y, m - 1, d + (plusDays || 0)).getTime());  // the browser's local midnight
}

async function recordsPage(params) {
  if (lists.statuses.length === 0) await loadLists();
  const form = el('form', { class: 'filters', id: 'record-filters' },
    el('label', {}, t('status'), statusSelect('f-status', params.status, true)),
    el('label', {}, t('facility'), facilitySelect('f-facility', params.facility)),
    el('label', {}, t('kind'), kindInput('f-kind', params.kind)),
    el('label', {}, t('from'), el('input', { type: 'date', id: 'f-from', value: params.from || '' })),
    el('label', {}, t('to'), el('input', { type: 'date', id: 'f-to', value: params.to || '' })),
    el('label', {}, t('record_id'), el('input', { id: 'f-record-id', value: params.record_id || '', size: 16 })),
    el('button', { class: 'primary', type: 'submit', id: 'f-search' }, t('search')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    location.hash = '#/records?' + qs({
      status: $('f-status').value, facility: $('f-facility').value, kind: $('f-kind').value.trim(),
      from: $('f-from').value, to: $('f-to').value, record_id: $('f-record-id').value.trim(), run: 1,
    });
  });
  if (!params.run) return page(el('h1', {}, t('records')), form, el('p', { class: 'muted', id: 'ask-first' }, t('ask_first')));
  const query = qs({
    status: params.status, facility: params.facility, kind: params.kind, record_id: params.record_id,
    since: dayStart(params.from), until: dayStart(params.to, 1), cursor: params.cursor, limit: 50,
  });
  const r = await api('GET', '/admin/queue/records?' + query);
  if (r.status !== 200) return page(el('h1', {}, t('records')), form, el('p', { class: 'bad' }, t('error') + outcomeText(r.data)));
  const pager = el('div', { class: 'pager' },
    params.cursor ? el('a', { href: '#/records?' + qs({ ...params, cursor: '' }) }, t('first')) : null,
    r.data.next_cursor ? el('a', { id: 'next-page', href: '#/records?' + qs({ ...params, cursor: r.data.next_cursor }) }, t('next')) : null);
  page(el('h1', {}, t('records')), form,
    r.data.records.length === 0 ? el('p', { id: 'no-records' }, t('none')) : recordsTable(r.data.records, false), pager);
}

async function retryIds(ids) {
  const r = await api('POST', '/admin/queue/retry', { ids });
  if (r.status !== 200) return flash(outcomeText(r.data), true);
  flash(t('retried') + r.data.requeued);
  render();
}

async function detailPage(id) {
  const r = await api('GET', '/admin/queue/records/' + encodeURIComponent(id) + '?bundle=masked');
  if (r.status !== 200) return page(el('p', { class: 'bad' }, t('error') + outcomeText(r.data)));
  const d = r.data;
  const issues = d.last_error ? (d.last_error.issue || []) : [];
  const retryable = ['needs_correction', 'dead', 'retrying', 'waiting'].includes(d.status);
  page(el('h1', {}, t('records') + ' ' + d.id),
    el('table', { id: 'record-summary' },
      [[t('facility'), d.facility], [t('kind'), d.kind], [t('record_id'), d.record_id], [t('revision'), d.revision],
        [t('status'), d.status], [t('attempts'), d.attempts], [t('accepted'), d.accepted_at], [t('updated'), d.updated_at]]
        .map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', {}, String(v))))),
    el('h2', {}, t('why')), el('p', { id: 'status-explained' }, d.status_explained),
    issues.length ? [el('h2', {}, t('platform_says')), el('ul', { class: 'issues', id: 'issues' }, issues.map((i) => el('li', {},
      i.expression ? el('b', {}, t('field') + ' ' + i.expression.join(', ') + ': ') : null,
      (i.details && i.details.text) || i.diagnostics || i.code,
      i.diagnostics && i.details ? el('span', { class: 'muted' }, ' (' + i.diagnostics + ')') : null)))] : null,
    retryable ? el('p', {}, el('button', { class: 'primary', type: 'button', id: 'retry-this', onclick: () => retryIds([d.id]) }, t('retry_one'))) : null,
    el('h2', {}, t('history')),
    el('table', { id: 'history' }, el('tr', {}, el('th', {}, t('at')), el('th', {}, t('status')), el('th', {}, t('note'))),
      d.history.map((h) => el('tr', {}, el('td', {}, h.at), el('td', {}, h.status), el('td', {}, h.note)))),
    el('h2', {}, t('resources')),
    el('table', {}, el('tr', {}, el('th', {}, 'name'), el('th', {}, 'type'), el('th', {}, t('server_id'))),
      d.resources.map((x) => el('tr', {}, el('td', {}, x.name), el('td', {}, x.type), el('td', {}, x.server_id || '—')))),
    el('h2', {}, t('bundle')),
    d.bundle ? el('pre', { id: 'bundle' }, JSON.stringify(d.bundle, null, 2)) : el('p', { class: 'muted' }, t('pruned')));
}

async function worklistPage(params) {
  if (lists.statuses.length === 0) await loadLists();
  const filter = { status: 'needs_correction', facility: params.facility || '', kind: params.kind || '' };
  const form = el('form', { class: 'filters', id: 'worklist-filters' },
    el('label', {}, t('facility'), facilitySelect('w-facility', filter.facility)),
    el('label', {}, t('kind'), kindInput('w-kind', filter.kind)),
    el('button', { class: 'primary', type: 'submit' }, t('search')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    location.hash = '#/worklist?' + qs({ facility: $('w-facility').value, kind: $('w-kind').value.trim() });
  });
  const [count, list] = await Promise.all([
    api('GET', '/admin/queue/count?' + qs(filter)),
    api('GET', '/admin/queue/records?' + qs({ ...filter, limit: 100 })),
  ]);
  const n = count.status === 200 ? count.data.count : 0;
  const retryAll = el('button', { class: 'danger', type: 'button', id: 'retry-all', disabled: n === 0 }, t('retry_all') + ' (' + n + ')');
  retryAll.addEventListener('click', async () => {
    if (!window.confirm(t('confirm_all')(n))) return;
    const r = await api('POST', '/admin/queue/retry', { filter });
    if (r.status !== 200) return flash(outcomeText(r.data), true);
    flash(t('retried') + r.data.requeued);
    render();
  });
  page(el('h1', {}, t('worklist')), el('p', { class: 'muted' }, t('worklist_intro')), form,
    el('p', {}, t('matching'), el('b', { id: 'worklist-count' }, String(n)), ' ', retryAll),
    list.status === 200 && list.data.records.length ? recordsTable(list.data.records, true) : el('p', { id: 'no-records' }, t('none')));
}

function tryPage() {
  const area = el('textarea', { id: 'try-input', spellcheck: 'false' });
  area.value = sessionStorage.getItem('ilp-try') || '';
  const out = el('div', { id: 'try-result' });
  const button = el('button', { class: 'primary', type: 'button', id: 'try-run' }, t('try_run'));
  button.addEventListener('click', async () => {
    sessionStorage.setItem('ilp-try', area.value);
    const r = await api('POST', '/admin/try', area.value);
    if (r.status === 200) {
      out.replaceChildren(el('p', { class: 'good' }, t('mapped')), el('pre', { id: 'try-bundle' }, JSON.stringify(r.data.bundle, null, 2)));
    } else {
      const issues = (r.data && r.data.issue) || [];
      out.replaceChildren(el('p', { class: 'bad' }, t('refused')), el('ul', { class: 'issues', id: 'try-issues' }, issues.map((i) => el('li', {},
        el('b', {}, (i.expression || ['—']).join(', ') + ': '), (i.details && i.details.text) || i.diagnostics || i.code))));
    }
  });
  page(el('h1', {}, t('try')), el('p', { class: 'muted' }, t('try_intro')), area, el('p', {}, button), out);
}

// Persons whose village is unknown come last, with village_code null.
function villageName(v) {
  return v.village_name || v.village_code || t('unknown_village');
}

function barChart(indicator, villages) {
  const rows = villages.map((v) => ({ name: villageName(v), ind: v.indicators.find((i) => i.id === indicator.id) }))
    .filter((x) => x.ind);
  const max = Math.max(1, ...rows.map((x) => Math.max(x.ind.cumulative, x.ind.target || 0)));
  const barH = 18, labelW = 130, width = 420, chartW = width - labelW - 40;
  const svg = el('svg', { class: 'chart', width, height: rows.length * (barH + 6) + 24, role: 'img', 'aria-label': t('chart_of') + indicator.label },
    el('text', { x: 4, y: 14 }, indicator.label),
    rows.map((x, i) => {
      const y = 22 + i * (barH + 6);
      const w = Math.round((x.ind.cumulative / max) * chartW);
      return el('g', {},
        el('text', { x: 4, y: y + 13 }, x.name.slice(0, 20)),
        el('rect', { class: 'bar', x: labelW, y, width: Math.max(w, 1), height: barH }, el('title', {}, String(x.ind.cumulative))),
        x.ind.target ? el('rect', { class: 'target', x: labelW, y: y - 1, width: Math.round((x.ind.target / max) * chartW), height: barH + 2 }) : null,
        el('text', { x: labelW + w + 4, y: y + 13 }, String(x.ind.cumulative)));
    }));
  return svg;
}

async function pwsPage(params) {
  if (lists.statuses.length === 0) await loadLists();
  const now = new Date();
  const month = params.month || `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`;
  const form = el('form', { class: 'filters', id: 'pws-filters' },
    el('label', {}, t('month'), el('input', { type: 'month', id: 'p-month', value: month })),
    el('label', {}, t('facility'), facilitySelect('p-facility', params.facility)),
    el('button', { class: 'primary', type: 'submit' }, t('show')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    location.hash = '#/pws?' + qs({ month: $('p-month').value, facility: $('p-facility').value });
  });
  const r = await api('GET', '/api/v1/pws?' + qs({ month, facility: params.facility }));
  if (r.status !== 200) return page(el('h1', {}, t('pws')), form, el('p', { class: 'bad' }, t('error') + outcomeText(r.data)));
  const villages = r.data.villages || [];
  const indicators = villages.length ? villages[0].indicators : [];
  page(el('h1', {}, t('pws') + ' ' + r.data.month), el('p', { class: 'muted' }, t('pws_intro')), form,
    el('table', { id: 'pws-table' },
      el('tr', {}, [t('village'), t('indicator'), t('this_month'), t('cumulative'), t('target'), t('coverage')].map((h) => el('th', {}, h))),
      villages.map((v) => v.indicators.map((i) => el('tr', {},
        el('td', {}, villageName(v)), el('td', {}, i.label), el('td', { class: 'num' }, String(i.month)),
        el('td', { class: 'num' }, String(i.cumulative)), el('td', { class: 'num' }, i.target === null ? '—' : String(i.target)),
        el('td', { class: 'num' }, i.coverage_pct === null || i.coverage_pct === undefined ? '—' : String(i.coverage_pct)))))),
    el('div', { id: 'pws-charts' }, indicators.map((ind) => barChart(ind, villages))));
}

async function render() {
  if (!csrf) {
    // A reload keeps the cookie, not the CSRF token: ask for it (same origin only).
    const s = await fetch('/console/session', { credentials: 'same-origin' });
    if (s.status !== 200) return showLogin('');
    csrf = (await s.json()).csrf;
  }
  setChrome(true);
  const { page: p, params } = route();
  try {
    if (p === 'overview' || p === 'login') await overviewPage();
    else if (p === 'records') await recordsPage(params);
    else if (p.startsWith('record/')) await detailPage(decodeURIComponent(p.slice('record/'.length)));
    else if (p === 'worklist') await worklistPage(params);
    else if (p === 'try') tryPage();
    else if (p === 'pws') await pwsPage(params);
    else await overviewPage();
  } catch (e) {
    if (e.message !== 'session') flash(t('error') + e.message, true);
  }
}

document.addEventListener('DOMContentLoaded', () => {
  $('lang-toggle').addEventListener('click', () => {
    lang = lang === 'en' ? 'id' : 'en';
    localStorage.setItem('ilp-console-lang', lang);
    csrf ? render() : showLogin('');
  });
  $('logout').addEventListener('click', async () => {
    await api('POST', '/console/logout', {});
    csrf = null;
    showLogin(t('logged_out'));
  });
  window.addEventListener('hashchange', () => { flash(''); render(); });
  render();
});
