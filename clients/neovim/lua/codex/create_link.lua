--- :CodexCreateFromLink — create the note a broken link under the cursor names, through the
--- server's quick fix ("Create note '...'"), and open it.
local client = require('codex.client')
local config = require('codex.config')
local ui = require('codex.ui')

local M = {}

local notify = client.notify

--- The server's broken-link diagnostics (in their LSP form, which the quick fix needs) whose
--- range holds the cursor of `win`.
local function broken_links_at(bufnr, win)
  local row, col = unpack(vim.api.nvim_win_get_cursor(win))
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr, { lnum = row - 1 })) do
    local lsp = d.user_data and d.user_data.lsp
    local end_col = d.end_lnum == d.lnum and d.end_col or math.huge
    if lsp and d.code == 'link-broken' and d.col <= col and col <= end_col then
      found[#found + 1] = lsp
    end
  end
  return found
end

--- The URI a "Create note" edit creates.
local function created_uri(edit)
  for _, change in ipairs(edit.documentChanges or {}) do
    if change.kind == 'create' then
      return change.uri
    end
  end
end

--- Create the note of the broken link under the cursor and open it in the current window.
--- @param bufnr? integer
function M.create(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local c = vim.lsp.get_clients({ name = client.name, bufnr = bufnr })[1]
  if not c then
    return notify('codex: no codex-lsp server is attached to this buffer; see :checkhealth codex', vim.log.levels.WARN)
  end
  local diagnostics = broken_links_at(bufnr, vim.api.nvim_get_current_win())
  if #diagnostics == 0 then
    return notify('codex: no broken link under the cursor', vim.log.levels.WARN)
  end
  local params = {
    textDocument = { uri = client.uri(bufnr) },
    range = diagnostics[1].range,
    context = { diagnostics = diagnostics, only = { 'quickfix' } },
  }
  client.call(c, 'request', 'textDocument/codeAction', params, function(err, actions)
    if err then
      return notify('codex: code actions failed: ' .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
    end
    for _, action in ipairs(actions or {}) do
      local uri = action.edit and created_uri(action.edit)
      if uri then
        vim.lsp.util.apply_workspace_edit(action.edit, c.offset_encoding)
        ui.open_created(vim.uri_to_bufnr(uri), config.options.save_new_notes)
        return notify(('codex: created %s'):format(client.display_path(vim.uri_to_fname(uri))))
      end
    end
    notify('codex: the server offers no note to create for this link', vim.log.levels.WARN)
  end, bufnr)
end

return M
