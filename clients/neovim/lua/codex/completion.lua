--- Accepting a codex completion item applies its whole edit, with omnifunc too.
---
--- The server sends `[[` items as snippets when the client supports them: Neovim inserts only
--- the first word of a plain item's text (`[[Gel` for "Gel electrophoresis"). A snippet item's
--- whole text is applied on accept by the CompleteDone handler of vim.lsp.completion, which
--- exists only where the user enabled it; in the other buffers (omnifunc, <C-x><C-o>) this
--- handler does the same for codex items. nvim-cmp and blink.cmp apply items themselves.
local M = {}

--- True when vim.lsp.completion handles CompleteDone in `bufnr` (it applies the item itself).
local function neovim_applies(bufnr)
  local ok, found = pcall(vim.api.nvim_get_autocmds, {
    group = ('nvim.lsp.completion_%d'):format(bufnr),
    event = 'CompleteDone',
  })
  return ok and #found > 0
end

--- Replace the accepted item's word (from its edit's start to the cursor) with its snippet.
local function apply(bufnr)
  if vim.v.event.reason ~= 'accept' or neovim_applies(bufnr) then
    return
  end
  local lsp = vim.tbl_get(vim.v.completed_item or {}, 'user_data', 'nvim', 'lsp') or {}
  local item = lsp.completion_item
  local client = lsp.client_id and vim.lsp.get_client_by_id(lsp.client_id)
  if not (item and client and client.name == 'codex') then
    return
  end
  local edit = item.textEdit
  if item.insertTextFormat ~= vim.lsp.protocol.InsertTextFormat.Snippet or not edit or not edit.range then
    return
  end
  local row, col = unpack(vim.api.nvim_win_get_cursor(0))
  local line = vim.api.nvim_get_current_line()
  local ok, start = pcall(vim.str_byteindex, line, client.offset_encoding or 'utf-16', edit.range.start.character, false)
  if not ok or edit.range.start.line ~= row - 1 or start > col then
    return
  end
  vim.api.nvim_buf_set_text(bufnr, row - 1, start, row - 1, col, { '' })
  vim.api.nvim_win_set_cursor(0, { row, start })
  vim.snippet.expand(edit.newText)
end

--- Set up the handler in a buffer the codex server attached to.
--- @param bufnr integer
function M.attach(bufnr)
  if not (vim.snippet and vim.snippet.expand) then
    return -- Neovim 0.9: no snippet support; omnifunc inserts the item's word only
  end
  local group = vim.api.nvim_create_augroup('codex_completion_' .. bufnr, { clear = true })
  vim.api.nvim_create_autocmd('CompleteDone', {
    group = group,
    buffer = bufnr,
    callback = function()
      apply(bufnr)
    end,
  })
end

return M
