-- The plugin without setup(): only vim.lsp.config + vim.lsp.enable('codex'), as a user of the
-- built-in LSP configuration would do.
_G.CODEX_TEST_NO_SETUP = true
local T = dofile(vim.env.CODEX_TEST_DIR .. '/helpers.lua')

vim.lsp.config('codex', { cmd = T.server_cmd })
vim.lsp.enable('codex')

T.test("vim.lsp.enable('codex') alone attaches, shows lenses and runs the commands", function()
  local bufnr, c = T.open('protocols/PCR amplification.md')
  T.eq(T.server_cmd, c.config.cmd, 'the configured command')
  -- Asked for at attach, before the index had the counts: refreshed when indexing ends.
  local titles = {}
  T.wait(function()
    titles = vim.tbl_map(function(lens)
      return lens.command and lens.command.title or ''
    end, vim.lsp.codelens.get(bufnr))
    return vim.tbl_contains(titles, '18 backlinks')
  end, 'the code lens "18 backlinks" displayed', nil, function()
    return 'lenses: ' .. vim.inspect(titles)
  end)
  T.match('^Codex: .*%d+ notes$', require('codex').status())
  T.pick = function()
    return nil
  end
  vim.cmd('CodexBacklinks')
  local qf = T.quickfix('^Backlinks of PCR amplification$')
  T.ok(#qf.items > 5, 'backlinks listed')
  T.eq(vim.empty_dict(), vim.fn.maparg('<leader>nb', 'n', false, true), 'no mapping by default')
end)

T.test('a lone Markdown file starts the server on its own folder', function()
  local outside = vim.fn.tempname() .. '/loose note.md'
  vim.fn.mkdir(vim.fs.dirname(outside), 'p')
  vim.fn.writefile({ '# Loose', '', '[[Nowhere]]' }, outside)
  vim.cmd.edit(vim.fn.fnameescape(outside))
  local c = T.client(vim.api.nvim_get_current_buf())
  T.eq(vim.uv.fs_realpath(vim.fs.dirname(outside)), c.root_dir, "the note's folder is the root")
end)

T.run('enable_spec')
