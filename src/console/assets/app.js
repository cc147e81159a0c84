/**
 * @module console/app
 * The console's shell: hash routes → pages (each loaded on first use),
 * the sign-in form when the server runs with --auth, the region, and the
 * keyboard shortcuts.
 *
 * Routes: #/tables, #/tables/<name>/<overview|items|stream|ttl|backups>,
 * #/partiql, #/metrics.
 */
import { h, fill, openDialog } from './dom.js';
import { settings, credentials, saveCredentials, forgetCredentials, whenCredentialsFail, region, setRegion, call, CREDENTIAL_ERRORS } from './api.js';

const main = document.getElementById('main');
let cleanup;
let renderId = 0;

const PAGES = {
  tables: () => import('./pages/tables.js'),
  table: () => import('./pages/table.js'),
  partiql: () => import('./pages/partiql.js'),
  metrics: () => import('./pages/metrics.js'),
};

function parseRoute() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  if (parts[0] === 'tables' && parts[1]) return { page: 'table', nav: 'tables', table: parts[1], tab: parts[2] || 'overview' };
  if (parts[0] === 'partiql' || parts[0] === 'metrics') return { page: parts[0], nav: parts[0] };
  return { page: 'tables', nav: 'tables' };
}

async function route() {
  const id = ++renderId;
  if (typeof cleanup === 'function') cleanup();
  cleanup = undefined;
  const r = parseRoute();
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === r.nav) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  showIdentity();
  // Metrics need no credentials (GET /metrics); everything else goes through the API.
  if (settings.auth && credentials() === undefined && r.page !== 'metrics') {
    signIn();
    return;
  }
  const mod = await PAGES[r.page]();
  if (id !== renderId) return;
  fill(main);
  cleanup = await mod.render(main, r);
  document.title = `${r.table ?? r.nav} · openddb console`;
}

function showIdentity() {
  const c = credentials();
  const el = document.getElementById('identity');
  const regionSelect = h('input', {
    class: 'mono', size: 11, value: region(), 'aria-label': 'Region', title: 'The region the console signs for: tables live in a region',
    onchange: (e) => { setRegion(e.target.value.trim()); route(); },
  });
  fill(el, h('span', { class: 'row' },
    regionSelect,
    settings.auth && c ? [h('span', { class: 'mono' }, c.accessKeyId), h('button', { type: 'button', class: 'ghost', onclick: () => { forgetCredentials(); route(); } }, 'Sign out')] : null,
    settings.auth ? null : h('span', { title: 'The server runs without --auth' }, 'anonymous')));
}

function signIn(error) {
  const errorSlot = h('div');
  if (error) errorSlot.append(h('div', { class: 'error', role: 'alert' }, h('b', {}, error.type), `: ${error.message}`));
  const idInput = h('input', { name: 'accessKeyId', autocomplete: 'username', required: true, autofocus: true, class: 'mono' });
  const secretInput = h('input', { name: 'secretAccessKey', type: 'password', autocomplete: 'current-password', required: true, class: 'mono' });
  const tokenInput = h('input', { name: 'sessionToken', class: 'mono' });
  const form = h('form', {
    onsubmit: async (e) => {
      e.preventDefault();
      const c = { accessKeyId: idInput.value.trim(), secretAccessKey: secretInput.value };
      if (tokenInput.value.trim()) c.sessionToken = tokenInput.value.trim();
      saveCredentials(c);
      try {
        // Any signed call proves the key; a policy may still refuse ListTables itself.
        await call('ListTables', { Limit: 1 }, { promptSignIn: false });
      } catch (err) {
        if (CREDENTIAL_ERRORS.has(err.type)) {
          forgetCredentials();
          fill(errorSlot, h('div', { class: 'error', role: 'alert' }, h('b', {}, err.type), `: ${err.message}`));
          return;
        }
      }
      route();
    },
  },
  h('label', {}, 'Access key ID', idInput),
  h('label', {}, 'Secret access key', secretInput),
  h('label', {}, 'Session token (optional)', tokenInput),
  errorSlot,
  h('button', { class: 'primary', type: 'submit' }, 'Sign in'));
  fill(main, h('section', { class: 'login panel' },
    h('h1', {}, 'Sign in'),
    h('p', { class: 'muted' }, 'This server runs with --auth: requests are signed with your access key (SigV4, in this browser). The key stays in this tab\'s session storage.'),
    form));
  idInput.focus();
}

whenCredentialsFail((err) => {
  if (err === undefined) return;
  forgetCredentials();
  // The page underneath stops (a followed stream, say) before the form replaces it.
  if (typeof cleanup === 'function') cleanup();
  cleanup = undefined;
  renderId++;
  signIn(err);
});

const SHORTCUTS = [
  ['g t', 'Tables'],
  ['g q', 'PartiQL editor'],
  ['g m', 'Metrics'],
  ['/', 'Focus the filter or first field'],
  ['n', 'New: table (tables list), item (item browser)'],
  ['Ctrl+Enter', 'Run the query, scan or statement; save a dialog'],
  ['↑ ↓ Enter', 'Move through rows, open one'],
  ['Esc', 'Close a dialog'],
  ['?', 'This help'],
];

function help() {
  void openDialog((close) => h('div', {},
    h('h2', {}, 'Keyboard shortcuts'),
    h('table', { class: 'data' }, h('tbody', {}, SHORTCUTS.map(([k, d]) => h('tr', {}, h('td', {}, k.split(' ').map((x) => [h('kbd', {}, x), ' '])), h('td', {}, d))))),
    h('div', { class: 'row end', style: 'margin-top:12px' }, h('button', { type: 'button', onclick: () => close() }, 'Close'))), { label: 'Keyboard shortcuts' });
}

let pendingG = false;
document.addEventListener('keydown', (e) => {
  const t = e.target;
  const typing = t instanceof HTMLElement && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName));
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
    const form = document.querySelector('dialog[open] form');
    const run = main.querySelector('[data-run]');
    if (form) {
      e.preventDefault();
      form.requestSubmit();
    } else if (run) {
      e.preventDefault();
      run.click();
    }
    return;
  }
  if (typing || e.ctrlKey || e.metaKey || e.altKey || document.querySelector('dialog[open]')) return;
  if (pendingG) {
    pendingG = false;
    const to = { t: '#/tables', q: '#/partiql', m: '#/metrics' }[e.key];
    if (to) {
      e.preventDefault();
      location.hash = to;
    }
    return;
  }
  if (e.key === 'g') pendingG = true;
  else if (e.key === '?') help();
  else if (e.key === '/') {
    const field = main.querySelector('[data-filter]') ?? main.querySelector('input:not([type=checkbox]):not([hidden]), textarea');
    if (field) {
      e.preventDefault();
      field.focus();
    }
  } else if (e.key === 'n') {
    const create = main.querySelector('[data-new]');
    if (create) {
      e.preventDefault();
      create.click();
    }
  }
});

document.getElementById('help-button').addEventListener('click', help);
window.addEventListener('hashchange', route);
void route();
