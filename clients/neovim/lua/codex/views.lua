--- Dynamic views (docs/views.md) in Neovim: :CodexView renders a view (`codex.query`) into a
--- scratch buffer as aligned text, :CodexViews picks one of the notebook's views
--- (`codex.views`), :CodexSet changes a property of the row under the cursor
--- (`codex.setProperty`), and inline ```base / ```codex-view blocks get a virtual line with
--- their row count; the server's "Open" lens over such a block (`codex.openInlineView`)
--- renders it. A calendar view is a month grid; ]m / [m show the next / previous month.
---
--- A view buffer follows the notebook: it is recomputed when the server re-publishes the
--- diagnostics of a buffer of the notebook (it does so for every open document after each index
--- update: a saved note, a file changed on disk) and when an index run ends ($/progress end),
--- while it is shown in a window; a hidden one is recomputed when it is shown again.
local client = require('codex.client')
local render = require('codex.view_render')
local ui = require('codex.ui')

local M = {}

local notify = client.notify

--- Key rendering the view under the cursor in view files and notes with inline views.
M.render_key = 'gV'

--- Fence infos of inline views (as in Obsidian).
local INLINE_LANGS = { base = true, ['codex-view'] = true }

--- Wait before recomputing after a change: bursts of publications become one query.
local REFRESH_DELAY_MS = 80

local ns = vim.api.nvim_create_namespace('codex_views')

--- Per view buffer: its source {uri, view?, block?}; `rows`, the row shown on each line (a
--- list of {from, to, row} byte spans on board lines); the last `result`; `seq` of the latest
--- query (older answers are dropped); `stale` when a change came while it was hidden; `timer`
--- while a refresh is pending; `renders`, how many times it was drawn; `month`, the month a
--- calendar shows ({year, month}).
--- @type table<integer, table>
M.state = {}

-- Values -------------------------------------------------------------------------------------

--- A command argument as a property value: JSON where it parses (numbers, true, false, null,
--- lists, "quoted text"), else the text itself.
--- @param text string
--- @return any
function M.parse_value(text)
  text = vim.trim(text or '')
  local ok, value = pcall(vim.json.decode, text, { luanil = { object = true, array = true } })
  if ok and (type(value) ~= 'table' or vim.islist(value)) then
    return value == nil and vim.NIL or value
  end
  return text
end

-- View buffers ------------------------------------------------------------------------------

local function source_label(source)
  local label = client.display_path(vim.uri_to_fname(source.uri))
  if source.block then
    label = ('%s[%d]'):format(label, source.block)
  end
  if source.view then
    label = label .. '#' .. source.view
  end
  return label
end

--- The codex client serving `uri` (the one whose root holds it, else any).
local function client_for(uri)
  local name = vim.fs.normalize(vim.uri_to_fname(uri))
  local clients = vim.lsp.get_clients({ name = client.name })
  for _, c in ipairs(clients) do
    local root = c.root_dir and vim.fs.normalize(c.root_dir)
    if root and vim.startswith(name, root .. '/') then
      return c
    end
  end
  return clients[1]
end

--- Run a server command for a file of a notebook on the codex client serving it;
--- `on_done(result, err)` with the server's message on failure.
local function request(uri, command, arg, on_done)
  local c = client_for(uri)
  if not c then
    return on_done(nil, 'no codex-lsp server is running (open a note of the notebook)')
  elseif not c.initialized then
    -- The view is recomputed when the server's first index run ends.
    return on_done(nil, 'the codex-lsp server is starting')
  end
  if not client.supports(c, command) then
    return on_done(nil, ('the server (%s) does not offer %s; update codex-lsp'):format(client.describe(c), command))
  end
  local params = { command = command, arguments = { arg } }
  client.call(c, 'request', 'workspace/executeCommand', params, function(err, result)
    if err then
      on_done(nil, err.message or vim.inspect(err))
    else
      on_done(result, nil)
    end
  end)
end

--- Run codex.query for a view source.
local function query(source, on_done)
  request(source.uri, 'codex.query', { uri = source.uri, view = source.view, block = source.block }, on_done)
end

--- The row under the cursor of a view buffer (nil on headings and blank lines).
--- @param buf? integer
--- @return table?
function M.row_at_cursor(buf)
  buf = buf or vim.api.nvim_get_current_buf()
  local state = M.state[buf]
  if not state then
    return nil
  end
  local win = vim.fn.bufwinid(buf)
  local cursor = vim.api.nvim_win_get_cursor(win ~= -1 and win or 0)
  local entry = state.rows[cursor[1]]
  if entry and entry.values == nil and vim.islist(entry) then
    for _, span in ipairs(entry) do
      if cursor[2] >= span.from and cursor[2] < span.to then
        return span.row
      end
    end
    return nil
  end
  return entry
end

local function fill(buf, lines)
  local bo = vim.bo[buf]
  bo.modifiable = true
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  bo.modifiable = false
  bo.modified = false
end

--- Recompute a view buffer now.
--- @param buf integer
function M.refresh(buf)
  local state = M.state[buf]
  if not state or not vim.api.nvim_buf_is_valid(buf) then
    return
  end
  state.stale = false
  state.seq = state.seq + 1
  local seq = state.seq
  query(state.source, function(result, err)
    if not vim.api.nvim_buf_is_valid(buf) or M.state[buf] ~= state or state.seq ~= seq then
      return -- a newer refresh answers instead
    end
    local lines, rows
    if err then
      lines, rows = { ('%s · error'):format(source_label(state.source)), '', err }, {}
    else
      local shown
      lines, rows, shown = render.render(result, { month = state.month })
      state.month = shown.month
    end
    state.result, state.rows = result, rows
    fill(buf, lines)
    state.renders = (state.renders or 0) + 1
    pcall(vim.api.nvim_exec_autocmds, 'User', { pattern = 'CodexViewRendered', modeline = false, data = { buf = buf } })
  end)
end

--- ]m / [m in a calendar view: show the month `n` months away (from the last result).
--- @param buf integer
--- @param n integer
function M.shift_month(buf, n)
  local state = M.state[buf]
  if not (state and state.result and state.month) then
    notify('codex: ]m and [m change the month of a calendar view', vim.log.levels.WARN)
    return
  end
  state.month = render.shift_month(state.month, n)
  local lines, rows = render.render(state.result, { month = state.month })
  state.rows = rows
  fill(buf, lines)
end

--- Recompute soon (a burst of changes gives one query); a hidden buffer only when shown.
function M.schedule_refresh(buf)
  local state = M.state[buf]
  if not state then
    return
  end
  if vim.fn.bufwinid(buf) == -1 then
    state.stale = true
    return
  end
  if state.timer then
    return
  end
  state.timer = true
  vim.defer_fn(function()
    state.timer = nil
    M.refresh(buf)
  end, REFRESH_DELAY_MS)
end

--- Every view buffer needing a refresh after a change seen in notebook buffer `changed` (or
--- after an index run of client `client_id`).
local function notebook_changed(client_id)
  for buf in pairs(M.state) do
    if vim.api.nvim_buf_is_valid(buf) then
      local c = client_for(M.state[buf].source.uri)
      if not client_id or (c and c.id == client_id) then
        M.schedule_refresh(buf)
      end
    else
      M.state[buf] = nil
    end
  end
end

--- DiagnosticChanged (registered by plugin/codex.lua): the server re-publishes the diagnostics
--- of every open document of a notebook after each index update, so this is when the views of
--- that notebook may have changed; also when a note's inline views may have.
function M.on_diagnostics(ev)
  if M.state[ev.buf] then
    return
  end
  for _, c in ipairs(vim.lsp.get_clients({ name = client.name, bufnr = ev.buf })) do
    notebook_changed(c.id)
  end
  M.update_inline(ev.buf)
end

--- An index run of codex client `client_id` ended ($/progress end), or the server said its
--- index changed (codex/indexChanged).
function M.on_index_end(client_id)
  if next(M.state) then
    notebook_changed(client_id)
  end
end

--- Open the row's note (at the task's line for task rows) in the window of the view.
function M.open_row(buf)
  local row = M.row_at_cursor(buf)
  if not row or not row.uri then
    return
  end
  local line = type(row.line) == 'number' and row.line or 0
  local position = { line = line, character = 0 }
  ui.jump({ uri = row.uri, range = { start = position, ['end'] = position } }, 'utf-16')
