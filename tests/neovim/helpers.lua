-- Minimal init and test harness for the codex.nvim specs. Each spec runs in its own headless
-- Neovim (`nvim --headless --clean -l spec.lua`, see run.sh) against the real codex-lsp server
-- on a fresh copy of examples/lab-notebook (CODEX_TEST_NOTEBOOK).
local T = {}

local here = vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2))
T.repo = vim.fs.normalize(vim.env.CODEX_TEST_REPO or (here .. '/../..'))
T.plugin = T.repo .. '/clients/neovim'
T.notebook = assert(vim.env.CODEX_TEST_NOTEBOOK, 'CODEX_TEST_NOTEBOOK is not set (use tests/neovim/run.sh)')
-- Server command: a JSON list, or words separated by spaces.
local server_cmd = vim.env.CODEX_TEST_SERVER_CMD or 'python3 -m codex_lsp serve'
T.server_cmd = server_cmd:match('^%s*%[') and vim.json.decode(server_cmd)
  or vim.split(server_cmd, ' ', { trimempty = true })
T.timeout = tonumber(vim.env.CODEX_TEST_TIMEOUT_MS or '') or 15000

-- Minimal init: Neovim's own runtime plus this plugin only.
vim.opt.runtimepath = { T.plugin, vim.env.VIMRUNTIME, T.plugin .. '/after' }
vim.opt.packpath = {}
vim.o.swapfile = false
vim.o.shada = ''
vim.o.more = false
vim.cmd('filetype plugin on')
vim.cmd('runtime plugin/codex.lua')

