--- :CodexConnections — a side buffer with the current note's backlinks (with the line around
--- each), outgoing links and tags (server command codex.connections); <CR> opens the entry
--- under the cursor in the note's window; the buffer follows the note shown (BufEnter).
local client = require('codex.client')

local M = {}

M.name = 'codex://connections'
local WIDTH = 50
local ZERO = { start = { line = 0, character = 0 }, ['end'] = { line = 0, character = 0 } }

--- The panel's buffer, the note it shows, and what each of its lines leads to.
local state = { buf = nil, note = nil, entries = {} }

local function panel_window()
  if not (state.buf and vim.api.nvim_buf_is_valid(state.buf)) then
    return nil
  end
  for _, win in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
    if vim.api.nvim_win_get_buf(win) == state.buf then
      return win
    end
  end
end

--- The panel buffer (made once; hidden, not wiped, when its window closes).
local function panel_buffer()
  if state.buf and vim.api.nvim_buf_is_valid(state.buf) then
    return state.buf
  end
  local buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_name(buf, M.name)
  vim.bo[buf].buftype = 'nofile'
  vim.bo[buf].bufhidden = 'hide'
  vim.bo[buf].swapfile = false
  vim.bo[buf].modifiable = false
  vim.bo[buf].filetype = 'codex-connections'
  vim.keymap.set('n', '<CR>', function()
    M.open_entry()
  end, { buffer = buf, desc = 'Codex: open this connection' })
  vim.keymap.set('n', 'q', '<Cmd>close<CR>', { buffer = buf, desc = 'Codex: close connections' })
  state.buf = buf
  return buf
end

local function rel_of(uri)
  return client.display_path(vim.uri_to_fname(uri))
end

--- The panel's lines, and the entry each line leads to, for a codex.connections result.
--- @return string[] lines
--- @return table<integer, table> entries by 1-based line
function M.render(note_name, result)
  local lines, entries = { 'Connections of ' .. note_name, '' }, {}
  local function add(text, entry)
    lines[#lines + 1] = text
    entries[#lines] = entry
  end
  local backlinks, links, tags = result.backlinks or {}, result.links or {}, result.tags or {}
  add(('Backlinks (%d)'):format(#backlinks))
  for _, b in ipairs(backlinks) do
    local entry = { uri = b.uri, range = b.range }
    add(('  %s (%s:%d)'):format(b.title or rel_of(b.uri), rel_of(b.uri), b.range.start.line + 1), entry)
    add('    ' .. (b.context or ''), entry)
  end
  add('')
  add(('Links (%d)'):format(#links))
  for _, l in ipairs(links) do
    if l.uri == nil or l.uri == vim.NIL then
      -- A broken link leads to where it is written, to fix or create it.
      add(('  %s (broken)'):format(l.target), { uri = result.uri, range = l.range })
    else
      local title = l.title ~= vim.NIL and l.title or rel_of(l.uri)
      add(('  %s -> %s%s'):format(l.target, title, l.broken and ' (broken)' or ''), { uri = l.uri, range = ZERO })
    end
  end
  add('')
  add(('Tags (%d)'):format(#tags))
  for _, tag in ipairs(tags) do
    add('  #' .. tag, { tag = tag })
  end
  return lines, entries
end

--- Fill the panel for note `bufnr` (asynchronous: codex.connections).
--- @param bufnr integer
function M.refresh(bufnr)
  state.note = bufnr
  local uri = client.uri(bufnr)
  client.execute('codex.connections', { uri = uri }, function(result)
    local buf = state.buf
    if state.note ~= bufnr or not (buf and vim.api.nvim_buf_is_valid(buf)) then
      return -- another note was entered meanwhile, or the panel is gone
    end
    result.uri = uri
    local name = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(bufnr), ':t:r')
    local lines, entries = M.render(name, result)
    vim.bo[buf].modifiable = true
    vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
    vim.bo[buf].modifiable = false
    vim.bo[buf].modified = false
    state.entries = entries
    vim.api.nvim_exec_autocmds('User', { pattern = 'CodexConnections', modeline = false })
  end, { bufnr = bufnr, feature = 'connections', quiet = true })
end

--- The index of client `client_id` changed: a visible panel showing one of its notes asks again
--- (a hidden one asks when it is opened).
--- @param client_id integer
function M.on_index_changed(client_id)
  local note = state.note
  if not (note and vim.api.nvim_buf_is_valid(note) and panel_window()) then
    return
  end
  for _, c in ipairs(vim.lsp.get_clients({ name = client.name, bufnr = note })) do
    if c.id == client_id then
      return M.refresh(note)
    end
  end
end

--- The window the panel's entries open in: the last one that showed a note, else another one.
local function note_window(panel)
  local wins = vim.api.nvim_tabpage_list_wins(0)
  for _, win in ipairs(wins) do
    if win ~= panel and vim.api.nvim_win_get_buf(win) == state.note then
      return win
    end
  end
  for _, win in ipairs(wins) do
    if win ~= panel and vim.api.nvim_win_get_config(win).relative == '' then
      return win
    end
  end
end

--- <CR> in the panel: open the backlink or link under the cursor in the note's window, or
--- list the notes carrying the tag under it.
function M.open_entry()
  local entry = state.entries[vim.api.nvim_win_get_cursor(0)[1]]
  if not entry then
    return
  end
  if entry.tag then
    return require('codex.commands').tag({ entry.tag })
  end
  local panel = vim.api.nvim_get_current_win()
  local target = note_window(panel)
  if target then
    vim.api.nvim_set_current_win(target)
  else
    vim.cmd('leftabove vsplit')
    vim.api.nvim_win_set_width(panel, WIDTH)
  end
  vim.lsp.util.show_document(entry, 'utf-16', { focus = true })
end

local group = vim.api.nvim_create_augroup('codex_connections', { clear = true })

--- :CodexConnections — open (or refresh) the panel beside the current note.
--- @param bufnr? integer
function M.open(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  if bufnr == state.buf then
    bufnr = state.note
  end
  if not (bufnr and vim.api.nvim_buf_is_valid(bufnr)) then
    return client.notify('codex: :CodexConnections needs a note', vim.log.levels.WARN)
  end
  local buf = panel_buffer()
  if not panel_window() then
    local from = vim.api.nvim_get_current_win()
    vim.cmd('botright vsplit')
    local win = vim.api.nvim_get_current_win()
    vim.api.nvim_win_set_buf(win, buf)
    vim.api.nvim_win_set_width(win, WIDTH)
    vim.wo[win].winfixwidth = true
    vim.wo[win].number = false
    vim.wo[win].relativenumber = false
    vim.wo[win].wrap = false
    vim.api.nvim_set_current_win(from)
  end
  vim.api.nvim_clear_autocmds({ group = group })
  vim.api.nvim_create_autocmd('BufEnter', {
    group = group,
    callback = function(ev)
      -- Follow the note shown: any note buffer entered while the panel is visible.
      if ev.buf ~= state.buf and ev.buf ~= state.note and panel_window() and vim.bo[ev.buf].buftype == '' then
        local attached = #vim.lsp.get_clients({ name = client.name, bufnr = ev.buf }) > 0
        if attached or client.expected(ev.buf) then
          M.refresh(ev.buf)
        end
      end
    end,
  })
  M.refresh(bufnr)
end

return M
