--- Options of the codex plugin (see `:help codex-options`) and the server command.
local M = {}

--- @class codex.Mappings
--- @field search? string|false
--- @field tags? string|false
--- @field backlinks? string|false
--- @field new? string|false
--- @field history? string|false
--- @field diff? string|false
--- @field reindex? string|false
--- @field connections? string|false
--- @field create_from_link? string|false

--- @class codex.Options
--- @field cmd? string[] Server command; nil = `codex-lsp serve`, else `python3 -m codex_lsp serve`.
--- @field settings? table The `codex` settings section sent to the server.
--- @field enable? boolean setup() calls vim.lsp.enable('codex').
--- @field picker? 'select'|'quickfix' How search, backlink and tag results are shown.
--- @field search_limit? integer
--- @field history_limit? integer
--- @field new_note_folder? string Folder (inside the notebook) for :CodexNew.
--- @field save_new_notes? boolean Write a note created by :CodexNew at once.
--- @field split? 'vertical'|'horizontal'|'tab'|'current' Where revisions open.
--- @field codelens? boolean Show and refresh the server's backlink code lens.
--- @field mappings? boolean|codex.Mappings
--- @field gf? boolean `gf` on a link goes to its target (Vim's `gf` elsewhere).
--- @field cr? boolean <CR> on a link goes to its target (Vim's <CR> elsewhere).
--- @field attach_timeout_ms? integer How long a command waits for the server to attach.

--- @type codex.Options
M.defaults = {
  cmd = nil,
  settings = nil,
  enable = true,
  picker = 'select',
  search_limit = 50,
  history_limit = 100,
  new_note_folder = nil,
  save_new_notes = true,
  split = 'vertical',
  codelens = true,
  mappings = false,
  gf = true,
  cr = false,
  attach_timeout_ms = 10000,
}

--- Keys used by `mappings = true`.
--- @type codex.Mappings
M.default_mappings = {
  search = '<leader>ns',
  tags = '<leader>nt',
  backlinks = '<leader>nb',
  new = '<leader>nn',
  history = '<leader>nh',
  diff = '<leader>nd',
  reindex = false,
  connections = '<leader>nc',
  create_from_link = '<leader>nl',
}

--- @type codex.Options
M.options = vim.deepcopy(M.defaults)

local valid = {
  picker = { select = true, quickfix = true },
  split = { vertical = true, horizontal = true, tab = true, current = true },
}

--- Merge user options over the defaults; unknown or bad values are reported and ignored.
--- @param opts? codex.Options
function M.set(opts)
  opts = opts or {}
  local merged = vim.deepcopy(M.defaults)
  for key, value in pairs(opts) do
    if M.defaults[key] == nil and key ~= 'cmd' and key ~= 'settings' and key ~= 'new_note_folder' then
      vim.notify(('codex: unknown option %q ignored'):format(key), vim.log.levels.WARN)
    elseif valid[key] and not valid[key][value] then
      vim.notify(('codex: bad value %s for option %q ignored'):format(vim.inspect(value), key), vim.log.levels.WARN)
    elseif key == 'cmd' and type(value) == 'string' then
      merged.cmd = vim.split(value, '%s+', { trimempty = true })
    else
      merged[key] = value
    end
  end
  M.options = merged
  return merged
end

--- The command that starts the server when the user did not configure one:
--- `codex-lsp serve` when `codex-lsp` is on PATH, else `python3 -m codex_lsp serve`.
--- @return string[]
function M.default_cmd()
  if vim.fn.executable('codex-lsp') == 1 then
    return { 'codex-lsp', 'serve' }
  end
  return { 'python3', '-m', 'codex_lsp', 'serve' }
end

--- The server command in effect: setup()'s `cmd`, else vim.lsp.config's, else the default.
--- @return string[]|function
function M.server_cmd()
  if M.options.cmd then
    return M.options.cmd
  end
  if vim.lsp.config then
    local ok, resolved = pcall(function()
      return vim.lsp.config.codex
    end)
    if ok and resolved and resolved.cmd then
      return resolved.cmd
    end
  end
  return M.default_cmd()
end

--- The key mappings in effect (`{}` when mappings are off).
--- @return codex.Mappings
function M.mappings()
  local m = M.options.mappings
  if m == true then
    return vim.deepcopy(M.default_mappings)
  elseif type(m) == 'table' then
    return vim.tbl_extend('force', M.default_mappings, m)
  end
  return {}
end

return M
