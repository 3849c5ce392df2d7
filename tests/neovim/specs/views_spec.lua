-- Dynamic views: :CodexView renders a view of examples/lab-notebook as aligned text, <CR> opens
-- a row's note, :CodexSet changes a property through the server's edit, the view follows saved
-- notes, :CodexViews picks a view, boards, and inline ```base blocks.
local T = dofile(vim.env.CODEX_TEST_DIR .. '/helpers.lua')

local EXPERIMENTS = 'views/Experiments.base'
local EXP14 = 'experiments/EXP-014 HEK293 transfection.md'
local EXP12 = 'experiments/EXP-012 Annealing gradient.md'
local EXP11 = 'experiments/EXP-011 Template titration.md'

local function text(buf)
  return table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n')
end

--- The view buffer shown in the current window once its text satisfies `check`.
local function view_text(check, what)
  local buf
  return T.wait(function()
    buf = vim.api.nvim_get_current_buf()
    if vim.bo[buf].filetype ~= 'codexview' then
      return nil
    end
    local t = text(buf)
    return check(t) and t
  end, what, nil, function()
    return ('buffer %s:\n%s'):format(vim.api.nvim_buf_get_name(buf), text(buf))
  end)
end

--- Lines of the group `▸ status: {value} (N)` of `t`, up to the next group heading.
local function group_of(t, value)
  local lines, inside = {}, false
  for _, line in ipairs(vim.split(t, '\n')) do
    if line:find('^▸ ') then
      inside = vim.startswith(line, '▸ status: ' .. value .. ' (')
    elseif inside then
      lines[#lines + 1] = line
    end
  end
  return table.concat(lines, '\n')
end

--- Put the cursor on the first line of the current buffer containing `needle` (plain).
local function cursor_on(needle, col)
  for i, line in ipairs(vim.api.nvim_buf_get_lines(0, 0, -1, false)) do
    local at = line:find(needle, 1, true)
    if at then
      vim.api.nvim_win_set_cursor(0, { i, col or (at - 1) })
      return i
    end
  end
  T.fail(('%q not in the buffer:\n%s'):format(needle, text(0)))
end

local function frontmatter_value(rel, key)
  return T.read(rel):match('\n' .. key .. ':%s*([^\n]*)')
end

-- First case of the spec: the server is not running yet.
T.test(':CodexView run at once on a view file opened first renders it once the server is ready', function()
  vim.cmd.edit(vim.fn.fnameescape(T.path('views/Open tasks.cdx')))
  for _, c in ipairs(vim.lsp.get_clients({ name = 'codex' })) do
    T.ok(not c.initialized, 'the server is still starting')
  end
  vim.cmd('CodexView')
  -- Asked for before the first index run ended, it may first show what was indexed so far.
  view_text(function(s)
    return s:find('^Open tasks · table · %d+ rows') ~= nil and s:find('Miniprep kit decision', 1, true) ~= nil
  end, 'the view computed when the server is ready')
end)

T.test('a .cdx/.base file gets the server and the offer to render; :CodexView renders an aligned table', function()
  local source = T.open(EXPERIMENTS)
  T.eq('yaml.cdx', vim.bo[source].filetype, 'view file filetype')
  local marks = vim.api.nvim_buf_get_extmarks(source, -1, 0, -1, { details = true })
  local hint = ''
  for _, m in ipairs(marks) do
    for _, chunk in ipairs(m[4].virt_text or {}) do
      hint = hint .. chunk[1]
    end
  end
  T.match('gV or :CodexView renders', hint, 'hint at the end of the first line')
  -- The cursor on the second view's name: :CodexView (no argument) renders that view.
  cursor_on('name: By status')
  vim.cmd('CodexView')
  local t = view_text(function(s)
    return s:find('▸ status: done (5)', 1, true) ~= nil
  end, 'the By status table')
  local lines = vim.split(t, '\n')
  T.match('^By status · table · 7 rows$', lines[1], 'title line')
  T.match('^name%s+Date%s+Protocol$', lines[3], 'header')
  -- Columns are aligned: "Date" starts where every row's date starts.
  local date_col = lines[3]:find('Date', 1, true)
  local row = cursor_on('EXP-014 HEK293 transfection')
  local line = vim.api.nvim_buf_get_lines(0, row - 1, row, false)[1]
  T.eq(date_col, line:find('2026-03-12', 1, true), 'date column aligned: ' .. line)
  T.match('Σ 2026%-03%-06', group_of(t, 'done'), 'summary (Latest) of the done group')
  T.match('EXP%-014', group_of(t, 'planned'), 'EXP-014 is planned')
  -- <CR> opens the note of the row.
  vim.api.nvim_feedkeys(vim.keycode('<CR>'), 'x', false)
  T.wait(function()
    return T.rel(vim.api.nvim_buf_get_name(0)) == EXP14
  end, '<CR> opened ' .. EXP14, nil, function()
    return vim.api.nvim_buf_get_name(0)
  end)
end)

T.test('a board shows one column per status; :CodexSet on a card moves it', function()
  T.open(EXPERIMENTS)
  vim.cmd('CodexView Board')
  local t = view_text(function(s)
    return s:find('^Board · board') ~= nil
  end, 'the board')
  local lines = vim.split(t, '\n')
  T.match('^done %(5%)%s+│ planned %(1%)%s+│ running %(1%)$', lines[3], 'board header')
  -- The card of EXP-014 sits in the planned column, under its heading.
  local row = cursor_on('EXP-014 HEK293 transfection')
  local line = vim.api.nvim_buf_get_lines(0, row - 1, row, false)[1]
  T.eq(lines[3]:find('planned', 1, true), line:find('EXP-014', 1, true), 'card under its column: ' .. line)
  -- The property, then its values, complete from what the view shows.
  T.eq({ 'status' }, vim.fn.getcompletion('CodexSet st', 'cmdline'), 'property completion')
  T.eq({ 'done', 'planned', 'running' }, vim.fn.getcompletion('CodexSet status ', 'cmdline'), 'value completion')
  vim.cmd('CodexSet status done')
  view_text(function(s)
    return s:find('done (6)', 1, true) ~= nil and s:find('planned', 1, true) == nil
  end, 'EXP-014 moved to done')
  T.eq('done', frontmatter_value(EXP14, 'status'), 'status on disk')
end)

T.test(':CodexSet on a row sets the note property through the server and the view shows it', function()
  T.open(EXPERIMENTS)
  vim.cmd('CodexView By status')
  view_text(function(s)
    return group_of(s, 'done'):find('EXP-012', 1, true) ~= nil
  end, 'EXP-012 done')
  local view = vim.api.nvim_get_current_buf()
  cursor_on('EXP-012 Annealing gradient', 3)
  vim.cmd('CodexSet status planned')
  local t = view_text(function(s)
    return group_of(s, 'planned'):find('EXP-012', 1, true) ~= nil
  end, 'EXP-012 moved to planned')
  T.ok(not group_of(t, 'done'):find('EXP-012', 1, true), 'no longer done:\n' .. t)
  T.eq(view, vim.api.nvim_get_current_buf(), 'the view stays in its window')
  -- The note changed on disk (the edit was applied and saved), and only the value changed.
  T.eq('planned', frontmatter_value(EXP12, 'status'), 'status on disk')
  T.match('\ntitle: EXP%-012 Annealing gradient\ntype: experiment\ndate: "2026%-03%-03"\nstatus: planned\n', T.read(EXP12), 'rest of the YAML kept')
  -- The edit is undoable in the note's buffer.
  local note = vim.fn.bufnr(T.path(EXP12))
  T.ok(note ~= -1 and not vim.bo[note].modified, 'note buffer loaded and saved')
  vim.api.nvim_buf_call(note, function()
    vim.cmd('silent undo')
  end)
  local row = T.line_of(EXP12, 'status: planned')
  T.eq('status: done', vim.api.nvim_buf_get_lines(note, row, row + 1, false)[1], 'undo restores the value')
end)

T.test('the view refreshes when a note of the notebook is edited and saved', function()
  T.open(EXPERIMENTS)
  vim.cmd('CodexView By status')
  view_text(function(s)
    return group_of(s, 'done'):find('EXP-011', 1, true) ~= nil
  end, 'EXP-011 done')
  local view = vim.api.nvim_get_current_buf()
  -- Edit another note in a split and save it: the visible view follows.
  vim.cmd('split ' .. vim.fn.fnameescape(T.path(EXP11)))
  T.client(0)
  local row = T.line_of(EXP11, 'status: done')
  vim.api.nvim_buf_set_lines(0, row, row + 1, false, { 'status: running' })
  vim.cmd('write')
  T.wait(function()
    return group_of(text(view), 'running'):find('EXP-011', 1, true) ~= nil
  end, 'EXP-011 shown as running after the save', nil, function()
    return text(view)
  end)
  T.match('^By status · table · 7 rows', text(view), 'still 7 rows')
end)

T.test(':CodexViews lists every view through vim.ui.select; a task row opens at its line', function()
  T.open('README.md')
  T.pick = function(_, shown)
    for i, label in ipairs(shown) do
      if label:find('^Open tasks') then
        return i
      end
    end
  end
  vim.cmd('CodexViews')
  local t = view_text(function(s)
    return s:find('^Open tasks · table') ~= nil
  end, 'the Open tasks view')
  local shown = T.selects[1].shown
  local joined = table.concat(shown, '\n')
  for _, name in ipairs({ 'Active by protocol', 'By status', 'Board', 'Open tasks', 'This week' }) do
    T.ok(joined:find(name, 1, true), ('%s offered:\n%s'):format(name, joined))
  end
  T.match('By status  views/Experiments.base %(table, 7 rows%)', joined, 'label with path, type and count')
  local row = cursor_on('Miniprep kit decision')
  T.ok(row > 3, 'task row in ' .. t)
  vim.api.nvim_feedkeys(vim.keycode('<CR>'), 'x', false)
  T.wait(function()
    return T.rel(vim.api.nvim_buf_get_name(0)) == 'projects/Plasmid library screen.md'
  end, 'the task opened its note')
  local want = T.line_of('projects/Plasmid library screen.md', 'Miniprep kit decision')
  T.eq(want + 1, vim.api.nvim_win_get_cursor(0)[1], 'cursor on the task line')
end)

T.test('an inline ```base block shows its row count under it and renders with gV', function()
  T.write('Inline views.md', table.concat({
    '# Inline views',
    '',
    '```base',
    'filters: file.inFolder("experiments")',
    'views:',
    '  - type: table',
    '    name: All experiments',
    '    order: [file.basename, status]',
    '```',
    '',
    'After the block.',
    '',
  }, '\n'))
  local buf = T.open('Inline views.md')
  local shown = T.wait(function()
    return vim.b[buf].codex_inline_views
  end, 'inline view labels')
  T.eq({ 'All experiments: 7 rows' }, shown, 'row count of the block')
  local marks = vim.api.nvim_buf_get_extmarks(buf, -1, 0, -1, { details = true })
  local found
  for _, m in ipairs(marks) do
    local chunk = ((m[4].virt_lines or {})[1] or {})[1]
    if chunk and chunk[1]:find('All experiments: 7 rows', 1, true) then
      found = m
    end
  end
  T.ok(found, 'a virtual line with the count')
  T.eq(8, found[2], 'under the closing fence (0-based line 8)')
  T.match('gV renders it', found[4].virt_lines[1][1][1], 'the key is named')
  vim.api.nvim_win_set_cursor(0, { 5, 0 })
  vim.api.nvim_feedkeys('gV', 'x', false)
  local t = view_text(function(s)
    return s:find('^All experiments · table · 7 rows') ~= nil
  end, 'the inline view rendered')
  T.match('\nname%s+status\n', t, 'its columns')
