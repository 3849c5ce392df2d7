--- Which notebook a note belongs to, by the rules the server and the CLI follow (docs/cli.md,
--- "Notebooks"), so that all of them serve the same notebook for the same file.
local M = {}

--- What makes a folder a notebook root: a path inside it and the kind of file it must be.
M.markers = {
  { '.codex', 'directory' }, -- codex-lsp (`codex-lsp init`)
  { '.obsidian', 'directory' }, -- Obsidian vault
  { '.foam', 'directory' }, -- Foam workspace
  { '.vscode/foam.json', 'file' }, -- Foam workspace (older layout)
  { '.zk', 'directory' }, -- zk notebook
  { 'dendron.yml', 'file' }, -- Dendron workspace
}

local function kind_of(path)
  local stat = vim.uv.fs_stat(path)
  return stat and stat.type
end

--- The folder itself, then each parent up to the filesystem root.
local function upward(folder)
  local folders = { folder }
  for parent in vim.fs.parents(folder) do
    folders[#folders + 1] = parent
  end
  return folders
end

--- The notebook root of a note (or folder), and how it was found; nil and why there is none.
--- The nearest folder holding a marker wins; else the nearest git work tree; else the note's
--- own folder (a lone note), unless that is the home folder or the filesystem root, which
--- are never indexed whole.
--- @param path string
--- @return string|nil root
--- @return string how
function M.find(path)
  if not path or path == '' then
    return nil, 'the buffer has no file name'
  end
  path = vim.fs.normalize(vim.fn.fnamemodify(path, ':p'))
  local folder = kind_of(path) == 'directory' and path or vim.fs.dirname(path)
  folder = vim.uv.fs_realpath(folder) or folder -- the server resolves symlinks too
  local folders = upward(folder)
  for _, dir in ipairs(folders) do
    for _, marker in ipairs(M.markers) do
      if kind_of(dir .. '/' .. marker[1]) == marker[2] then
        return dir, marker[1]
      end
    end
  end
  for _, dir in ipairs(folders) do
    if kind_of(dir .. '/.git') then
      return dir, 'git work tree'
    end
  end
  local home = vim.uv.os_homedir()
  if folder == '/' or (home and folder == vim.fs.normalize(vim.uv.fs_realpath(home) or home)) then
    return nil, ('%s is the home folder or the filesystem root, and no notebook holds it'):format(folder)
  end
  return folder, 'lone note: its folder'
end

--- `root_dir` for vim.lsp.config: start the server on the note's notebook root.
--- @param bufnr integer
--- @param on_dir fun(root: string)
function M.root_dir(bufnr, on_dir)
  local root = M.find(vim.api.nvim_buf_get_name(bufnr))
  if root then
    on_dir(root)
  end
end

return M
