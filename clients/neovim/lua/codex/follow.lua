--- Following links with `gf` (and, opt-in, <CR>) in notebook buffers: go to the definition of
--- the link under the cursor, or do what the key does in Vim when the cursor is on no link.
local client = require('codex.client')
local config = require('codex.config')

local M = {}

--- What the key does without the plugin (run when the server finds no link under the cursor).
local fallbacks = {
  gf = function(count)
    local ok, err = pcall(vim.cmd, ('normal! %sgf'):format(count > 0 and count or ''))
    if not ok then
      vim.api.nvim_echo({ { (tostring(err):gsub('^Vim%(normal%):', '')), 'ErrorMsg' } }, true, {})
    end
  end,
  ['<CR>'] = function(count)
    vim.cmd(('normal! %s\r'):format(count > 0 and count or ''))
  end,
}

--- Go to the target of the link under the cursor in `bufnr`; `fallback` when there is none.
--- @param bufnr integer
--- @param key string 'gf' or '<CR>'
function M.follow(bufnr, key)
  local count = vim.v.count
  local fallback = fallbacks[key]
  local c = vim.lsp.get_clients({ name = client.name, bufnr = bufnr })[1]
  if not c or not c.initialized then
    return fallback(count)
  end
  local win = vim.api.nvim_get_current_win()
  local params = vim.lsp.util.make_position_params(win, c.offset_encoding)
  client.call(c, 'request', 'textDocument/definition', params, function(err, result)
    -- The user may have moved on while the server answered.
    if vim.api.nvim_get_current_win() ~= win or vim.api.nvim_win_get_buf(win) ~= bufnr then
      return
    end
    if err or result == nil or (vim.islist(result) and #result == 0) then
      if not err and require('codex.create_link').offer(bufnr, win) then
        return -- a broken link: its note is offered instead
      end
      return fallback(count)
    end
    local location = vim.islist(result) and result[1] or result
    vim.lsp.util.show_document(location, c.offset_encoding, { focus = true, reuse_win = false })
  end, bufnr)
end

--- Map `gf` (option `gf`) and <CR> (option `cr`) in a buffer the codex server attached to.
--- @param bufnr integer
function M.apply(bufnr)
  if not vim.api.nvim_buf_is_valid(bufnr) then
    return
  end
  for _, lhs in ipairs(vim.b[bufnr].codex_follow or {}) do
    pcall(vim.keymap.del, 'n', lhs, { buffer = bufnr })
  end
  local mapped = {}
  for option, key in pairs({ gf = 'gf', cr = '<CR>' }) do
    if config.options[option] then
      vim.keymap.set('n', key, function()
        M.follow(bufnr, key)
      end, { buffer = bufnr, desc = 'Codex: follow the link under the cursor' })
      mapped[#mapped + 1] = key
    end
  end
  vim.b[bufnr].codex_follow = mapped
end

return M
