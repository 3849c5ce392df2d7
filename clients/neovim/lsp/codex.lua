-- vim.lsp.config definition of the codex-lsp language server (Markdown lab notebooks).
-- Override any field with vim.lsp.config('codex', { ... }) or require('codex').setup({ ... }).
local config = require('codex.config')

---@type vim.lsp.Config
return {
  cmd = config.options.cmd or config.default_cmd(),
  filetypes = { 'markdown', 'yaml.cdx' }, -- notes, and view files (.cdx, .base)
  -- The notebook root, as the server and the CLI find it (codex.root): the nearest folder with
  -- .codex/, .obsidian/, .foam/, .vscode/foam.json, .zk/ or dendron.yml, else the nearest git
  -- work tree, else the note's own folder (never the home folder or /).
  root_dir = require('codex.root').root_dir,
  workspace_required = true,
  settings = {
    codex = config.options.settings or vim.empty_dict(),
  },
  -- The server says when its index changed (codex/indexChanged): open views and the
  -- connections panel ask again then, not when Neovim saw a file change it may not have indexed.
  capabilities = { experimental = { codex = { indexChanged = true } } },
  handlers = {
    ['codex/indexChanged'] = function(_, _, ctx)
      require('codex').on_index_changed(ctx.client_id)
    end,
  },
}
