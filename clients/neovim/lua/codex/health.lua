--- :checkhealth codex — Neovim, server command and version, Python, git, notebooks.
local M = {}

local h = vim.health

local function run(argv, timeout)
  local ok, obj = pcall(function()
    return vim.system(argv, { text = true }):wait(timeout or 5000)
  end)
  if not ok then
    return nil, tostring(obj)
  end
  if obj.code ~= 0 then
    return nil, vim.trim((obj.stderr or '') .. (obj.stdout or ''))
  end
  return vim.trim((obj.stdout or '') .. (obj.stderr or ''))
end

--- The interpreter behind the server command (python3 ..., or the shebang of codex-lsp).
local function python_of(cmd)
  local exe = cmd[1]
  if exe:match('python') then
    return exe
  end
  local path = vim.fn.exepath(exe)
  if path ~= '' then
    local f = io.open(path, 'r')
    if f then
      local first = f:read('*l') or ''
      f:close()
      local interp = first:match('^#!%s*(%S+)')
      if interp and interp:match('python') then
        return interp
      end
    end
  end
  return 'python3'
end

--- The version command for a server command: the same program with --version instead of serve.
local function version_argv(cmd)
  local argv = {}
  for _, a in ipairs(cmd) do
    if a == 'serve' then
      break
    end
    argv[#argv + 1] = a
  end
  argv[#argv + 1] = '--version'
  return argv
end

function M.check()
  local config = require('codex.config')
  local client = require('codex.client')

  h.start('Neovim')
  local v = vim.version()
  local version = ('%d.%d.%d'):format(v.major, v.minor, v.patch)
  if vim.fn.has('nvim-0.11') == 1 then
    h.ok('Neovim ' .. version)
  elseif vim.fn.has('nvim-0.10') == 1 then
    h.warn('Neovim ' .. version .. ': supported through vim.lsp.start; 0.11+ recommended')
  else
    h.error('Neovim ' .. version .. ' is too old', 'Install Neovim 0.11 or newer')
  end
  if vim.lsp.is_enabled then
    if vim.lsp.is_enabled('codex') then
      h.ok("vim.lsp.enable('codex') is on")
    else
      h.warn("the codex server is not enabled", "Call require('codex').setup() or vim.lsp.enable('codex')")
    end
  end

  h.start('Language server')
  local cmd = config.server_cmd()
  local clients = vim.lsp.get_clients({ name = 'codex' })
  if type(cmd) ~= 'table' then
    h.info('server command is a function (custom transport)')
  else
    local exe = cmd[1]
    if vim.fn.executable(exe) == 1 then
      h.ok(('server command: %s (%s)'):format(table.concat(cmd, ' '), vim.fn.exepath(exe)))
      local out, err = run(version_argv(cmd))
      if out then
        h.ok('server version: ' .. out)
      else
        h.error(
          ('`%s` failed: %s'):format(table.concat(version_argv(cmd), ' '), err or '?'),
          { 'Install the server from a clone of codex-lsp: pipx install ./', "or set the command: require('codex').setup({ cmd = { ... } })" }
        )
      end
    else
      h.error(
        ('server command not found: %s'):format(exe),
        { 'Install the server from a clone of codex-lsp: pipx install ./', "or set the command: require('codex').setup({ cmd = { ... } })" }
      )
    end
    local py = python_of(cmd)
    local pyv = run({ py, '--version' })
    if pyv then
      local major, minor = pyv:match('(%d+)%.(%d+)')
      if major and (tonumber(major) > 3 or (tonumber(major) == 3 and tonumber(minor) >= 10)) then
        h.ok(('Python: %s (%s)'):format(pyv, py))
      else
        h.error(('Python: %s (%s); codex-lsp needs 3.10+'):format(pyv, py))
      end
    else
      h.warn(('could not run %s --version'):format(py))
    end
  end
  if #clients == 0 then
    h.info('no codex server running now (it starts when you open a note of a notebook)')
  end
  for _, c in ipairs(clients) do
    if c.initialized then
      h.ok(('running: %s (client id %d, root %s)'):format(client.describe(c), c.id, c.root_dir or '-'))
      local missing = {}
      for _, name in ipairs({ 'codex.search', 'codex.tags', 'codex.searchTags', 'codex.backlinks', 'codex.createNote', 'codex.reindex', 'codex.history', 'codex.show', 'codex.diff', 'codex.restore', 'codex.deletedNotes', 'codex.connections' }) do
        if not client.supports(c, name) then
          missing[#missing + 1] = name
        end
      end
      if #missing > 0 then
        h.warn(('the server does not offer %s; the matching :Codex commands say so when used'):format(table.concat(missing, ', ')), 'Update codex-lsp')
      else
        h.ok('the server offers every command the plugin uses')
      end
    else
      h.warn(('client %d is still starting'):format(c.id))
    end
  end

  h.start('Git')
  local git = run({ 'git', '--version' })
  if git then
    h.ok(git)
  else
    h.warn('git not found: :CodexHistory, :CodexDiff and :CodexRestore need it', 'Install git')
  end

  h.start('Notebooks')
  for _, c in ipairs(clients) do
    if c.initialized and client.supports(c, 'codex.notebooks') then
      local response = client.call(c, 'request_sync', 'workspace/executeCommand', { command = 'codex.notebooks', arguments = { vim.empty_dict() } }, 3000)
      if response and response.result then
        for _, nb in ipairs(response.result) do
          h.ok(('%s (%s): %d notes, %d links, %d tags%s%s'):format(
            nb.name,
            nb.root,
            nb.notes or 0,
            nb.links or 0,
            nb.tags or 0,
            nb.explicit and '' or ', no .codex/ folder',
            nb.ready and '' or ', indexing'
          ))
        end
      elseif response and response.err then
        h.warn('codex.notebooks failed: ' .. (response.err.message or '?'))
      end
    end
  end
  -- Which root the plugin starts the server on for each Markdown buffer (else the current
  -- directory), and why; or why there is none.
  local sources = {}
  for _, b in ipairs(vim.api.nvim_list_bufs()) do
    local name = vim.api.nvim_buf_get_name(b)
    if vim.api.nvim_buf_is_loaded(b) and vim.bo[b].filetype == 'markdown' and name ~= '' then
      sources[#sources + 1] = name
    end
  end
  if #sources == 0 then
    sources = { vim.fn.getcwd() }
  end
  for i, from in ipairs(sources) do
    if i > 10 then
      h.info(('%d more Markdown buffers'):format(#sources - 10))
      break
    end
    local root, how = require('codex.root').find(from)
    if root then
      h.ok(('notebook root for %s: %s (%s)'):format(from, root, how))
    else
      h.warn(('no notebook root for %s: %s'):format(from, how), {
        'Open notes inside a notebook: a folder with .codex/ (`codex-lsp init`), .obsidian/, .foam/, .vscode/foam.json, .zk/ or dendron.yml, or a git work tree',
      })
    end
  end
end

return M
