/**
 * @module console/pages/partiql
 * The PartiQL editor: ExecuteStatement, the answer's items as a table,
 * NextToken paging both ways (tokens of pages seen are kept), and the
 * statements run in this session to pick from again.
 */
import { h, fill, busy, dataTable } from '../dom.js';
import { call } from '../api.js';
import { show } from '../values.js';

const HISTORY_KEY = 'openddb.console.partiql';

export function render(el) {
  const editor = h('textarea', { name: 'statement', class: 'mono', rows: 6, spellcheck: 'false', 'aria-label': 'PartiQL statement', placeholder: 'SELECT * FROM "my-table" WHERE pk = \'a\'' });
  editor.value = sessionStorage.getItem(`${HISTORY_KEY}.last`) ?? '';
  const consistent = h('input', { type: 'checkbox', name: 'consistent' });
  const limit = h('input', { type: 'number', min: 1, name: 'limit', placeholder: 'no limit', 'aria-label': 'Limit', style: 'width:8em' });
  const errorSlot = h('div');
  const results = h('div');
  const historyList = h('div');
  const run = h('button', { type: 'submit', class: 'primary', 'data-run': true, title: 'Ctrl+Enter' }, 'Run');
  const state = { tokens: [undefined], page: 0, statement: '' };
  el.append(
    h('h1', {}, 'PartiQL editor'),
    h('form', { class: 'panel stack', onsubmit: (e) => { e.preventDefault(); void start(); } },
      editor,
      h('div', { class: 'row' }, run, h('label', { class: 'inline' }, consistent, 'Strongly consistent'), h('label', {}, 'Limit', limit), h('span', { class: 'muted' }, 'Ctrl+Enter runs')),
      errorSlot),
    results,
    historyList);
  showHistory();

  async function start() {
    state.statement = editor.value.trim();
    state.tokens = [undefined];
    state.page = 0;
    if (!state.statement) return;
    sessionStorage.setItem(`${HISTORY_KEY}.last`, state.statement);
    remember(state.statement);
    await load();
  }

  async function load() {
    const input = { Statement: state.statement };
    if (consistent.checked) input.ConsistentRead = true;
    if (limit.value) input.Limit = Number(limit.value);
    const token = state.tokens[state.page];
    if (token) input.NextToken = token;
    await busy(run, errorSlot, async () => {
      const started = performance.now();
      const answer = await call('ExecuteStatement', input);
      const ms = performance.now() - started;
      if (answer.NextToken) state.tokens[state.page + 1] = answer.NextToken;
      else state.tokens.length = state.page + 1;
      const items = answer.Items ?? [];
      const names = [];
      for (const it of items) for (const n of Object.keys(it)) if (!names.includes(n)) names.push(n);
      const prev = h('button', { type: 'button', disabled: state.page === 0, onclick: () => { state.page--; void load(); } }, '← Previous');
      const next = h('button', { type: 'button', disabled: !answer.NextToken, onclick: () => { state.page++; void load(); } }, 'Next →');
      fill(results,
        h('div', { class: 'row', style: 'margin-bottom:8px' },
          h('strong', { 'data-result-count': items.length }, `${items.length} item${items.length === 1 ? '' : 's'}`),
          h('span', { class: 'muted' }, `${ms.toFixed(1)} ms · page ${state.page + 1}`), h('span', { class: 'spacer' }), prev, next),
        names.length ? dataTable(names.map((n) => ({ label: n, value: (it) => (it[n] === undefined ? '' : show(it[n])) })), items, { label: 'Statement results' })
          : h('p', { class: 'muted' }, items.length ? '' : 'The statement ran; it returned no items.'));
    });
  }

  function history() {
    try {
      return JSON.parse(sessionStorage.getItem(HISTORY_KEY) ?? '[]');
    } catch {
      return [];
    }
  }

  function remember(statement) {
    const list = [statement, ...history().filter((s) => s !== statement)].slice(0, 20);
    sessionStorage.setItem(HISTORY_KEY, JSON.stringify(list));
    showHistory();
  }

  function showHistory() {
    const list = history();
    fill(historyList, list.length ? [h('h2', {}, 'This session'), h('ul', {}, list.map((s) => h('li', {}, h('a', { href: '#/partiql', class: 'mono', onclick: (e) => { e.preventDefault(); editor.value = s; editor.focus(); } }, s))))] : null);
  }
  editor.focus();
}