end

--- :CodexSet KEY VALUE in a view buffer: set the property of the row under the cursor through
--- codex.setProperty (an undoable edit of the note). A note that had no unsaved changes is
--- written, so the notebook (and this view) sees the new value; one with unsaved changes is
--- left modified for the user to save.
--- @param key string
--- @param text string
--- @param buf? integer
function M.set(key, text, buf)
  buf = buf or vim.api.nvim_get_current_buf()
  local row = M.row_at_cursor(buf)
  if not row or not row.uri then
    notify('codex: no row under the cursor', vim.log.levels.WARN)
    return
  end
  local fname = vim.uri_to_fname(row.uri)
  local before = vim.fn.bufnr(fname)
  local was_modified = before ~= -1 and vim.api.nvim_buf_is_loaded(before) and vim.bo[before].modified
  local arg = { uri = row.uri, key = key, value = M.parse_value(text) }
  request(row.uri, 'codex.setProperty', arg, function(result, err)
    if err or not (result and result.applied) then
      notify(('codex: setting %s failed: %s'):format(key, err or 'the edit was not applied'), vim.log.levels.ERROR)
      return
    end
    local note = vim.fn.bufnr(fname)
    if note ~= -1 and vim.api.nvim_buf_is_loaded(note) and not was_modified and vim.bo[note].modified then
      vim.api.nvim_buf_call(note, function()
        vim.cmd('silent keepalt update')
      end)
    end
    notify(('codex: %s of %s set to %s'):format(key, row.path or fname, vim.json.encode(arg.value)))
    M.schedule_refresh(buf)
  end)
