--- codex.nvim: Markdown lab notebooks with the codex-lsp language server.
--- See :help codex.
local M = {}

local config = require('codex.config')

local augroup = vim.api.nvim_create_augroup('codex_setup', { clear = true })

--- Start the server for a buffer on Neovim 0.10 (no vim.lsp.config / vim.lsp.enable).
local function start_010(bufnr, lsp_config)
  if vim.bo[bufnr].buftype ~= '' or not vim.tbl_contains({ 'markdown', 'yaml.cdx' }, vim.bo[bufnr].filetype) then
    return
  end
  local root
  if type(lsp_config.root_dir) == 'function' then
    lsp_config.root_dir(bufnr, function(dir)
      root = dir
    end)
  else
    root = lsp_config.root_dir or vim.fs.root(bufnr, lsp_config.root_markers)
  end
  if not root then
    return
  end
  local cfg = vim.deepcopy(lsp_config)
  cfg.name = 'codex'
  cfg.root_dir = root
  cfg.root_markers, cfg.filetypes, cfg.workspace_required = nil, nil, nil
  -- Ours are additions to Neovim's own (0.11's client merges them; 0.10's may replace them).
  cfg.capabilities = vim.tbl_deep_extend('force', vim.lsp.protocol.make_client_capabilities(), cfg.capabilities or {})
  vim.lsp.start(cfg, { bufnr = bufnr })
end

local function setup_010(overrides)
  local file = vim.api.nvim_get_runtime_file('lsp/codex.lua', false)[1]
  local lsp_config = vim.tbl_deep_extend('force', dofile(file), overrides)
  vim.api.nvim_create_autocmd('FileType', {
    group = augroup,
    pattern = { 'markdown', 'yaml.cdx' },
    callback = function(ev)
      start_010(ev.buf, lsp_config)
    end,
  })
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(buf) then
      start_010(buf, lsp_config)
    end
  end
end

--- Buffer-local setup when the codex server attaches: mappings and code lens (called from the
--- LspAttach autocommand of plugin/codex.lua, and by setup() for attached buffers).
--- @param bufnr integer
function M.on_attach(bufnr)
  vim.b[bufnr].codex_attached = true
  require('codex.mappings').apply(bufnr)
  require('codex.follow').apply(bufnr)
  require('codex.completion').attach(bufnr)
  local group = vim.api.nvim_create_augroup('codex_codelens_' .. bufnr, { clear = true })
  if config.options.codelens and vim.lsp.codelens then
    local function refresh()
      pcall(vim.lsp.codelens.refresh, { bufnr = bufnr })
    end
    vim.api.nvim_create_autocmd({ 'BufEnter', 'InsertLeave', 'BufWritePost' }, {
      group = group,
      buffer = bufnr,
      callback = refresh,
    })
    refresh()
  end
end

--- After an index run of the codex server `client_id` ends: refresh the code lenses of its
--- buffers, whose counts were asked for before the index had them (at attach).
--- @param client_id integer
function M.on_index_end(client_id)
  local c = vim.lsp.get_client_by_id(client_id)
  if not (c and c.name == 'codex' and config.options.codelens and vim.lsp.codelens) then
    return
  end
  for bufnr in pairs(c.attached_buffers or {}) do
    if vim.api.nvim_buf_is_loaded(bufnr) then
      pcall(vim.lsp.codelens.refresh, { bufnr = bufnr })
    end
  end
end

--- The codex server `client_id` said its index changed (codex/indexChanged): open views and
--- the connections panel of its notebooks ask again.
--- @param client_id integer
function M.on_index_changed(client_id)
  if package.loaded['codex.views'] then
    require('codex.views').on_index_end(client_id)
  end
  if package.loaded['codex.connections'] then
    require('codex.connections').on_index_changed(client_id)
  end
end

--- Configure the plugin and enable the server (see :help codex-setup).
--- @param opts? codex.Options
function M.setup(opts)
  opts = opts or {}
  config.set(opts)
  local overrides = {}
  if opts.cmd then
    overrides.cmd = config.options.cmd
  end
  if opts.settings then
    overrides.settings = { codex = opts.settings }
  end
  vim.api.nvim_clear_autocmds({ group = augroup })
  if vim.lsp.config then
    if next(overrides) then
      vim.lsp.config('codex', overrides)
    end
    if config.options.enable then
      vim.lsp.enable('codex')
    end
  elseif config.options.enable then
    setup_010(overrides)
  end
  -- Buffers the server is already attached to.
  for _, c in ipairs(vim.lsp.get_clients({ name = 'codex' })) do
    for buf in pairs(c.attached_buffers or {}) do
      M.on_attach(buf)
    end
  end
end

--- Statusline component: indexing progress or the notebook's note count; "" without server.
--- @return string
function M.status()
  return require('codex.progress').status()
end

-- Lua API behind the commands (see :help codex-lua).
function M.search(query, opts)
  require('codex.commands').search(query, opts)
end
function M.tags()
  require('codex.commands').tags()
end
function M.tag(tags, match)
  require('codex.commands').tag(tags, match)
end
function M.backlinks(bufnr)
  require('codex.commands').backlinks(bufnr)
end
function M.new(title, folder)
  require('codex.commands').new(title, folder)
end
function M.reindex(full)
  require('codex.commands').reindex(full)
end
function M.history(bufnr)
  require('codex.git').history(bufnr)
end
function M.diff(commit, bufnr, unified)
  require('codex.git').diff(commit, bufnr, unified)
end
function M.restore(commit, bufnr)
  require('codex.git').restore(commit, bufnr)
end
function M.deleted()
  require('codex.git').deleted()
end
function M.connections(bufnr)
  require('codex.connections').open(bufnr)
end
function M.create_from_link(bufnr)
  require('codex.create_link').create(bufnr)
end
function M.view(name)
  require('codex.views').view(name)
end
function M.views()
  require('codex.views').pick()
end

return M
