--- Lists: vim.ui.select pickers (Telescope, fzf-lua, snacks... take them over when installed)
--- and the quickfix list; opening locations and read-only scratch buffers.
local config = require('codex.config')

local M = {}

local function one_line(text)
  return vim.trim((tostring(text or ''):gsub('%s+', ' ')))
end
M.one_line = one_line

--- A quickfix item for one LSP location, with `text` (default: the line at the location).
--- @param location {uri: string, range: lsp.Range}
--- @param encoding string
--- @param text? string
function M.item(location, encoding, text)
  local item = vim.lsp.util.locations_to_items({ location }, encoding)[1]
  if text then
    item.text = one_line(text)
  else
    item.text = one_line(item.text)
  end
  item.user_data = location
  return item
end

--- Path shown to the user: relative to the cwd when possible.
function M.display_path(filename)
  return vim.fn.fnamemodify(filename, ':~:.')
end

--- Open an LSP location in the current window.
--- @param location {uri: string, range?: lsp.Range}
--- @param encoding? string
function M.jump(location, encoding)
  vim.lsp.util.show_document(location, encoding or 'utf-16', { focus = true })
end

--- Fill the quickfix list (and open it when the picker is 'quickfix').
--- @param title string
--- @param items vim.quickfix.entry[]
function M.set_quickfix(title, items)
  vim.fn.setqflist({}, ' ', { title = title, items = items, context = { codex = true } })
end

--- Show a list of locations: quickfix list always filled; then vim.ui.select, or :copen when
--- `picker = 'quickfix'`.
--- @param title string
--- @param items vim.quickfix.entry[] (user_data = the LSP location)
--- @param encoding string
--- @param label? fun(item: vim.quickfix.entry): string
function M.show_items(title, items, encoding, label)
  M.set_quickfix(title, items)
  if config.options.picker == 'quickfix' then
    vim.cmd('botright copen')
    return
  end
  label = label
    or function(item)
      return ('%s:%d: %s'):format(M.display_path(item.filename), item.lnum, item.text)
    end
  vim.ui.select(items, { prompt = title, kind = 'codex', format_item = label }, function(choice)
    if choice then
      M.jump(choice.user_data, encoding)
    end
  end)
end

--- Open a window for a new view according to the `split` option.
--- @param split? string
function M.open_window(split)
  split = split or config.options.split
  if split == 'vertical' then
    vim.cmd('rightbelow vsplit')
  elseif split == 'horizontal' then
    vim.cmd('rightbelow split')
  elseif split == 'tab' then
    vim.cmd('tab split')
  end
end

--- Show a buffer the server just created through a workspace edit (CreateFile + insert) in
--- the current window and write it. The inserted text ends with a line break, which leaves an
--- extra empty last line in the buffer: it is dropped, as writing adds the final newline.
--- @param bufnr integer
--- @param write boolean
function M.open_created(bufnr, write)
  vim.bo[bufnr].buflisted = true
  vim.api.nvim_win_set_buf(0, bufnr)
  local count = vim.api.nvim_buf_line_count(bufnr)
  if count > 1 and vim.api.nvim_buf_get_lines(bufnr, count - 1, count, false)[1] == '' then
    vim.api.nvim_buf_set_lines(bufnr, count - 1, count, false, {})
  end
  if write and vim.bo[bufnr].modified then
    vim.api.nvim_buf_call(bufnr, function()
      vim.cmd('silent write')
    end)
  end
end

--- Create (or refill) a read-only scratch buffer named `name` holding `text`.
--- @param name string
--- @param text string
--- @param filetype string
--- @return integer bufnr
function M.scratch(name, text, filetype)
  local buf = vim.fn.bufnr('^' .. vim.fn.escape(name, '\\^$.*[]~') .. '$')
  if buf == -1 or not vim.api.nvim_buf_is_valid(buf) then
    buf = vim.api.nvim_create_buf(false, true)
    vim.api.nvim_buf_set_name(buf, name)
  end
  local bo = vim.bo[buf]
  bo.buftype = 'nofile'
  bo.bufhidden = 'wipe'
  bo.swapfile = false
  bo.readonly = false
  bo.modifiable = true
  local lines = vim.split(text or '', '\n', { plain = true })
  if #lines > 1 and lines[#lines] == '' then
    table.remove(lines)
  end
  for i, line in ipairs(lines) do
    lines[i] = line:gsub('\r$', '')
  end
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  bo.modified = false
  bo.modifiable = false
  bo.readonly = true
  bo.filetype = filetype
  return buf
end

return M
