-- :checkhealth codex reports OK with the real server, and ERROR for a missing server command.
local T = dofile(vim.env.CODEX_TEST_DIR .. '/helpers.lua')

--- Run :checkhealth codex and return the report's lines.
local function checkhealth()
  vim.cmd('checkhealth codex')
  local buf = T.wait(function()
    for _, b in ipairs(vim.api.nvim_list_bufs()) do
      if vim.bo[b].filetype == 'checkhealth' then
        local lines = vim.api.nvim_buf_get_lines(b, 0, -1, false)
        if table.concat(lines, '\n'):find('Notebooks ~', 1, true) then
          return b
        end
      end
    end
  end, 'checkhealth buffer')
  local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  vim.cmd('silent! tabclose')
  vim.api.nvim_buf_delete(buf, { force = true })
  return lines, table.concat(lines, '\n')
end

local function report_has(text, pattern, what)
  T.ok(text:find(pattern), ('%s: %q not in the report:\n%s'):format(what, pattern, text))
end

T.test(':checkhealth codex reports OK with the server running', function()
  T.open('protocols/PCR amplification.md')
  local _, text = checkhealth()
  T.ok(not text:find('ERROR'), 'no ERROR in the report:\n' .. text)
  report_has(text, 'OK Neovim 0%.1[1-9]', 'Neovim version')
  report_has(text, 'OK server command: ', 'server command')
  report_has(text, 'OK server version: codex%-lsp %d+%.%d+', 'server version')
  report_has(text, 'OK Python: Python 3%.%d+', 'Python version')
  report_has(text, 'OK git version %d', 'git')
  report_has(text, 'OK running: codex%-lsp', 'running server')
  report_has(text, 'OK lab%-notebook %(.-%): %d+ notes', 'notebook detected')
end)

T.test(':checkhealth codex reports ERROR when the server command is missing', function()
  require('codex').setup({ cmd = { 'codex-lsp-not-installed', 'serve' } })
  local _, text = checkhealth()
  report_has(text, 'ERROR server command not found: codex%-lsp%-not%-installed', 'missing server')
  require('codex').setup({ cmd = T.server_cmd })
end)

T.test('the default server command is codex-lsp, else python3 -m codex_lsp', function()
  local config = require('codex.config')
  local saved = vim.env.PATH
  local bin = vim.fn.tempname()
  vim.fn.mkdir(bin, 'p')
  local fake = bin .. '/codex-lsp'
  vim.fn.writefile({ '#!/bin/sh', 'exit 0' }, fake)
  vim.uv.fs_chmod(fake, 493)
  vim.env.PATH = bin .. ':' .. saved
  T.eq({ 'codex-lsp', 'serve' }, config.default_cmd())
  vim.env.PATH = '/nonexistent'
  T.eq({ 'python3', '-m', 'codex_lsp', 'serve' }, config.default_cmd())
  vim.env.PATH = saved
end)

T.run('health_spec')
