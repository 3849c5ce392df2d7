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

--- Whether a codex server should attach to `bufnr` soon: a Markdown file of a notebook (by the
--- roots of codex.root) with the server enabled, that no codex client attached to yet (a
--- buffer whose server was stopped does not wait).
--- @param bufnr integer
--- @return boolean
function M.expected(bufnr)
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == '' or vim.bo[bufnr].buftype ~= '' or vim.b[bufnr].codex_attached then
    return false
  end
  local ft = vim.bo[bufnr].filetype
  if ft ~= 'markdown' and not (ft == '' and (name:match('%.md$') or name:match('%.markdown$'))) then
    return false
  end
  local config = require('codex.config')
  local enabled = config.options.enable
  if vim.lsp.is_enabled then
    enabled = vim.lsp.is_enabled(M.name)
  end
  return enabled and require('codex.root').find(name) ~= nil
end

--- Wait (without blocking the editor) for a codex client to attach to `bufnr`, then call
--- fn(client); after the `attach_timeout_ms` option, say that the server did not attach.
local function wait_for_attach(bufnr, fn, quiet)
  local timeout = require('codex.config').options.attach_timeout_ms or 10000
  local name = M.display_path(vim.api.nvim_buf_get_name(bufnr))
  if not quiet then
    notify(('codex: waiting for the codex-lsp server to attach to %s'):format(name))
  end
  local done, autocmd = false, nil
  local timer = assert(vim.uv.new_timer())
  local function finish(c)
    if done then
      return
    end
    done = true
    timer:stop()
    timer:close()
    pcall(vim.api.nvim_del_autocmd, autocmd)
    if c then
      fn(c)
    else
      notify(
        ('codex: the codex-lsp server did not attach to %s within %d ms; see :checkhealth codex'):format(name, timeout),
        vim.log.levels.WARN
      )
    end
  end
  autocmd = vim.api.nvim_create_autocmd('LspAttach', {
    buffer = bufnr,
    callback = function(ev)
      local c = vim.lsp.get_client_by_id(ev.data.client_id)
      if c and c.name == M.name then
        vim.schedule(function()
          finish(c)
        end)
      end
    end,
  })
  timer:start(timeout, 0, vim.schedule_wrap(function()
    finish(nil)
  end))
end

--- Run a codex.* server command with one JSON object as argument.
--- When the buffer is a note whose server has not attached yet, waits for it (see
--- M.expected); says so (vim.notify) when no server runs or the server does not offer the
--- command.
--- @param command string e.g. "codex.search"
--- @param arg table
--- @param on_result fun(result: any, client: vim.lsp.Client)
--- @param opts? {bufnr?: integer, feature?: string, quiet?: boolean} quiet: no message
--- while waiting for the server (only if it does not attach)
function M.execute(command, arg, on_result, opts)
  opts = opts or {}
  local bufnr = opts.bufnr or vim.api.nvim_get_current_buf()
  local function run(client)
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
  local attached = vim.lsp.get_clients({ name = M.name, bufnr = bufnr })[1]
  if attached then
    return run(attached)
  end
  -- A note whose server has not attached yet waits for it; other buffers (a revision, a
  -- list) use any running server.
  if M.expected(bufnr) then
    return wait_for_attach(bufnr, run, opts.quiet)
  end
  local client = M.get(bufnr)
  if client then
    return run(client)
  end
  notify(
    'codex: no codex-lsp server is running. Open a note of a notebook (a folder with .codex/, '
      .. '.obsidian/, .foam/, .zk/ or dendron.yml, a git work tree, or a lone note); see :checkhealth codex',
    vim.log.levels.WARN
  )
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
