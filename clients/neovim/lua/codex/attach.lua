--- :CodexAttach PATH... and :CodexPaste — copy files (or a clipboard image) into the notebook
--- through the server's codex.attach, which inserts their ![[embeds]] at the cursor as one
--- edit (undo with `u`).
local client = require('codex.client')

local M = {}

local notify = client.notify

--- The LSP position just after the character under the cursor of `win` (the start of an
--- empty line): where `a` would start typing, so "See |x" becomes "See x![[...]]".
local function insert_position(win, bufnr, encoding)
  local row, col = unpack(vim.api.nvim_win_get_cursor(win))
  local line = vim.api.nvim_buf_get_lines(bufnr, row - 1, row, false)[1] or ''
  if #line > 0 then
    local char = vim.fn.strpart(line, col, 1, true)
    col = math.min(col + #char, #line)
  end
  local units
  if vim.fn.has('nvim-0.11') == 1 then
    units = vim.str_utfindex(line, encoding, col, false)
  else
    local utf32, utf16 = vim.str_utfindex(line, col)
    units = encoding == 'utf-32' and utf32 or encoding == 'utf-8' and col or utf16
  end
  return { line = row - 1, character = units }
end

--- Say what codex.attach did.
local function report(result)
  local copied, reused, sidecars = {}, {}, 0
  for _, item in ipairs(result.attached or {}) do
    local list = item.reused and reused or copied
    list[#list + 1] = item.path
    if item.sidecar then
      sidecars = sidecars + 1
    end
  end
  local parts = {}
  if #copied > 0 then
    parts[#parts + 1] = 'copied ' .. table.concat(copied, ', ')
  end
  if #reused > 0 then
    parts[#parts + 1] = 'reused ' .. table.concat(reused, ', ')
  end
  if sidecars > 0 then
    parts[#parts + 1] = ('%d sidecar%s created'):format(sidecars, sidecars == 1 and '' or 's')
  end
  notify('codex: ' .. table.concat(parts, '; '))
end

--- Attach files to the note of `bufnr` at the cursor.
--- @param paths string[] files (absolute, relative to the cwd, or with ~)
--- @param bufnr? integer
--- @param on_done? fun(result: table)
function M.attach(paths, bufnr, on_done)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  if #paths == 0 then
    return notify('codex: :CodexAttach needs one or more files', vim.log.levels.WARN)
  end
  local files = {}
  for _, path in ipairs(paths) do
    local full = vim.fn.fnamemodify(vim.fs.normalize(path), ':p')
    local stat = vim.uv.fs_stat(full)
    if not stat or stat.type ~= 'file' then
      return notify(('codex: %s is not a file'):format(path), vim.log.levels.WARN)
    end
    files[#files + 1] = full
  end
  -- The server forces UTF-16 positions; a client not attached yet will use them too.
  local attached = vim.lsp.get_clients({ name = client.name, bufnr = bufnr })[1]
  local encoding = attached and attached.offset_encoding or 'utf-16'
  local position = insert_position(vim.api.nvim_get_current_win(), bufnr, encoding)
  local arg = { uri = client.uri(bufnr), files = files, position = position }
  client.execute('codex.attach', arg, function(result)
    report(result)
    if on_done then
      on_done(result)
    end
  end, { bufnr = bufnr, feature = ':CodexAttach' })
end

--- The clipboard tool that can give an image here: wl-paste under Wayland, xclip under X11.
--- @return {list: string[], read: string[]}?
local function clipboard_tool()
  if vim.env.WAYLAND_DISPLAY and vim.fn.executable('wl-paste') == 1 then
    return { list = { 'wl-paste', '--list-types' }, read = { 'wl-paste', '--no-newline', '--type' } }
  end
  if vim.fn.executable('xclip') == 1 then
    return {
      list = { 'xclip', '-selection', 'clipboard', '-t', 'TARGETS', '-o' },
      read = { 'xclip', '-selection', 'clipboard', '-o', '-t' },
    }
  end
end

local IMAGE_TYPES = { 'image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/svg+xml' }
local EXTENSIONS = { ['image/png'] = 'png', ['image/jpeg'] = 'jpg', ['image/gif'] = 'gif', ['image/webp'] = 'webp', ['image/svg+xml'] = 'svg' }

--- :CodexPaste — save the clipboard's image as "Pasted image YYYYMMDDHHMMSS.png" (Obsidian's
--- name) and attach it at the cursor.
--- @param bufnr? integer
--- @param on_done? fun(result: table)
function M.paste(bufnr, on_done)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local tool = clipboard_tool()
  if not tool then
    return notify(
      'codex: :CodexPaste needs wl-paste (wl-clipboard, Wayland) or xclip (X11) to read an image from the clipboard; neither was found',
      vim.log.levels.WARN
    )
  end
  local listed = vim.system(tool.list, { text = true }):wait(5000)
  local offered = listed.code == 0 and vim.split(listed.stdout or '', '%s+') or {}
  local mime
  for _, wanted in ipairs(IMAGE_TYPES) do
    if vim.tbl_contains(offered, wanted) then
      mime = wanted
      break
    end
  end
  if not mime then
    return notify('codex: the clipboard holds no image (use :CodexAttach for files)', vim.log.levels.WARN)
  end
  local read = vim.list_extend(vim.deepcopy(tool.read), { mime })
  local image = vim.system(read):wait(10000)
  if image.code ~= 0 or not image.stdout or #image.stdout == 0 then
    return notify('codex: reading the clipboard image failed: ' .. (image.stderr or ''), vim.log.levels.ERROR)
  end
  local folder = vim.fn.tempname()
  vim.fn.mkdir(folder, 'p')
  local path = ('%s/Pasted image %s.%s'):format(folder, os.date('%Y%m%d%H%M%S'), EXTENSIONS[mime])
  local f = assert(io.open(path, 'wb'))
  f:write(image.stdout)
  f:close()
  M.attach({ path }, bufnr, function(result)
    vim.fn.delete(folder, 'rf')
    if on_done then
      on_done(result)
    end
  end)
end

return M
