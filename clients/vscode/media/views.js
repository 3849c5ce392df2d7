// The view editor's webview: draws a view result (table, list, cards, board, calendar) sent by
// the extension and posts the user's actions back (open a note, set a property, pick a view).
// Messages from the extension are checked before use; text is only ever set as textContent.
// @ts-check
(function () {
  'use strict';
  // eslint-disable-next-line no-undef
  const vscode = acquireVsCodeApi();
  const app = /** @type {HTMLElement} */ (document.getElementById('app'));

  /** @type {any} the last render message */
  let shown;
  /** @type {{column: string, dir: number} | undefined} */
  let sort;
  const calendar = { mode: 'month', anchor: /** @type {Date | undefined} */ (undefined), view: '' };

  // -- values ------------------------------------------------------------------------------

  /** @param {unknown} value */
  function text(value) {
    if (value === null || value === undefined) return '';
    if (Array.isArray(value)) return value.map(text).join(', ');
    if (typeof value === 'boolean') return value ? '☑' : '☐';
    if (typeof value === 'object') return JSON.stringify(value);
    return String(value);
  }

  /** @param {string} id */
  function propertyKey(id) {
    if (id.startsWith('note.')) return id.slice(5) || undefined;
    if (/^(file|formula|git|this)\./.test(id) || id.includes('.')) return undefined;
    return id || undefined;
  }

  /** @param {unknown} a @param {unknown} b */
  function compare(a, b) {
    const ea = a === null || a === undefined || a === '';
    const eb = b === null || b === undefined || b === '';
    if (ea || eb) return ea === eb ? 0 : ea ? 1 : -1;
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    return text(a).localeCompare(text(b), undefined, { numeric: true, sensitivity: 'base' });
  }

  const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})/;
  /** @param {unknown} value */
  function dayOf(value) {
    const m = typeof value === 'string' ? ISO_DATE.exec(value) : null;
    return m ? `${m[1]}-${m[2]}-${m[3]}` : undefined;
  }
  /** @param {Date} d */
  function isoDay(d) {
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  }

  /**
   * @template {keyof HTMLElementTagNameMap} K
   * @param {K} tag @param {Record<string, string>} [attrs] @param {(Node | string)[]} [children]
   * @returns {HTMLElementTagNameMap[K]}
   */
  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs ?? {})) node.setAttribute(k, v);
    for (const child of children ?? []) node.append(child);
    return node;
  }

  // -- actions -----------------------------------------------------------------------------

  /** @param {any} row */
  function open(row) {
    vscode.postMessage({ type: 'open', uri: row.uri, ...(typeof row.line === 'number' ? { line: row.line } : {}) });
  }
  /** @param {any} row @param {string} key @param {unknown} value */
  function setProperty(row, key, value) {
    vscode.postMessage({ type: 'setProperty', uri: row.uri, key, value });
  }

  /** @param {any} row */
  function titleOf(row) {
    const v = row.values;
    return text(v['file.basename'] ?? v['file.name'] ?? v.text ?? row.path.replace(/^.*\//, '').replace(/\.md$/, ''));
  }

  /** A link that opens the row's note. @param {any} row @param {string} [label] */
  function noteLink(row, label) {
    const a = el('a', { href: '#', class: 'note', title: row.path }, [label ?? titleOf(row)]);
    a.addEventListener('click', (event) => {
      event.preventDefault();
      open(row);
    });
    return a;
  }

  // -- the cell editor ---------------------------------------------------------------------

  /** The value typed in an editor, as the property's kind wants it. @param {string} raw @param {any} info @param {unknown} old */
  function parseValue(raw, info, old) {
    const kind = info?.kind;
    if (raw === '') return null;
    if (kind === 'number' || (kind === undefined && typeof old === 'number')) {
      const n = Number(raw);
      return Number.isFinite(n) ? n : raw;
    }
    if (kind === 'list' || Array.isArray(old)) return raw.split(',').map((s) => s.trim()).filter(Boolean);
    return raw;
  }

  /** @param {HTMLTableCellElement} cell @param {any} row @param {string} key */
  function editCell(cell, row, key) {
    if (cell.querySelector('input, select')) return;
    const info = shown.properties?.[key];
    const old = row.values[`note.${key}`] ?? row.values[key];
    if (info?.kind === 'boolean' || typeof old === 'boolean') {
      setProperty(row, key, !old);
      return;
    }
    /** @type {HTMLInputElement | HTMLSelectElement} */
    let input;
    if (info?.enum?.length) {
      const select = el('select', { 'aria-label': key });
      const values = [...info.enum];
      if (old !== null && old !== undefined && !values.some((v) => text(v) === text(old))) values.push(old);
      select.append(el('option', { value: '' }, ['']));
      for (const value of values) select.append(el('option', { value: text(value) }, [text(value)]));
      select.value = text(old);
      input = select;
    } else if (info?.kind === 'date') {
      input = el('input', { type: 'date', 'aria-label': key });
      input.value = dayOf(old) ?? '';
    } else if (info?.kind === 'number' || typeof old === 'number') {
      input = el('input', { type: 'number', 'aria-label': key, step: 'any' });
      input.value = text(old);
    } else {
      input = el('input', { type: 'text', 'aria-label': key });
      input.value = text(old);
    }
    const before = Array.from(cell.childNodes);
    let done = false;
    const finish = (/** @type {boolean} */ commit) => {
      if (done) return;
      done = true;
      if (commit) {
        const enumValue = info?.enum?.find((/** @type {unknown} */ v) => text(v) === input.value);
        const value = enumValue !== undefined ? enumValue : parseValue(input.value, info, old);
        if (JSON.stringify(value) !== JSON.stringify(old ?? null)) {
          setProperty(row, key, value);
          cell.replaceChildren(text(value));
          cell.classList.add('pending');
          cell.focus();
          return;
        }
      }
      cell.replaceChildren(...before);
      cell.focus();
    };
    const close = (/** @type {boolean} */ commit) => {
      finish(commit);
      if (deferred) draw();
    };
    input.addEventListener('keydown', (event) => {
      event.stopPropagation();
      if (event.key === 'Enter') close(true);
      else if (event.key === 'Escape') close(false);
    });
    if (input instanceof HTMLSelectElement) input.addEventListener('change', () => close(true));
    input.addEventListener('blur', () => close(true));
    cell.replaceChildren(input);
    input.focus();
  }

  // -- table ---------------------------------------------------------------------------------

  /** @param {any} result */
  function sortedGroups(result) {
    const groups = result.groups?.length ? result.groups : [{ key: undefined, rows: result.rows.map((/** @type {any} */ _, /** @type {number} */ i) => i) }];
    if (!sort) return groups;
    const { column, dir } = sort;
    return groups.map((/** @type {any} */ g) => ({
      ...g,
      rows: [...g.rows].sort((a, b) => dir * compare(result.rows[a].values[column], result.rows[b].values[column])),
    }));
  }

  /** @param {any} result */
  function drawTable(result) {
    const table = el('table', { class: 'grid', role: 'grid', 'aria-rowcount': String(result.rows.length) });
    const head = el('tr');
    for (const column of result.columns) {
      const state = sort?.column === column.id ? (sort.dir > 0 ? 'ascending' : 'descending') : 'none';
      const button = el('button', { class: 'sort', title: `Sort by ${column.name}` }, [column.name, el('span', { class: 'arrow' }, [state === 'ascending' ? ' ▲' : state === 'descending' ? ' ▼' : ''])]);
      button.addEventListener('click', () => {
        sort = sort?.column === column.id ? { column: column.id, dir: -sort.dir } : { column: column.id, dir: 1 };
        draw();
        /** @type {HTMLElement | null} */ (app.querySelector(`th[data-column="${CSS.escape(column.id)}"] button`))?.focus();
      });
      head.append(el('th', { 'aria-sort': state, 'data-column': column.id, scope: 'col' }, [button]));
    }
    table.append(el('thead', {}, [head]));
    const summaryRow = (/** @type {Record<string, unknown>} */ summaries, /** @type {string} */ cls) => {
      const tr = el('tr', { class: cls });
      for (const column of result.columns) tr.append(el('td', {}, [summaries[column.id] === undefined ? '' : text(summaries[column.id])]));
      return tr;
    };
    for (const group of sortedGroups(result)) {
      const body = el('tbody');
      if (group.key !== undefined) {
        const label = group.key === null || group.key === '' ? '(none)' : text(group.key);
        body.append(el('tr', { class: 'group' }, [el('th', { colspan: String(result.columns.length), scope: 'rowgroup' }, [label, el('span', { class: 'count' }, [` ${group.rows.length}`])])]));
      }
      for (const index of group.rows) {
        const row = result.rows[index];
        const tr = el('tr', { class: 'row', 'data-uri': row.uri });
        result.columns.forEach((/** @type {any} */ column, /** @type {number} */ c) => {
          const key = propertyKey(column.id);
          const editable = key !== undefined && typeof row.line !== 'number';
          const td = el('td', { role: 'gridcell', tabindex: '-1', 'data-column': column.id, ...(editable ? { 'data-editable': key } : {}) });
          if (c === 0) td.append(noteLink(row, text(row.values[column.id]) || titleOf(row)));
          else td.append(text(row.values[column.id]));
          if (editable) {
            td.title = 'Double-click or Enter to edit';
            td.addEventListener('dblclick', () => editCell(td, row, key));
          }
          tr.append(td);
        });
        body.append(tr);
      }
      if (group.summaries && Object.keys(group.summaries).length) body.append(summaryRow(group.summaries, 'summary'));
      table.append(body);
    }
    if (result.summaries && Object.keys(result.summaries).length) table.append(el('tfoot', {}, [summaryRow(result.summaries, 'summary total')]));
    table.addEventListener('keydown', (event) => gridKey(event, table));
    const first = table.querySelector('td[role=gridcell]');
    if (first) first.setAttribute('tabindex', '0');
    return table;
  }

  /** Arrow keys move between cells; Enter opens the note (first column) or edits the cell. @param {KeyboardEvent} event @param {HTMLTableElement} table */
  function gridKey(event, table) {
    const cell = /** @type {HTMLElement} */ (event.target);
    if (!(cell instanceof HTMLTableCellElement) || cell.getAttribute('role') !== 'gridcell') return;
    const rows = Array.from(table.querySelectorAll('tr.row'));
    const tr = /** @type {HTMLTableRowElement} */ (cell.parentElement);
    const r = rows.indexOf(tr);
    const c = Array.from(tr.children).indexOf(cell);
    let target;
    if (event.key === 'ArrowDown') target = rows[r + 1]?.children[c];
    else if (event.key === 'ArrowUp') target = rows[r - 1]?.children[c];
    else if (event.key === 'ArrowRight') target = tr.children[c + 1];
    else if (event.key === 'ArrowLeft') target = tr.children[c - 1];
    else if (event.key === 'Home') target = tr.children[0];
    else if (event.key === 'End') target = tr.children[tr.children.length - 1];
    else if (event.key === 'Enter' || event.key === 'F2') {
      event.preventDefault();
      const key = cell.dataset.editable;
      const row = rowOf(tr);
      if (!row) return;
      if (c === 0 || !key) open(row);
      else editCell(/** @type {HTMLTableCellElement} */ (cell), row, key);
      return;
    }
    if (target instanceof HTMLElement) {
      event.preventDefault();
      cell.setAttribute('tabindex', '-1');
      target.setAttribute('tabindex', '0');
      target.focus();
    }
  }

  /** @param {HTMLElement} node */
  function rowOf(node) {
    const uri = node.closest('[data-uri]')?.getAttribute('data-uri');
    return shown.result.rows.find((/** @type {any} */ r) => r.uri === uri);
  }

  // -- list and cards ------------------------------------------------------------------------

  /** @param {any} result @param {any} row */
  function details(result, row) {
    return result.columns
      .slice(1)
      .map((/** @type {any} */ c) => [c.name, text(row.values[c.id])])
      .filter((/** @type {string[]} */ [, v]) => v !== '');
  }

  /** @param {any} result */
  function drawList(result) {
    const list = el('ul', { class: 'list' });
    for (const row of result.rows) {
      const item = el('li', { 'data-uri': row.uri }, [noteLink(row, text(row.values[result.columns[0]?.id]) || titleOf(row))]);
      const rest = details(result, row);
      if (rest.length) item.append(el('span', { class: 'details' }, [rest.map((/** @type {string[]} */ [, v]) => v).join(' · ')]));
      list.append(item);
    }
    return list;
  }

  /** @param {any} result @param {any} row */
  function card(result, row) {
    const node = el('div', { class: 'card', tabindex: '0', 'data-uri': row.uri }, [el('div', { class: 'title' }, [noteLink(row, text(row.values[result.columns[0]?.id]) || titleOf(row))])]);
    const dl = el('dl');
    for (const [name, value] of details(result, row)) dl.append(el('dt', {}, [name]), el('dd', {}, [value]));
    if (dl.childElementCount) node.append(dl);
    node.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && event.target === node) open(row);
    });
    return node;
  }

  /** @param {any} result */
  function drawCards(result) {
    return el('div', { class: 'cards' }, result.rows.map((/** @type {any} */ row) => card(result, row)));
  }

  // -- board ----------------------------------------------------------------------------------

  /** The board's columns: the schema's values in order, then any other value seen. @param {any} result */
  function boardColumns(result) {
    const key = result.groupBy ? propertyKey(result.groupBy) : undefined;
    const declared = (key && shown.properties?.[key]?.enum) || [];
    /** @type {unknown[]} */
    const values = [...declared];
    for (const group of result.groups ?? []) if (!values.some((v) => text(v) === text(group.key))) values.push(group.key);
    return { key, values };
  }

  /** @param {any} row @param {unknown} value */
  function moveCard(row, value) {
    const { key } = boardColumns(shown.result);
    if (!key) return false;
    const target = app.querySelector(`.column[data-value="${CSS.escape(text(value))}"] .cards-in`);
    const node = app.querySelector(`.card[data-uri="${CSS.escape(row.uri)}"]`);
    if (target && node) {
      target.append(node);
      node.classList.add('pending');
    }
    setProperty(row, key, value === '' ? null : value);
    return true;
  }

  /** @param {any} result */
  function drawBoard(result) {
    const { key, values } = boardColumns(result);
    if (!key) return el('p', { class: 'empty' }, ['A board needs groupBy: a note property (its values are the columns).']);
    const board = el('div', { class: 'board' });
    values.forEach((value, c) => {
      const rows = (result.groups ?? []).filter((/** @type {any} */ g) => text(g.key) === text(value)).flatMap((/** @type {any} */ g) => g.rows);
      const label = value === null || value === '' ? '(none)' : text(value);
      const column = el('section', { class: 'column', 'data-value': text(value), 'aria-label': label }, [
        el('h3', {}, [label, el('span', { class: 'count' }, [` ${rows.length}`])]),
      ]);
      const holder = el('div', { class: 'cards-in' });
      for (const index of rows) {
        const row = result.rows[index];
        const node = card(result, row);
        node.draggable = true;
        node.title = 'Drag to another column, or Alt+←/→';
        node.addEventListener('dragstart', (event) => {
          event.dataTransfer?.setData('application/x-codex-row', row.uri);
          if (event.dataTransfer) event.dataTransfer.effectAllowed = 'move';
        });
        node.addEventListener('keydown', (event) => {
          if (!event.altKey || (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight')) return;
          const next = values[c + (event.key === 'ArrowRight' ? 1 : -1)];
          if (next === undefined) return;
          event.preventDefault();
          moveCard(row, next);
          node.focus();
        });
        holder.append(node);
      }
      column.append(holder);
      column.addEventListener('dragover', (event) => {
        event.preventDefault();
        column.classList.add('over');
      });
      column.addEventListener('dragleave', () => column.classList.remove('over'));
      column.addEventListener('drop', (event) => {
        event.preventDefault();
        column.classList.remove('over');
        const uri = event.dataTransfer?.getData('application/x-codex-row');
        const row = shown.result.rows.find((/** @type {any} */ r) => r.uri === uri);
        if (row) moveCard(row, value);
      });
      board.append(column);
    });
    return board;
  }

  // -- calendar -------------------------------------------------------------------------------

  /** The column that places notes: a date property, else the first column holding dates. @param {any} result */
  function dateColumn(result) {
    for (const column of result.columns) {
      const key = propertyKey(column.id);
      if (key && shown.properties?.[key]?.kind === 'date') return column.id;
    }
    return result.columns.find((/** @type {any} */ c) => result.rows.some((/** @type {any} */ r) => dayOf(r.values[c.id])))?.id;
  }

  /** @param {any} result */
  function drawCalendar(result) {
    const column = dateColumn(result);
    if (!column) return el('p', { class: 'empty' }, ['A calendar needs a date column (a property holding dates).']);
    /** @type {Map<string, any[]>} */
    const byDay = new Map();
    for (const row of result.rows) {
      const day = dayOf(row.values[column]);
      if (day) byDay.set(day, [...(byDay.get(day) ?? []), row]);
    }
    if (!calendar.anchor || calendar.view !== result.view) {
      // Today's month when it has notes, else the month of the latest note (a notebook's
      // past is more useful than an empty month).
      const today = isoDay(new Date());
      const days = [...byDay.keys()].sort();
      const latest = days[days.length - 1];
      const hasThisMonth = days.some((d) => d.slice(0, 7) === today.slice(0, 7));
      calendar.anchor = new Date(`${hasThisMonth || !latest ? today : latest}T00:00:00`);
      calendar.view = result.view;
    }
    const anchor = calendar.anchor;
    const monday = (/** @type {Date} */ d) => {
      const m = new Date(d);
      m.setDate(d.getDate() - ((d.getDay() + 6) % 7));
      return m;
    };
    let start;
    let end;
    if (calendar.mode === 'week') {
      start = monday(anchor);
      end = new Date(start);
      end.setDate(start.getDate() + 6);
    } else {
      start = monday(new Date(anchor.getFullYear(), anchor.getMonth(), 1));
      const last = new Date(anchor.getFullYear(), anchor.getMonth() + 1, 0);
      end = monday(last);
      end.setDate(end.getDate() + 6);
    }
    const title =
      calendar.mode === 'week'
        ? `Week of ${isoDay(start)}`
        : anchor.toLocaleDateString(undefined, { month: 'long', year: 'numeric' });
    const step = (/** @type {number} */ n) => {
      const d = new Date(anchor);
      if (calendar.mode === 'week') d.setDate(d.getDate() + 7 * n);
      else d.setMonth(d.getMonth() + n, 1);
      calendar.anchor = d;
      draw();
    };
    const button = (/** @type {string} */ label, /** @type {string} */ name, /** @type {() => void} */ action, /** @type {boolean} */ pressed = false) => {
      const b = el('button', { 'aria-label': name, ...(pressed ? { 'aria-pressed': 'true' } : {}) }, [label]);
      b.addEventListener('click', action);
      return b;
    };
    const bar = el('div', { class: 'calendar-bar' }, [
      button('‹', 'Previous', () => step(-1)),
      el('h3', { class: 'calendar-title' }, [title]),
      button('›', 'Next', () => step(1)),
      button('Today', 'Today', () => {
        calendar.anchor = new Date();
        draw();
      }),
      button('Month', 'Month view', () => {
        calendar.mode = 'month';
        draw();
      }, calendar.mode === 'month'),
      button('Week', 'Week view', () => {
        calendar.mode = 'week';
        draw();
      }, calendar.mode === 'week'),
    ]);
    const grid = el('div', { class: `calendar ${calendar.mode}`, role: 'grid' });
    for (const name of ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']) grid.append(el('div', { class: 'weekday', role: 'columnheader' }, [name]));
    const today = isoDay(new Date());
    for (const d = new Date(start); d <= end; d.setDate(d.getDate() + 1)) {
      const day = isoDay(d);
      const outside = calendar.mode === 'month' && d.getMonth() !== anchor.getMonth();
      const cell = el('div', { class: `day${outside ? ' outside' : ''}${day === today ? ' today' : ''}`, role: 'gridcell', 'data-date': day }, [el('div', { class: 'date' }, [String(d.getDate())])]);
      for (const row of byDay.get(day) ?? []) cell.append(el('div', { class: 'event', 'data-uri': row.uri }, [noteLink(row)]));
      grid.append(cell);
    }
    return el('div', {}, [bar, grid]);
  }

  // -- the page ---------------------------------------------------------------------------------

  function tabs() {
    const bar = el('div', { class: 'tabs', role: 'tablist' });
    shown.views.forEach((/** @type {string} */ name, /** @type {number} */ i) => {
      const selected = name === shown.active;
      const tab = el('button', { role: 'tab', 'aria-selected': String(selected), tabindex: selected ? '0' : '-1' }, [name]);
      tab.addEventListener('click', () => selectView(name));
      tab.addEventListener('keydown', (event) => {
        const delta = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
        if (!delta) return;
        const next = shown.views[(i + delta + shown.views.length) % shown.views.length];
        selectView(next);
      });
      bar.append(tab);
    });
    return bar;
  }

  /** @param {string} name */
  function selectView(name) {
    sort = undefined;
    vscode.postMessage({ type: 'selectView', view: name });
  }

  const DRAW = { table: drawTable, list: drawList, cards: drawCards, board: drawBoard, calendar: drawCalendar };

  /** A render that came while a cell editor was open: drawn when it closes. */
  let deferred = false;

  /** Where the keyboard focus is, as something to find again after a redraw. */
  function focusKey() {
    const active = document.activeElement;
    if (!(active instanceof HTMLElement) || !app.contains(active)) return undefined;
    const cell = focusedCell();
    if (cell) return `tr.row[data-uri="${CSS.escape(cell.uri ?? '')}"] td[data-column="${CSS.escape(cell.column ?? '')}"]`;
    if (active.classList.contains('card')) return `.card[data-uri="${CSS.escape(active.getAttribute('data-uri') ?? '')}"]`;
    if (active.getAttribute('role') === 'tab') return '[role=tab][aria-selected=true]';
    return undefined;
  }

  function draw() {
    if (!shown) return;
    // Redrawing would close the editor and lose what is being typed: the update waits for it.
    if (cellEditor()) {
      deferred = true;
      return;
    }
    deferred = false;
    const focus = focusKey();
    const parts = [tabs()];
    if (shown.error) parts.push(el('p', { class: 'error', role: 'alert' }, [shown.error]));
    const result = shown.result;
    if (result) {
      const count = result.total > result.rows.length ? `${result.rows.length} of ${result.total} rows` : `${result.total} row${result.total === 1 ? '' : 's'}`;
      parts.push(el('div', { class: 'meta' }, [el('span', { class: 'type' }, [result.type]), el('span', { class: 'row-count' }, [count])]));
      const drawer = DRAW[/** @type {keyof typeof DRAW} */ (result.type)] ?? drawTable;
      parts.push(el('div', { class: `view view-${result.type}` }, [drawer(result)]));
    }
    app.replaceChildren(...parts);
    // The focus stays where it was (the same note's cell or card), so that keyboard
    // navigation goes on through updates.
    const again = focus ? /** @type {HTMLElement | null} */ (app.querySelector(focus)) : null;
    if (again) {
      if (again.getAttribute('role') === 'gridcell') {
        app.querySelector('td[role=gridcell][tabindex="0"]')?.setAttribute('tabindex', '-1');
        again.setAttribute('tabindex', '0');
      }
      again.focus();
    }
  }

  // -- what the tests read --------------------------------------------------------------------

  /** @param {Element} root @param {string} selector */
  const texts = (root, selector) => Array.from(root.querySelectorAll(selector)).map((n) => (n.textContent ?? '').trim());

  function renderedState() {
    return {
      tabs: texts(app, '[role=tab]'),
      active: texts(app, '[role=tab][aria-selected=true]')[0],
      type: texts(app, '.meta .type')[0],
      count: texts(app, '.row-count')[0],
      error: texts(app, '.error')[0],
      headers: texts(app, 'thead th'),
      rows: Array.from(app.querySelectorAll('tr.row')).map((tr) => texts(tr, 'td')),
      groups: texts(app, 'tr.group th'),
      summaries: Array.from(app.querySelectorAll('tr.summary')).map((tr) => texts(tr, 'td')),
      list: texts(app, 'ul.list > li'),
      cards: texts(app, '.cards .card .title'),
      board: Array.from(app.querySelectorAll('.board .column')).map((c) => ({ column: c.getAttribute('data-value'), cards: texts(c, '.card .title') })),
      calendar: app.querySelector('.calendar')
        ? {
            mode: calendar.mode,
            title: texts(app, '.calendar-title')[0],
            days: Array.from(app.querySelectorAll('.calendar .day')).filter((d) => d.querySelector('.event')).map((d) => ({ date: d.getAttribute('data-date'), notes: texts(d, '.event') })),
          }
        : undefined,
      focus: document.activeElement?.textContent?.trim(),
      focused: focusedCell(),
      rowUris: Array.from(app.querySelectorAll('tr.row')).map((tr) => tr.getAttribute('data-uri')),
      editor: cellEditor(),
    };
  }

  /** The table cell that has the focus: its row's note and its column. */
  function focusedCell() {
    const cell = document.activeElement;
    if (!(cell instanceof HTMLTableCellElement) || cell.getAttribute('role') !== 'gridcell') return undefined;
    return { uri: cell.closest('tr.row')?.getAttribute('data-uri'), column: cell.getAttribute('data-column') };
  }

  /** The open cell editor: its kind and choices. */
  function cellEditor() {
    const input = app.querySelector('td input, td select');
    if (!input) return undefined;
    if (input instanceof HTMLSelectElement) return { kind: 'select', value: input.value, options: Array.from(input.options).map((o) => o.value) };
    return { kind: /** @type {HTMLInputElement} */ (input).type, value: /** @type {HTMLInputElement} */ (input).value };
  }

  /** Checks a message from the extension; anything else is dropped. @param {any} data */
  function valid(data) {
    if (!data || typeof data !== 'object' || typeof data.type !== 'string') return false;
    if (data.type === 'render') {
      if (!Array.isArray(data.views) || !data.views.every((/** @type {unknown} */ v) => typeof v === 'string')) return false;
      if (typeof data.properties !== 'object' || data.properties === null) return false;
      const r = data.result;
      if (r === undefined) return typeof data.error === 'string';
      return typeof r === 'object' && Array.isArray(r.columns) && Array.isArray(r.rows) && typeof r.total === 'number' && r.rows.every((/** @type {any} */ row) => row && typeof row.uri === 'string' && typeof row.values === 'object');
    }
    if (data.type === 'test.state') return typeof data.id === 'number';
    if (data.type === 'test.editCell') return typeof data.uri === 'string' && typeof data.column === 'string' && (data.value === undefined || typeof data.value === 'string');
    if (data.type === 'test.moveCard') return typeof data.uri === 'string';
    if (data.type === 'test.selectView') return typeof data.view === 'string';
    if (data.type === 'test.cancelEdit') return true;
    if (data.type === 'test.sort') return typeof data.column === 'string';
    if (data.type === 'test.calendar') return data.mode === 'month' || data.mode === 'week';
    if (data.type === 'test.focusCell') return typeof data.uri === 'string' && typeof data.column === 'string';
    if (data.type === 'test.key') return typeof data.key === 'string';
    return false;
  }

  window.addEventListener('message', (event) => {
    const data = event.data;
    if (!valid(data)) return;
    switch (data.type) {
      case 'render':
        shown = data;
        draw();
        break;
      case 'test.state':
        vscode.postMessage({ type: 'test.reply', id: data.id, state: renderedState() });
        break;
      case 'test.editCell': {
        // What typing a value into the cell's editor and pressing Enter does.
        const cell = app.querySelector(`tr.row[data-uri="${CSS.escape(data.uri)}"] td[data-column="${CSS.escape(data.column)}"]`);
        const row = cell && rowOf(/** @type {HTMLElement} */ (cell));
        const key = cell instanceof HTMLTableCellElement ? cell.dataset.editable : undefined;
        if (!row || !key || !(cell instanceof HTMLTableCellElement)) break;
        editCell(cell, row, key);
        const input = /** @type {HTMLInputElement | HTMLSelectElement | null} */ (cell.querySelector('input, select'));
        // Without a value the editor stays open (the test reads it, then sends Escape).
        if (!input || data.value === undefined) break;
        input.value = data.value;
        input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }));
        break;
      }
      case 'test.cancelEdit': {
        app.querySelector('td input, td select')?.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }));
        break;
      }
      case 'test.moveCard': {
        // What dragging the card onto the column does: the same drag and drop events.
        const node = app.querySelector(`.board .card[data-uri="${CSS.escape(data.uri)}"]`);
        const column = app.querySelector(`.board .column[data-value="${CSS.escape(String(data.to))}"]`);
        if (!node || !column) break;
        const transfer = new DataTransfer();
        node.dispatchEvent(new DragEvent('dragstart', { dataTransfer: transfer, bubbles: true }));
        column.dispatchEvent(new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }));
        column.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
        node.dispatchEvent(new DragEvent('dragend', { dataTransfer: transfer, bubbles: true }));
        break;
      }
      case 'test.selectView':
        /** @type {HTMLElement | undefined} */ (Array.from(app.querySelectorAll('[role=tab]')).find((t) => t.textContent === data.view))?.click();
        break;
      case 'test.sort':
        /** @type {HTMLElement | null} */ (app.querySelector(`th[data-column="${CSS.escape(data.column)}"] button`))?.click();
        break;
      case 'test.focusCell':
        /** @type {HTMLElement | null} */ (app.querySelector(`tr.row[data-uri="${CSS.escape(data.uri)}"] td[data-column="${CSS.escape(data.column)}"]`))?.focus();
        break;
      case 'test.key':
        // What the user's key does where the focus is.
        (document.activeElement ?? document.body).dispatchEvent(new KeyboardEvent('keydown', { key: data.key, bubbles: true, cancelable: true }));
        break;
      case 'test.calendar':
        /** @type {HTMLElement | null} */ (app.querySelector(`.calendar-bar [aria-label="${data.mode === 'week' ? 'Week view' : 'Month view'}"]`))?.click();
        break;
    }
  });

  vscode.postMessage({ type: 'ready' });
})();
