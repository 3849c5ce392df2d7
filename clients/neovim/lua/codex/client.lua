--- Finding the codex-lsp client and running its workspace/executeCommand commands.
local M = {}

M.name = 'codex'

local has_011 = vim.fn.has('nvim-0.11') == 1

--- Client method call that works on 0.10 (dot style) and 0.11+ (method style).
local function call(client, method, ...)
  if has_011 then
    return client[method](client, ...)
  end
  return client[method](...)
end
M.call = call

--- Running codex clients, those attached to `bufnr` first.
--- @param bufnr? integer
--- @return vim.lsp.Client[]
function M.clients(bufnr)
  local found = vim.lsp.get_clients({ name = M.name, bufnr = bufnr or vim.api.nvim_get_current_buf() })
  local seen = {}
  for _, c in ipairs(found) do
    seen[c.id] = true
  end
  for _, c in ipairs(vim.lsp.get_clients({ name = M.name })) do
    if not seen[c.id] then
      found[#found + 1] = c
    end
  end
  return found
end

--- The codex client for `bufnr` (attached to it, else any running one).
--- @param bufnr? integer
--- @return vim.lsp.Client?
function M.get(bufnr)
  return M.clients(bufnr)[1]
end

--- "codex-lsp 0.1.0" (name and version the server gave at initialization).
--- @param client vim.lsp.Client
function M.describe(client)
  local info = client.server_info or {}
  return vim.trim(('%s %s'):format(info.name or 'codex-lsp', info.version or ''))
end

--- Commands the server offers through workspace/executeCommand.
--- @param client vim.lsp.Client
--- @return string[]
function M.commands(client)
  local provider = client.server_capabilities and client.server_capabilities.executeCommandProvider
  return type(provider) == 'table' and provider.commands or {}
end

--- @param client vim.lsp.Client
--- @param command string
function M.supports(client, command)
  return vim.tbl_contains(M.commands(client), command)
end

--- A Lua table as a JSON object (an empty table would be sent as the array []).
function M.object(arg)
  if arg == nil or (type(arg) == 'table' and next(arg) == nil) then
    return vim.empty_dict()
  end
  return arg
end

--- Path of a file for messages: relative to its notebook (client root) or the cwd.
--- @param name string
function M.display_path(name)
  name = vim.fs.normalize(name)
  for _, c in ipairs(vim.lsp.get_clients({ name = M.name })) do
    local root = c.root_dir and vim.fs.normalize(c.root_dir)
    if root and vim.startswith(name, root .. '/') then
      return name:sub(#root + 2)
    end
  end
  return vim.fn.fnamemodify(name, ':~:.')
end

local function notify(msg, level)
  vim.notify(msg, level or vim.log.levels.INFO, { title = 'codex' })
end
M.notify = notify

--- Wait (without blocking the editor) until `client` is initialized, then call `fn`.
local function when_ready(client, fn, waited)
  waited = waited or 0
  if client.initialized then
    return fn()
  end
  if call(client, 'is_stopped') or waited >= 15000 then
    notify('codex: the language server did not start; see :checkhealth codex', vim.log.levels.ERROR)
    return
  end
  vim.defer_fn(function()
    when_ready(client, fn, waited + 50)
  end, 50)
end

--- Run a codex.* server command with one JSON object as argument.
--- Says so (vim.notify) when no server runs or the server does not offer the command.
--- @param command string e.g. "codex.search"
--- @param arg table
--- @param on_result fun(result: any, client: vim.lsp.Client)
--- @param opts? {bufnr?: integer, feature?: string}
function M.execute(command, arg, on_result, opts)
  opts = opts or {}
  local bufnr = opts.bufnr or vim.api.nvim_get_current_buf()
  local client = M.get(bufnr)
  if not client then
    notify(
      'codex: no codex-lsp server is running. Open a note of a notebook (a folder with .codex/ '
        .. 'or a git repository); see :checkhealth codex',
      vim.log.levels.WARN
    )
    return
  end
  when_ready(client, function()
    if not M.supports(client, command) then
      notify(
        ('codex: the server (%s) does not offer %s%s; update codex-lsp to use it'):format(
          M.describe(client),
          command,
          opts.feature and (' (' .. opts.feature .. ')') or ''
        ),
        vim.log.levels.WARN
      )
      return
    end
    local params = { command = command, arguments = { M.object(arg) } }
    call(client, 'request', 'workspace/executeCommand', params, function(err, result)
      if err then
        notify(('codex: %s failed: %s'):format(command, err.message or vim.inspect(err)), vim.log.levels.ERROR)
        return
      end
      on_result(result, client)
    end, bufnr)
  end)
end

--- Synchronous variant for command-line completion (short timeout, nil on any failure).
--- @return any
function M.execute_sync(command, arg, timeout_ms, bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local client = M.get(bufnr)
  if not client or not client.initialized or not M.supports(client, command) then
    return nil
  end
  local params = { command = command, arguments = { M.object(arg) } }
  local response = call(client, 'request_sync', 'workspace/executeCommand', params, timeout_ms or 1000, bufnr)
  if not response or response.err then
    return nil
  end
  return response.result
end

--- URI of a buffer's file.
function M.uri(bufnr)
  return vim.uri_from_bufnr(bufnr or vim.api.nvim_get_current_buf())
end

return M