end

--- :CodexSet completion: the view's note properties (its columns and group property), then
--- the values the view shows for that property.
--- @return string[]
function M.complete_set(buf, arglead, cmdline)
  local result = M.state[buf] and M.state[buf].result
  if not result then
    return {}
  end
  local words = vim.split(vim.trim(cmdline), '%s+')
  local choosing_key = #words == 1 or (#words == 2 and arglead ~= '')
  local found, seen = {}, {}
  local function add(text)
    if text ~= '' and not seen[text] and vim.startswith(text, arglead) then
      seen[text] = true
      found[#found + 1] = text
    end
  end
  local group_by = result.groupBy ~= vim.NIL and result.groupBy or nil
  if choosing_key then
    for _, col in ipairs(result.columns or {}) do
      add((col.id:match('^note%.(.+)$')) or '')
    end
    add(group_by and group_by:match('^note%.(.+)$') or '')
  else
    local id = 'note.' .. words[2]
    for _, row in ipairs(result.rows or {}) do
      add(render.format_value((row.values or {})[id]))
    end
    if id == group_by then
      for _, group in ipairs(result.groups or {}) do
        add(render.format_value(group.key))
      end
    end
  end
  table.sort(found)
  return found
end

local function setup_buffer(buf)
  local opts = { buffer = buf, nowait = true, silent = true }
  vim.keymap.set('n', '<CR>', function()
    M.open_row(buf)
  end, vim.tbl_extend('force', opts, { desc = 'Codex: open the note of this row' }))
  vim.keymap.set('n', 'gr', function()
    M.refresh(buf)
  end, vim.tbl_extend('force', opts, { desc = 'Codex: recompute this view' }))
  vim.keymap.set('n', ']m', function()
    M.shift_month(buf, vim.v.count1)
  end, vim.tbl_extend('force', opts, { desc = 'Codex: the next month of this calendar' }))
  vim.keymap.set('n', '[m', function()
    M.shift_month(buf, -vim.v.count1)
  end, vim.tbl_extend('force', opts, { desc = 'Codex: the previous month of this calendar' }))
  vim.api.nvim_buf_create_user_command(buf, 'CodexSet', function(o)
    local key, value = o.args:match('^%s*(%S+)%s*(.*)$')
    if not key then
      notify('codex: usage: :CodexSet KEY VALUE', vim.log.levels.WARN)
      return
    end
    M.set(key, value, buf)
  end, {
    nargs = '+',
    complete = function(arglead, cmdline)
      return M.complete_set(buf, arglead, cmdline)
    end,
    desc = 'Codex: set a property of the note of the row under the cursor',
  })
  local group = vim.api.nvim_create_augroup('codex_view_' .. buf, { clear = true })
  vim.api.nvim_create_autocmd('BufWinEnter', {
    group = group,
    buffer = buf,
    callback = function()
      if M.state[buf] and M.state[buf].stale then
        M.refresh(buf)
      end
    end,
  })
  vim.api.nvim_create_autocmd('BufWipeout', {
    group = group,
    buffer = buf,
    callback = function()
      M.state[buf] = nil
    end,
  })
end

--- Render a view source into its view buffer (reused when open) in the current window.
--- @param source {uri: string, view?: string, block?: integer}
--- @return integer buf
function M.open(source)
  local name = 'codex-view://' .. source_label(source)
  local buf = vim.fn.bufnr('^' .. vim.fn.escape(name, '\\^$.*[]~') .. '$')
  if buf == -1 or not vim.api.nvim_buf_is_valid(buf) then
    buf = vim.api.nvim_create_buf(true, true)
    vim.api.nvim_buf_set_name(buf, name)
    local bo = vim.bo[buf]
    bo.buftype = 'nofile'
    bo.bufhidden = 'hide'
    bo.swapfile = false
    bo.modifiable = false
    bo.filetype = 'codexview' -- the rendered result (view files are yaml.cdx)
    M.state[buf] = { source = source, rows = {}, seq = 0 }
    setup_buffer(buf)
    fill(buf, { source_label(source) .. ' · computing…' })
  end
  vim.api.nvim_win_set_buf(0, buf)
  vim.wo[0][0].wrap = false
  M.refresh(buf)
  return buf
end

--- Handler of the client command `codex.openInlineView` (vim.lsp.commands), run by the
--- server's "Open" lens over an inline view block: render the block in the current window.
--- @param cmd lsp.Command arguments: {{uri, block}}
function M.open_inline(cmd)
  local arg = (cmd.arguments or {})[1]
  if type(arg) ~= 'table' or type(arg.uri) ~= 'string' or type(arg.block) ~= 'number' then
    notify('codex: codex.openInlineView needs {uri, block}', vim.log.levels.ERROR)
    return
  end
  M.open({ uri = arg.uri, block = arg.block })
end

-- Finding views -----------------------------------------------------------------------------

local function is_view_file(name)
  local lower = name:lower()
  return lower:match('%.cdx$') ~= nil or lower:match('%.base$') ~= nil
end

--- Inline view blocks of a buffer: 0-based lines of the opening fence and of the closing one
--- (the last line for an unclosed block), numbered as the server numbers them
--- (core/views/inline.py): an opening fence of 3+ backticks or tildes indented at most 3
--- spaces whose info is exactly `base` or `codex-view`; other fenced code is skipped.
--- @param buf integer
--- @return {start: integer, finish: integer}[]
function M.inline_blocks(buf)
  local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  local blocks, other = {}, nil
  local function only(text, char, at_least)
    return #text >= at_least and text == string.rep(char, #text)
  end
  local i = 1
  while i <= #lines do
    local line = lines[i]
    local indent, marker, lang = line:match('^([ \t]*)([`~]+)[ \t]*([%w-]+)[ \t]*\r?$')
    local char = marker and marker:sub(1, 1)
    if not other and marker and #indent <= 3 and only(marker, char, 3) and INLINE_LANGS[lang] then
      local j = i + 1
      while j <= #lines and not only(vim.trim(lines[j]), char, #marker) do
        j = j + 1
      end
      blocks[#blocks + 1] = { start = i - 1, finish = math.min(j, #lines) - 1 }
      i = j + 1
    else
      local stripped = vim.trim(line)
      local mark = stripped:sub(1, 3)
      if mark == '```' or mark == '~~~' then
        if not other then
          other = mark
        elseif other == mark and only(stripped, mark:sub(1, 1), 3) then
          other = nil
        end
      end
      i = i + 1
    end
  end
  return blocks
end

--- The name of the view the cursor is in, in a view file: the nearest `name:` at or above it.
local function view_under_cursor(buf)
  local row = vim.api.nvim_win_get_cursor(0)[1]
  for i = row, 1, -1 do
    local line = vim.api.nvim_buf_get_lines(buf, i - 1, i, false)[1]
    local name = line:match('^%s*%-?%s*name:%s*(.-)%s*$')
    if name and name ~= '' then
      return (name:gsub('^"(.*)"$', '%1'):gsub("^'(.*)'$", '%1'))
    end
  end
  return nil
end

--- The view source at the cursor of `buf`: the view file itself (the view whose `name:` is
--- above the cursor, else the first), or the inline block the cursor is in.
--- @return {uri: string, view?: string, block?: integer}?
function M.source_at_cursor(buf)
  buf = buf or vim.api.nvim_get_current_buf()
  local name = vim.api.nvim_buf_get_name(buf)
  if name == '' or M.state[buf] then
    return nil
  end
  local uri = vim.uri_from_bufnr(buf)
  if is_view_file(name) then
    return { uri = uri, view = view_under_cursor(buf) }
  end
  local line = vim.api.nvim_win_get_cursor(0)[1] - 1
  for index, block in ipairs(M.inline_blocks(buf)) do
    if line >= block.start and line <= block.finish + 1 then
      return { uri = uri, block = index - 1 }
    end
  end
  return nil
end

--- One entry per view of codex.views' answer: {source, label}.
local function entries(found)
  local out = {}
  for _, file in ipairs(found or {}) do
    for _, view in ipairs(file.views or {}) do
      local where = file.block ~= vim.NIL and file.block ~= nil
          and ('%s:%d'):format(file.path, (file.line or 0) + 1)
        or file.path
      local detail = view.error and view.error ~= vim.NIL and ('error: ' .. view.error)
        or ('%d row%s'):format(view.rows or 0, view.rows == 1 and '' or 's')
      out[#out + 1] = {
        source = {
          uri = file.uri,
          view = view.name,
          block = file.block ~= vim.NIL and file.block or nil,
        },
        name = view.name,
        path = file.path,
        label = ('%s  %s (%s, %s)'):format(view.name, where, view.type or 'table', detail),
      }
    end
  end
  return out
end

--- :CodexViews — pick a view of the open notebooks (vim.ui.select) and render it.
function M.pick(candidates)
  local function choose(list)
    if #list == 0 then
      notify('codex: the notebook has no views (.cdx, .base files or ```base blocks)')
      return
    end
    vim.ui.select(list, {
      prompt = 'Codex views',
      kind = 'codex_views',
      format_item = function(entry)
        return entry.label
      end,
    }, function(choice)
      if choice then
        M.open(choice.source)
      end
    end)
  end
  if candidates then
    return choose(candidates)
  end
  client.execute('codex.views', {}, function(found)
    choose(entries(found))
  end, { feature = 'views' })
end

--- :CodexView [NAME] — with a name: the view of that name (or `path`, `path#name`) among the
--- notebook's views; without: the view file or inline block under the cursor, else a picker.
--- @param name? string
function M.view(name)
  local buf = vim.api.nvim_get_current_buf()
  if not name then
    local source = M.source_at_cursor(buf)
    if source then
      return M.open(source)
    end
    return M.pick()
  end
  if is_view_file(vim.api.nvim_buf_get_name(buf)) and not name:find('#', 1, true) then
    return M.open({ uri = vim.uri_from_bufnr(buf), view = name })
  end
  client.execute('codex.views', {}, function(found)
    local wanted = name:lower()
    local matches = {}
    for _, entry in ipairs(entries(found)) do
      local n, p = entry.name:lower(), entry.path:lower()
      if n == wanted or p == wanted or (p .. '#' .. n) == wanted or vim.fn.fnamemodify(p, ':t:r') == wanted then
        matches[#matches + 1] = entry
      end
    end
    if #matches == 1 then
      M.open(matches[1].source)
    elseif #matches > 1 then
      M.pick(matches)
    else
      notify(('codex: no view named %q (:CodexViews lists them)'):format(name), vim.log.levels.WARN)
    end
  end, { feature = 'views' })
end

--- View names for command-line completion.
function M.complete(arglead)
  local names, seen = {}, {}
  for _, entry in ipairs(entries(client.execute_sync('codex.views', {}, 1000) or {})) do
    if not seen[entry.name] and vim.startswith(entry.name:lower(), arglead:lower()) then
      seen[entry.name] = true
      names[#names + 1] = entry.name
    end
  end
  return names
end

-- Inline views and view files ---------------------------------------------------------------

--- Virtual lines under each inline view block of a note: its row count (or error) and the key
--- that renders it.
--- @param buf integer
function M.update_inline(buf)
  if not vim.api.nvim_buf_is_valid(buf) or M.state[buf] or vim.bo[buf].filetype ~= 'markdown' then
    return
  end
  -- Most notes have no inline view: Vim's regex search says so without copying the lines.
  local maybe = vim.api.nvim_buf_call(buf, function()
    return vim.fn.search([[\v^[ \t]{0,3}(`{3,}|\~{3,})[ \t]*(base|codex-view)[ \t]*\r?$]], 'nw')
  end)
  local blocks = maybe > 0 and M.inline_blocks(buf) or {}
  if #blocks == 0 then
    vim.api.nvim_buf_clear_namespace(buf, ns, 0, -1)
    vim.b[buf].codex_inline_views = nil
    return
  end
  M.map_render(buf)
  local uri = vim.uri_from_bufnr(buf)
  local tick = vim.b[buf].changedtick
  local labels, pending = {}, #blocks
  for index, block in ipairs(blocks) do
    query({ uri = uri, block = index - 1 }, function(result, err)
      if err then
        labels[index] = 'error: ' .. ui.one_line(err)
      else
        local total = result.total or #(result.rows or {})
        labels[index] = ('%s: %d row%s'):format(result.view or 'view', total, total == 1 and '' or 's')
      end
      pending = pending - 1
      if pending > 0 or not vim.api.nvim_buf_is_valid(buf) or vim.b[buf].changedtick ~= tick then
        return
      end
      vim.api.nvim_buf_clear_namespace(buf, ns, 0, -1)
      local shown = {}
      for i, b in ipairs(blocks) do
        local text = ('  ▸ Codex view %s · %s renders it'):format(labels[i], M.render_key)
        vim.api.nvim_buf_set_extmark(buf, ns, b.finish, 0, {
          virt_lines = { { { text, 'Comment' } } },
        })
        shown[i] = labels[i]
      end
      vim.b[buf].codex_inline_views = shown
    end)
  end
end

--- The buffer-local key rendering the view under the cursor.
function M.map_render(buf)
  if vim.b[buf].codex_render_mapped then
    return
  end
  vim.b[buf].codex_render_mapped = true
  vim.keymap.set('n', M.render_key, function()
    local source = M.source_at_cursor(buf)
    if source then
      M.open(source)
    else
      notify('codex: the cursor is not in a view (a ```base block)', vim.log.levels.WARN)
    end
  end, { buffer = buf, desc = 'Codex: render the view under the cursor' })
end

--- A view file (.cdx, .base) was opened: offer its rendered view (a hint at the end of its
--- first line, and the render key).
--- @param buf integer
function M.on_view_file(buf)
  M.map_render(buf)
  vim.api.nvim_buf_clear_namespace(buf, ns, 0, -1)
  vim.api.nvim_buf_set_extmark(buf, ns, 0, 0, {
    virt_text = { { ('  Codex view file · %s or :CodexView renders the view under the cursor'):format(M.render_key), 'Comment' } },
    virt_text_pos = 'eol',
  })
end

return M
