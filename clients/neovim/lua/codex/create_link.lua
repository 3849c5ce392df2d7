--- Notes from links: :CodexCreateFromLink creates the note the link under the cursor names
--- (`codex.createNote {uri, position}`: the server applies the edit, so `u` in the new buffer
--- and the file list can undo it) and opens it; `gf` on a broken link offers the same.
local client = require('codex.client')
local config = require('codex.config')
local ui = require('codex.ui')

local M = {}

local notify = client.notify

--- Whether the server reports a broken link at the cursor of `win` (the offer needs one).
local function on_broken_link(bufnr, win)
  local row, col = unpack(vim.api.nvim_win_get_cursor(win))
  for _, d in ipairs(vim.diagnostic.get(bufnr, { lnum = row - 1 })) do
    local end_col = d.end_lnum == d.lnum and d.end_col or math.huge
    if d.code == 'link-broken' and d.col <= col and col <= end_col then
      return true
    end
  end
  return false
end

--- The note the link under the cursor names, created (unless it exists) and opened.
--- @param bufnr? integer
function M.create(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local c = vim.lsp.get_clients({ name = client.name, bufnr = bufnr })[1]
  if not c then
    return notify('codex: no codex-lsp server is attached to this buffer; see :checkhealth codex', vim.log.levels.WARN)
  end
  local win = vim.api.nvim_get_current_win()
  local params = vim.lsp.util.make_position_params(win, c.offset_encoding)
  local arg = { uri = params.textDocument.uri, position = params.position }
  client.call(c, 'request', 'workspace/executeCommand', { command = 'codex.createNote', arguments = { arg } }, function(err, result)
    if err then
      local message = err.message or vim.inspect(err)
      if message:find('must be on a link', 1, true) then
        return notify('codex: no link under the cursor', vim.log.levels.WARN)
      end
      return notify('codex: ' .. message, vim.log.levels.ERROR)
    end
    local buf = vim.fn.bufadd(vim.uri_to_fname(result.uri))
    if result.created then
      ui.open_created(buf, config.options.save_new_notes)
    else
      vim.bo[buf].buflisted = true
      vim.api.nvim_win_set_buf(0, buf)
    end
    notify(('codex: %s %s'):format(result.created and 'created' or 'opened existing', result.path))
  end, bufnr)
end

--- After a definition found nothing: on a broken link, ask whether to create its note
--- (vim.ui.select) and create it when the user says so. Returns false when the cursor is on
--- no broken link (the caller goes on as before).
--- @param bufnr integer
--- @param win integer
--- @return boolean
function M.offer(bufnr, win)
  if not on_broken_link(bufnr, win) then
    return false
  end
  vim.ui.select({ 'Create the note', 'Cancel' }, { prompt = 'codex: this link leads to no note' }, function(choice)
    if choice == 'Create the note' then
      M.create(bufnr)
    end
  end)
  return true
end

return M
