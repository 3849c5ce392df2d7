-- Commands run while a note is loading, before the server attached, wait for it (or say,
-- after `attach_timeout_ms`, that it did not attach). Buffers are opened with :noautocmd so
-- that the server starts only when the spec runs :filetype detect.
local T = dofile(vim.env.CODEX_TEST_DIR .. '/helpers.lua')

local function edit_without_server(rel)
  vim.cmd('noautocmd edit ' .. vim.fn.fnameescape(T.path(rel)))
  T.eq(0, #vim.lsp.get_clients({ name = 'codex' }), 'no server runs yet')
  return vim.api.nvim_get_current_buf()
end

T.test('a command waits attach_timeout_ms, then says the server did not attach', function()
  require('codex').setup({ cmd = T.server_cmd, attach_timeout_ms = 300 })
  edit_without_server('protocols/Gel electrophoresis.md')
  vim.cmd('CodexTags')
  T.notified('waiting for the codex-lsp server to attach')
  local n = T.notified('did not attach to')
  T.eq(vim.log.levels.WARN, n.level)
  T.match('within 300 ms; see :checkhealth codex', n.msg)
end)

T.test('a command run while a note is loading waits for the server, then runs', function()
  require('codex').setup({ cmd = T.server_cmd })
  local bufnr = edit_without_server('protocols/PCR amplification.md')
  T.pick = function()
    return nil
  end
  vim.cmd('CodexBacklinks')
  T.notified('waiting for the codex-lsp server to attach')
  vim.cmd('filetype detect') -- FileType: vim.lsp.enable starts the server
  T.quickfix('^Backlinks of PCR amplification$')
  T.ok(#vim.lsp.get_clients({ name = 'codex', bufnr = bufnr }) == 1, 'attached')
end)

T.run('attach_spec')
