-- vim.lsp.config definition of the codex-lsp language server (Markdown lab notebooks).
-- Override any field with vim.lsp.config('codex', { ... }) or require('codex').setup({ ... }).
local config = require('codex.config')

---@type vim.lsp.Config
return {
  cmd = config.options.cmd or config.default_cmd(),
  filetypes = { 'markdown' },
  root_markers = { '.codex', '.git' },
  -- Only notes inside a notebook (a folder with .codex/ or a git repository) start the server.
  workspace_required = true,
  settings = {
    codex = config.options.settings or vim.empty_dict(),
  },
}