-- Non-interactive UI: vim.ui.select picks item T.pick (default the first), vim.ui.input answers
-- T.answer; every prompt is recorded.
T.pick = 1
T.selects = {}
vim.ui.select = function(items, opts, on_choice)
  local shown = {}
  for i, item in ipairs(items) do
    shown[i] = opts and opts.format_item and opts.format_item(item) or tostring(item)
  end
  T.selects[#T.selects + 1] = { prompt = opts and opts.prompt, items = items, shown = shown }
  local index = type(T.pick) == 'function' and T.pick(items, shown) or T.pick
  vim.schedule(function()
    on_choice(items[index], items[index] and index or nil)
  end)
end
T.answer = nil
vim.ui.input = function(_, on_confirm)
  vim.schedule(function()
    on_confirm(T.answer)
  end)
end

-- Notifications are recorded (and echoed for the log).
T.notes = {}
vim.notify = function(msg, level)
  T.notes[#T.notes + 1] = { msg = msg, level = level or vim.log.levels.INFO }
  io.stdout:write(('    [notify %d] %s\n'):format(level or 2, msg))
end

-- print() (Neovim prints "Workspace edit <label>" for applied edits) goes to the log as a line.
_G.print = function(...)
  local parts = {}
  for i = 1, select('#', ...) do
    parts[#parts + 1] = tostring((select(i, ...)))
  end
  io.stdout:write(('    [print] %s\n'):format(table.concat(parts, ' ')))
end

-- Progress events seen ($/progress through LspProgress).
T.progress = {}
vim.api.nvim_create_autocmd('LspProgress', {
  callback = function(ev)
    local value = ev.data and ev.data.params and ev.data.params.value or {}
    T.progress[#T.progress + 1] = { kind = value.kind, title = value.title, message = value.message }
  end,
})

-- Assertions ---------------------------------------------------------------------------

function T.fail(msg)
  error({ codex_test = true, msg = msg }, 2)
end

function T.ok(value, msg)
  if not value then
    T.fail(msg or 'expected a true value')
  end
  return value
end

function T.eq(expected, actual, msg)
  if not vim.deep_equal(expected, actual) then
    T.fail(('%s\n      expected: %s\n      actual:   %s'):format(msg or 'values differ', vim.inspect(expected), vim.inspect(actual)))
  end
end

function T.match(pattern, text, msg)
  if type(text) ~= 'string' or not text:find(pattern) then
    T.fail(('%s: %s does not match %q'):format(msg or 'no match', vim.inspect(text), pattern))
  end
end

--- Wait for fn() to return a truthy value (returned), or fail with msg.
--- `explain()` (optional) adds what was seen to the failure message.
--- fn must not wait itself (T.wait, or a helper that does): in a wait inside another's
--- condition Neovim reads no server answer and its clock stands still, so it spins forever.
function T.wait(fn, msg, timeout, explain)
  local result
  local ok = vim.wait(timeout or T.timeout, function()
    result = fn()
    return result and true or false
  end, 20)
  if not ok then
    T.fail('timed out: ' .. (msg or 'condition') .. (explain and ('\n      ' .. explain()) or ''))
  end
  return result
end

-- Helpers ------------------------------------------------------------------------------

--- Absolute path of a notebook-relative path.
function T.path(rel)
  return T.notebook .. '/' .. rel
end

function T.read(rel)
  local f = assert(io.open(T.path(rel), 'rb'))
  local text = f:read('*a')
  f:close()
  return text
end

function T.write(rel, text)
  vim.fn.mkdir(vim.fs.dirname(T.path(rel)), 'p')
  local f = assert(io.open(T.path(rel), 'wb'))
  f:write(text)
  f:close()
end

function T.lines(text)
  local lines = vim.split(text, '\n', { plain = true })
  if lines[#lines] == '' then
    table.remove(lines)
  end
  return lines
end

--- 0-based line of the first line of a note containing `needle` (plain text).
function T.line_of(rel, needle)
  for i, line in ipairs(T.lines(T.read(rel))) do
    if line:find(needle, 1, true) then
      return i - 1, line
    end
  end
  T.fail(('%q not found in %s'):format(needle, rel))
end

--- The codex client attached to `bufnr` once initialized.
function T.client(bufnr)
  return T.wait(function()
    local c = vim.lsp.get_clients({ name = 'codex', bufnr = bufnr or 0 })[1]
    return c and c.initialized and c
  end, 'codex client attached')
end

--- Wait until every index run reported so far has ended ($/progress begin/end balanced).
function T.indexed()
  T.wait(function()
    local open, ended = 0, 0
    for _, p in ipairs(T.progress) do
      if p.kind == 'begin' then
        open = open + 1
      elseif p.kind == 'end' then
        ended = ended + 1
      end
    end
    return open > 0 and open == ended
  end, 'index runs finished ($/progress end)')
end

--- Open a note, wait until the server is attached and the notebook indexed.
function T.open(rel)
  vim.cmd.edit(vim.fn.fnameescape(T.path(rel)))
  local bufnr = vim.api.nvim_get_current_buf()
  local c = T.client(bufnr)
  T.indexed()
  return bufnr, c
end

--- Send a request through the client, synchronously; returns the result.
function T.request(c, method, params, bufnr)
  local response, err = c:request_sync(method, params, T.timeout, bufnr or 0)
  if not response then
    T.fail(('%s: no response (%s)'):format(method, tostring(err)))
  end
  if response.err then
    T.fail(('%s failed: %s'):format(method, vim.inspect(response.err)))
  end
  return response.result
end

--- Notebook-relative path of a file name (or URI).
function T.rel(name)
  if name:match('^file:') then
    name = vim.uri_to_fname(name)
  end
  name = vim.fs.normalize(name)
  local root = vim.fs.normalize(T.notebook)
  if vim.startswith(name, root .. '/') then
    return name:sub(#root + 2)
  end
  return name
end

--- Put the cursor inside `needle` (on its third character) in the current buffer.
function T.cursor_on(needle)
  for lnum, line in ipairs(vim.api.nvim_buf_get_lines(0, 0, -1, false)) do
    local col = line:find(needle, 1, true)
    if col then
      vim.api.nvim_win_set_cursor(0, { lnum, col + 1 })
      return
    end
  end
  T.fail(('%q not in the buffer'):format(needle))
end

--- Wait until the current window shows notebook-relative `rel`; return the cursor line (1-based).
function T.landed_in(rel)
  T.wait(function()
    return T.rel(vim.api.nvim_buf_get_name(0)) == rel
  end, 'the current window shows ' .. rel, nil, function()
    return 'current buffer: ' .. vim.api.nvim_buf_get_name(0)
  end)
  return vim.api.nvim_win_get_cursor(0)[1]
end

--- The quickfix list once its title matches (the commands are asynchronous).
function T.quickfix(title_pattern)
  return T.wait(function()
    local qf = vim.fn.getqflist({ title = 1, items = 1 })
    if qf.title:find(title_pattern) then
      return qf
    end
  end, 'quickfix list titled ' .. title_pattern)
end

--- Wait for a notification containing `needle` (plain); returns it.
function T.notified(needle, timeout)
  return T.wait(function()
    for _, n in ipairs(T.notes) do
      if n.msg:find(needle, 1, true) then
        return n
      end
    end
  end, ('notification containing %q'):format(needle), timeout, function()
    return 'notifications: ' .. vim.inspect(vim.tbl_map(function(n)
      return n.msg
    end, T.notes))
  end)
end

function T.shell(argv, cwd)
  local obj = vim.system(argv, { cwd = cwd or T.notebook, text = true }):wait(T.timeout)
  if obj.code ~= 0 then
    T.fail(('%s failed: %s%s'):format(table.concat(argv, ' '), obj.stdout or '', obj.stderr or ''))
  end
  return obj.stdout
end

--- Back to one window, no diff mode, empty quickfix, fresh records.
function T.reset()
  vim.cmd('silent! tabonly!')
  vim.cmd('silent! only!')
  vim.cmd('silent! diffoff!')
  vim.fn.setqflist({}, 'r', { title = '', items = {} })
  T.notes, T.selects, T.pick, T.answer = {}, {}, 1, nil
end

-- Runner -------------------------------------------------------------------------------

local cases = {}

function T.test(name, fn)
  cases[#cases + 1] = { name = name, fn = fn }
end

--- Run the cases in order, print one line each, append "pass"/"fail" lines to
--- CODEX_TEST_RESULTS, and exit (status 1 when a case failed).
function T.run(spec_name)
  local results = vim.env.CODEX_TEST_RESULTS and io.open(vim.env.CODEX_TEST_RESULTS, 'a')
  local failed = 0
  io.stdout:write(('%s\n'):format(spec_name))
  for _, case in ipairs(cases) do
    T.reset()
    local t0 = vim.uv.hrtime()
    local ok, err = xpcall(case.fn, function(e)
      if type(e) == 'table' and e.codex_test then
        return e.msg
      end
      return debug.traceback(tostring(e), 2)
    end)
    local ms = (vim.uv.hrtime() - t0) / 1e6
    if ok then
      io.stdout:write(('  ok    %s (%.0f ms)\n'):format(case.name, ms))
    else
      failed = failed + 1
      io.stdout:write(('  FAIL  %s (%.0f ms)\n      %s\n'):format(case.name, ms, tostring(err)))
    end
    if results then
      results:write(('%s\t%s: %s\n'):format(ok and 'pass' or 'fail', spec_name, case.name))
      results:flush()
    end
  end
  if results then
    results:close()
  end
  io.stdout:flush()
  -- Stop the servers so no process outlives the test.
  for _, c in ipairs(vim.lsp.get_clients()) do
    c:stop()
  end
  if not vim.wait(3000, function()
    return #vim.lsp.get_clients() == 0
  end, 20) then
    for _, c in ipairs(vim.lsp.get_clients()) do
      c:stop(true)
    end
    vim.wait(1000, function()
      return #vim.lsp.get_clients() == 0
    end, 20)
  end
  os.exit(failed == 0 and 0 or 1)
end

-- The plugin, configured to start the real server from the test environment (a spec that
-- sets CODEX_TEST_NO_SETUP before loading this file configures it itself).
if not _G.CODEX_TEST_NO_SETUP then
  require('codex').setup({ cmd = T.server_cmd })
end

return T
