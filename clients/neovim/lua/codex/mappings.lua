--- Optional buffer-local key mappings (off by default; see :help codex-mappings).
local config = require('codex.config')

local M = {}

--- What each mapping name does: {<Plug> name, description}.
M.actions = {
  search = { '<Plug>(codex-search)', 'Codex: search notes' },
  tags = { '<Plug>(codex-tags)', 'Codex: pick a tag' },
  backlinks = { '<Plug>(codex-backlinks)', 'Codex: backlinks of this note' },
  new = { '<Plug>(codex-new)', 'Codex: new note' },
  history = { '<Plug>(codex-history)', 'Codex: git history of this note' },
  diff = { '<Plug>(codex-diff)', 'Codex: diff against the last commit' },
  reindex = { '<Plug>(codex-reindex)', 'Codex: reindex' },
  connections = { '<Plug>(codex-connections)', 'Codex: connections of this note' },
  create_from_link = { '<Plug>(codex-create-from-link)', 'Codex: create the note of this link' },
}

--- Set the configured mappings in `bufnr` (a buffer the codex server attached to), removing
--- those an earlier configuration set.
function M.apply(bufnr)
  if not vim.api.nvim_buf_is_valid(bufnr) then
    return
  end
  for _, lhs in ipairs(vim.b[bufnr].codex_mapped or {}) do
    pcall(vim.keymap.del, 'n', lhs, { buffer = bufnr })
  end
  local mapped = {}
  for name, lhs in pairs(config.mappings()) do
    local action = M.actions[name]
    if lhs and action then
      vim.keymap.set('n', lhs, action[1], { buffer = bufnr, remap = true, desc = action[2] })
      mapped[#mapped + 1] = lhs
    elseif lhs and not action then
      vim.notify(('codex: unknown mapping %q ignored'):format(name), vim.log.levels.WARN)
    end
  end
  vim.b[bufnr].codex_mapped = mapped
end

return M
