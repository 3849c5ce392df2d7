-- Accepting a `[[` completion leaves the whole link in the buffer, as VS Code does: through
-- omnifunc (<C-x><C-o>) and through vim.lsp.completion with autotrigger. What is checked is the
-- text of the line after <C-y>, not the list of labels.
local T = dofile(vim.env.CODEX_TEST_DIR .. '/helpers.lua')

vim.o.completeopt = 'menu,menuone,noselect'

local state = {}

--- Wait (inside insert mode, from a <Cmd> mapping) for the popup menu to list `label`, then
--- select that item (inserting its word) without ending completion; <C-y> accepts it next.
function _G.codex_pick(label)
  state.shown = nil
  local ok, index = pcall(T.wait, function()
    if vim.fn.pumvisible() ~= 1 then
      return nil
    end
    local items = vim.fn.complete_info({ 'items' }).items
    state.shown = vim.tbl_map(function(item)
      return item.abbr
    end, items)
    for i, item in ipairs(items) do
      if item.abbr == label then
        return i
      end
    end
  end, ('the popup menu lists %q'):format(label), nil, function()
    return 'listed: ' .. vim.inspect(state.shown)
  end)
  if not ok then
    state.error = index -- an error inside a <Cmd> mapping would be lost: report it after
    return
  end
  vim.api.nvim_select_popupmenu_item(index - 1, true, false, {})
end

--- Wait (still in insert mode) until the accepted item has been applied to the line: the
--- CompleteDone handler resolves the item first, so the edit lands asynchronously.
function _G.codex_wait_line(expected)
  vim.wait(T.timeout, function()
    return vim.api.nvim_get_current_line() == expected
  end, 20)
end

--- A fresh note of the notebook, open and attached, with an empty current line.
local function scratch(name)
  local bufnr, c = T.open('scratch/' .. name .. '.md')
  vim.api.nvim_buf_set_lines(bufnr, 0, -1, false, { '# Scratch', '' })
  vim.api.nvim_win_set_cursor(0, { 2, 0 })
  return bufnr, c
end

local function keys(text)
  vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes(text, true, false, true), 'x', false)
end

--- Run `typing` (keys that enter insert mode, type and perhaps ask for completion), pick
--- `label`, accept it, wait for the line to read `expected`, leave insert mode; returns the
--- final line.
local function accept(typing, label, expected)
  state.error = nil
  keys(
    typing
      .. ('<Cmd>lua codex_pick(%q)<CR>'):format(label)
      .. '<C-y>'
      .. ('<Cmd>lua codex_wait_line(%q)<CR>'):format(expected)
      .. '<Esc>'
  )
  if state.error then
    T.fail(type(state.error) == 'table' and state.error.msg or tostring(state.error))
  end
  return vim.api.nvim_get_current_line()
end

T.test('omnifunc: a note with spaces in its name is inserted whole, with one ]]', function()
  scratch('omni-gel')
  T.eq('v:lua.vim.lsp.omnifunc', vim.bo.omnifunc, 'omnifunc')
  local line = accept('ASee [[Gel<C-x><C-o>', 'Gel electrophoresis', 'See [[Gel electrophoresis]]')
  T.eq('See [[Gel electrophoresis]]', line)
end)

T.test('omnifunc: an alias inserts target|alias', function()
  scratch('omni-alias')
  local expected = 'Run on the [[T100 Thermocycler|PCR machine]]'
  local line = accept('ARun on the [[PCR mach<C-x><C-o>', 'PCR machine', expected)
  T.eq(expected, line)
end)

T.test('omnifunc: ]] already typed after the cursor is not doubled', function()
  local bufnr = scratch('omni-closed')
  vim.api.nvim_buf_set_lines(bufnr, 1, 2, false, { 'See [[]] today' })
  vim.api.nvim_win_set_cursor(0, { 2, #'See [[' - 1 })
  -- `a` appends after the cursor's character, the second `[`.
  local expected = 'See [[Gel electrophoresis]] today'
  T.eq(expected, accept('aGel<C-x><C-o>', 'Gel electrophoresis', expected))
end)

T.test('omnifunc: a heading with spaces is inserted whole', function()
  scratch('omni-heading')
  local expected = 'See [[PCR amplification#Thermal cycling]]'
  T.eq(expected, accept('ASee [[PCR amplification#Therm<C-x><C-o>', 'Thermal cycling', expected))
end)

T.test('vim.lsp.completion with autotrigger: the whole name and the alias link', function()
  local bufnr, c = scratch('auto')
  vim.lsp.completion.enable(true, c.id, bufnr, { autotrigger = true })
  -- `[` is a trigger character: the menu opens by itself after `[[`; typing narrows it.
  local line = accept('ASee [[Gel', 'Gel electrophoresis', 'See [[Gel electrophoresis]]')
  T.eq('See [[Gel electrophoresis]]', line)
  vim.api.nvim_buf_set_lines(bufnr, 1, 2, false, { '' })
  vim.api.nvim_win_set_cursor(0, { 2, 0 })
  local expected = '[[T100 Thermocycler|PCR machine]]'
  line = accept('A[[PCR mach', 'PCR machine', expected)
  T.eq(expected, line)
end)

T.run('completion_accept_spec')
