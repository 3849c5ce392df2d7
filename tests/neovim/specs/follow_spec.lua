-- Following links: `gf` in notes goes to the link's target (Vim's `gf` off a link), and <CR>
-- does too when the `cr` option is on.
local T = dofile(vim.env.CODEX_TEST_DIR .. '/helpers.lua')

local PCR = 'protocols/PCR amplification.md'

T.test('gf on a link opens its target at the heading', function()
  T.open(PCR)
  T.cursor_on('[[Gel electrophoresis#Loading]]')
  vim.api.nvim_feedkeys('gf', 'x', false)
  local line = T.landed_in('protocols/Gel electrophoresis.md')
  T.eq(T.line_of('protocols/Gel electrophoresis.md', '## Loading') + 1, line, 'on the heading')
  T.eq('gf', vim.fn.maparg('gf', 'n', false, true).lhs, 'gf is mapped')
  T.eq(1, vim.fn.maparg('gf', 'n', false, true).buffer, 'in the note buffer only')
end)

T.test("gf off a link is Vim's gf (the file name under the cursor)", function()
  T.write('protocols/plain.txt', 'plain text\n')
  local bufnr = T.open(PCR)
  vim.api.nvim_buf_set_lines(bufnr, -1, -1, false, { 'Raw data in plain.txt here.' })
  T.cursor_on('plain.txt')
  vim.api.nvim_feedkeys('gf', 'x', false)
  T.landed_in('protocols/plain.txt')
  T.eq({ 'plain text' }, vim.api.nvim_buf_get_lines(0, 0, -1, false))
  vim.api.nvim_buf_call(bufnr, function()
    vim.cmd('edit!')
  end)
end)

T.test('<CR> follows a link with cr = true, and stays unmapped by default', function()
  local bufnr = T.open(PCR)
  T.eq(vim.empty_dict(), vim.fn.maparg('<CR>', 'n', false, true), 'no <CR> mapping by default')
  require('codex').setup({ cmd = T.server_cmd, cr = true })
  T.eq(1, vim.fn.maparg('<CR>', 'n', false, true).buffer, '<CR> mapped in the note')
  T.cursor_on('[[T100 Thermocycler]]')
  vim.api.nvim_feedkeys(vim.keycode('<CR>'), 'x', false)
  T.eq(1, T.landed_in('equipment/T100 Thermocycler.md'), 'on the first line')
  -- Off a link, <CR> moves down a line as in Vim.
  vim.api.nvim_win_set_buf(0, bufnr)
  vim.api.nvim_win_set_cursor(0, { 1, 0 })
  vim.api.nvim_feedkeys(vim.keycode('<CR>'), 'x', false)
  T.wait(function()
    return vim.api.nvim_win_get_cursor(0)[1] == 2
  end, '<CR> off a link moved to line 2')
  require('codex').setup({ cmd = T.server_cmd })
  T.eq(vim.empty_dict(), vim.fn.maparg('<CR>', 'n', false, true), '<CR> unmapped again')
end)

T.run('follow_spec')