end)

T.test('inline blocks are numbered as the server numbers them: other fences skipped, list views, errors', function()
  T.write('More inline views.md', table.concat({
    '# More inline views',
    '',
    '```yaml',
    '```base',
    'not a view: inside a yaml fence',
    '```',
    '',
    '    ```base',
    '    indented four spaces: a code block, not a view',
    '    ```',
    '',
    '~~~codex-view',
    'view_type: list',
    'query: file.inFolder("protocols")',
    'config:',
    '  name: Protocols',
    '  columns: [file.basename, file.folder]',
    '~~~',
    '',
    '```base',
    "filters: 'nope(1)'",
    '```',
  }, '\n') .. '\n')
  local buf = T.open('More inline views.md')
  local shown = T.wait(function()
    return vim.b[buf].codex_inline_views
  end, 'inline view labels')
  T.eq(2, #shown, 'two inline views: ' .. vim.inspect(shown))
  T.match('^Protocols: %d+ rows$', shown[1], 'the codex-view block')
  T.match('^error: .*nope', shown[2], 'the broken block shows its error')
  vim.api.nvim_win_set_cursor(0, { 14, 0 })
  vim.api.nvim_feedkeys('gV', 'x', false)
  local t = view_text(function(s)
    return s:find('^Protocols · list') ~= nil
  end, 'the list view')
  T.match('\n• PCR amplification  · protocols\n', t, 'a bullet per note with its other columns')
  -- The broken block renders its error in the view buffer.
  vim.cmd('buffer ' .. buf)
  vim.api.nvim_win_set_cursor(0, { 21, 0 })
  vim.cmd('CodexView')
  view_text(function(s)
    return s:find('error', 1, true) ~= nil and s:find('nope', 1, true) ~= nil
  end, 'the error shown in the view buffer')
end)

T.test('gr recomputes; a hidden view is recomputed when shown again', function()
  T.open(EXPERIMENTS)
  vim.cmd('CodexView By status')
  view_text(function(s)
    return s:find('^By status') ~= nil
  end, 'By status')
  local view = vim.api.nvim_get_current_buf()
  local views = require('codex.views')
  local before = views.state[view].renders
  vim.api.nvim_feedkeys('gr', 'x', false)
  T.wait(function()
    return views.state[view].renders > before
  end, 'gr rendered again')
  -- Hide the view, change a note and save it, show the view again.
  local rel = 'experiments/2026-03-04 PCR optimisation.md'
  vim.cmd('edit ' .. vim.fn.fnameescape(T.path(rel)))
  T.client(0)
  local row = T.line_of(rel, 'status: ')
  vim.api.nvim_buf_set_lines(0, row, row + 1, false, { 'status: planned' })
  vim.cmd('silent write')
  T.wait(function()
    return views.state[view].stale
  end, 'the hidden view marked stale by the change')
  vim.cmd('buffer ' .. view)
  T.wait(function()
    return group_of(text(view), 'planned'):find('PCR optimisation', 1, true) ~= nil
  end, 'shown again with the change', nil, function()
    return text(view)
  end)
end)

T.test('long values are cut at 48 cells with an ellipsis; lists joined; null empty', function()
  local lines = require('codex.view_render').render({
    view = 'V',
    type = 'table',
    columns = { { id = 'a', name = 'A' }, { id = 'b', name = 'B' } },
    rows = { { values = { a = string.rep('é', 100), b = { 'x', 2 } } }, { values = { a = vim.NIL, b = 'y' } } },
    groups = {},
    total = 2,
  })
  T.eq('V · table · 2 rows', lines[1])
  local first = lines[5]
  T.eq(string.rep('é', 47) .. '…  x, 2', first, 'cut value, then the list')
  T.eq(string.rep(' ', 48) .. '  y', lines[6], 'null shown empty, columns aligned')
end)

T.test(':CodexSet values: JSON where it parses, else text', function()
  local parse = require('codex.views').parse_value
  T.eq('done', parse('done'))
  T.eq('in progress', parse(' in progress '))
  T.eq(3, parse('3'))
  T.eq('3', parse('"3"'))
  T.eq(true, parse('true'))
  T.eq(vim.NIL, parse('null'))
  T.eq({ 'a', 'b' }, parse('["a", "b"]'))
  T.eq('{"a": 1}', parse('{"a": 1}'), 'an object stays text (the server refuses objects)')
end)

--- The cells of a calendar line (split at the day separators), trimmed.
local function day_cells(line)
  return vim.tbl_map(vim.trim, vim.split(line, '│', { plain = true }))
end

T.test('a calendar view is a month grid: notes under their day, <CR> opens one, ]m / [m change the month', function()
  T.write('views/Runs calendar.cdx', table.concat({
    "filters: 'file.inFolder(\"experiments\")'",
    'views:',
    '  - type: calendar',
    '    name: Runs',
    '    order: [file.basename, date, status]',
  }, '\n') .. '\n')
  T.open('views/Runs calendar.cdx')
  vim.cmd('CodexView')
  local t = view_text(function(s)
    return s:find('^Runs · calendar · 7 rows') ~= nil
  end, 'the calendar')
  local view = vim.api.nvim_get_current_buf()
  local lines = vim.split(t, '\n')
  -- The month of the latest run (this month has none), its weeks from Monday.
  T.match('^March 2026 · by date: 7 notes · %]m next month, %[m previous$', lines[3], 'title')
  T.eq({ 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun' }, day_cells(lines[5]), 'days as columns')
  -- 2026-03-01 is a Sunday: the first week shows only it.
  T.eq({ '', '', '', '', '', '', '1' }, day_cells(lines[7]), 'the first week')
  --- Line and cell of the note starting with `prefix` under day `day` (a week's notes follow
  --- its line of day numbers, up to the rule).
  local function place(day, prefix)
    local week, column
    for i, line in ipairs(lines) do
      local cells = day_cells(line)
      for c, cell in ipairs(cells) do
        if week == nil and cell == tostring(day) and i > 5 then
          week, column = i, c
        end
      end
      if week and i > week then
        if line:find('^─') then
          return nil
        end
        local cell = (cells[column] or ''):gsub('…$', '')
        if cell ~= '' and vim.startswith(prefix, cell:sub(1, #prefix)) and vim.startswith(cell, prefix:sub(1, #cell)) then
          return i, column
        end
      end
    end
  end
  local runs = {
    { 2, 'EXP-011 Template' },
    { 3, 'EXP-012 Anneali' },
    { 4, '2026-03-04 PCR' },
    { 5, '2026-03-05 Gel' },
    { 6, '2026-03-06 qPCR' },
    { 9, '2026-03-09 Mini' },
    { 12, 'EXP-014 HEK293' },
  }
  for _, run in ipairs(runs) do
    T.ok(place(run[1], run[2]), ('%s under March %d:\n%s'):format(run[2], run[1], t))
  end
  -- Thursday 12: column 4. <CR> on its cell opens the note.
  local row, column = place(12, 'EXP-014 HEK293')
  T.eq(4, column, 'EXP-014 on a Thursday')
  local byte = 0
  for _ = 1, column - 1 do
    byte = lines[row]:find('│', byte + 1, true) + #'│' - 1
  end
  vim.api.nvim_win_set_cursor(0, { row, byte + 2 })
  vim.api.nvim_feedkeys(vim.keycode('<CR>'), 'x', false)
  T.wait(function()
    return T.rel(vim.api.nvim_buf_get_name(0)) == EXP14
  end, '<CR> opened ' .. EXP14, nil, function()
    return vim.api.nvim_buf_get_name(0)
  end)
  -- ]m / [m: the next and previous months (with a count), from the same result.
  vim.cmd('buffer ' .. view)
  vim.api.nvim_feedkeys(']m', 'x', false)
  T.match('^April 2026 · by date: 0 notes', vim.api.nvim_buf_get_lines(view, 2, 3, false)[1], ']m')
  vim.api.nvim_feedkeys('2[m', 'x', false)
  T.match('^February 2026 · by date: 0 notes', vim.api.nvim_buf_get_lines(view, 2, 3, false)[1], '2[m')
  vim.api.nvim_feedkeys(']m', 'x', false)
  T.match('^March 2026 · by date: 7 notes', vim.api.nvim_buf_get_lines(view, 2, 3, false)[1], 'back to March')
  -- The month stays when the view is recomputed.
  vim.api.nvim_feedkeys('[m', 'x', false)
  local views = require('codex.views')
  local before = views.state[view].renders
  vim.api.nvim_feedkeys('gr', 'x', false)
  T.wait(function()
    return views.state[view].renders > before
  end, 'gr rendered again')
  T.match('^February 2026', vim.api.nvim_buf_get_lines(view, 2, 3, false)[1], 'the month kept')
end)

T.test("the lens over an inline block: Open renders its rows, Write results writes them under it (undoable)", function()
  local original = table.concat({
    '# Lensed',
    '',
    '```base',
    'filters: \'file.inFolder("protocols")\'',
    'views:',
    '  - name: Protocols',
    '    order: [file.basename, file.folder]',
    '```',
    '',
    'After the block.',
    '',
  }, '\n')
  T.write('Lensed.md', original)
  local buf = T.open('Lensed.md')
  -- The plugin shows the server's lenses (vim.lsp.codelens); three over the opening fence.
  local titles = T.wait(function()
    local found = {}
    for _, lens in ipairs(vim.lsp.codelens.get(buf)) do
      if lens.command and lens.range.start.line == 2 then
        found[#found + 1] = lens.command.title
      end
    end
    return #found == 3 and found
  end, 'the lenses of the block')
  local protocols = #vim.fn.glob(T.path('protocols') .. '/*.md', false, true)
  T.ok(protocols > 1, 'protocols in the notebook')
  T.eq({ ('%d rows'):format(protocols), 'Open', 'Write results' }, titles, 'lens titles')
  local function run(title)
    T.pick = function(_, shown)
      for i, label in ipairs(shown) do
        if label == title then
          return i
        end
      end
    end
    vim.api.nvim_set_current_buf(buf)
    vim.api.nvim_win_set_cursor(0, { 3, 0 })
    vim.lsp.codelens.run()
  end
  run('Open')
  local t = view_text(function(s)
    return s:find(('^Protocols · table · %d rows'):format(protocols)) ~= nil
  end, 'the block rendered by Open')
  T.match('\nPCR amplification%s+protocols\n', t, 'a protocol')
  run('Write results')
  local written = T.wait(function()
    local text_now = text(buf)
    return text_now:find('<!-- /codex:view -->', 1, true) and text_now
  end, 'the results written under the block')
  local head, rest = written:match('^(.-)\n<!%-%- codex:view inline %-%->\n(.*)$')
  T.eq(original:match('^(.-```\n)'), head, 'everything above kept')
  T.match('^| name | file%.folder |\n|%-%-%-|%-%-%-|\n', rest, 'the table header')
  T.match('| PCR amplification | protocols |', rest, 'a row')
  T.match('<!%-%- /codex:view %-%->\n\nAfter the block.$', rest, 'the text after kept')
  vim.api.nvim_buf_call(buf, function()
    vim.cmd('silent undo')
  end)
  T.eq(original, text(buf) .. '\n', 'one undo restores the note')
end)

T.run('views_spec')
