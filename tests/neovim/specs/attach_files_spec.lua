-- :CodexAttach PATH... copies files into the notebook and embeds them at the cursor (one
-- undoable edit); :CodexPaste does the same with a clipboard image (wl-paste or xclip), or
-- says clearly that it cannot.
local T = dofile(vim.env.CODEX_TEST_DIR .. '/helpers.lua')

local NOTE = 'experiments/EXP-014 HEK293 transfection.md'
local CSV_TYPE = [[

  plate-data:
    paths: ["**/*.csv"]
    required: [instrument, run_id]
    properties:
      instrument: {enum: [Tecan Spark, BMG Clariostar]}
      run_id: {type: string}
]]

--- A file outside the notebook (the user's desktop), with `data` in it.
local function outside(name, data)
  local folder = vim.fn.tempname()
  vim.fn.mkdir(folder, 'p')
  local path = folder .. '/' .. name
  local f = assert(io.open(path, 'wb'))
  f:write(data)
  f:close()
  return path
end

local function exists(rel)
  return vim.uv.fs_stat(T.path(rel)) ~= nil
end

T.test(':CodexAttach copies the file, embeds it at the cursor and writes the sidecar', function()
  require('codex').setup({ cmd = T.server_cmd })
  T.write('.codex/schema.yaml', T.read('.codex/schema.yaml') .. CSV_TYPE)
  local bufnr = T.open(NOTE)
  local line = T.line_of(NOTE, 'First transfection')
  vim.api.nvim_win_set_cursor(0, { line + 1, 0 })
  vim.cmd('normal! 0')
  local before = vim.api.nvim_get_current_line()
  local source = outside('plate reader.csv', 'well,od600\nA1,0.42\n')
  vim.cmd('CodexAttach ' .. vim.fn.fnameescape(source))
  local embed = '![[plate reader.csv]]'
  -- Inserted after the character under the cursor, as `a` would.
  local expected = before:sub(1, 1) .. embed .. before:sub(2)
  T.wait(function()
    return vim.api.nvim_buf_get_lines(bufnr, line, line + 1, false)[1] == expected
  end, 'the embed in the buffer', nil, function()
    return 'line: ' .. vim.api.nvim_buf_get_lines(bufnr, line, line + 1, false)[1]
  end)
  T.eq('well,od600\nA1,0.42\n', T.read('attachments/plate reader.csv'), 'the copy on disk')
  local sidecar = vim.json.decode(T.read('attachments/.plate reader.csv.json'))
  T.eq({ instrument = 'Tecan Spark', run_id = '' }, sidecar, 'the sidecar holds the required keys')
  T.notified('codex: copied attachments/plate reader.csv; 1 sidecar created')
  -- One undo takes the embed away again.
  vim.cmd('silent undo')
  T.eq(before, vim.api.nvim_buf_get_lines(bufnr, line, line + 1, false)[1], 'undone')
end)

T.test(':CodexAttach of a file that does not exist says so and changes nothing', function()
  local bufnr = T.open(NOTE)
  local text = table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n')
  vim.cmd('CodexAttach /nonexistent/gel.png')
  T.notified('codex: /nonexistent/gel.png is not a file')
  T.eq(text, table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n'))
end)

T.test(':CodexPaste attaches the clipboard image through wl-paste', function()
  -- A stand-in for wl-paste on PATH offering a PNG, as wl-clipboard does.
  local bin = vim.fn.tempname()
  vim.fn.mkdir(bin, 'p')
  local png = outside('clip.png', '\137PNG\r\n\26\n\0\0\0\13IHDR\0\0\0\3\0\0\0\2\8\0\0\0\0')
  local script = ([[#!/bin/sh
case "$1" in
  --list-types) printf 'image/png\ntext/plain\n' ;;
  *) cat %q ;;
esac
]]):format(png)
  local f = assert(io.open(bin .. '/wl-paste', 'w'))
  f:write(script)
  f:close()
  vim.uv.fs_chmod(bin .. '/wl-paste', 493)
  local path, wayland = vim.env.PATH, vim.env.WAYLAND_DISPLAY
  vim.env.PATH = bin .. ':' .. path
  vim.env.WAYLAND_DISPLAY = 'wayland-test'
  local bufnr = T.open(NOTE)
  vim.api.nvim_win_set_cursor(0, { 1, 0 })
  local done
  require('codex.attach').paste(bufnr, function(result)
    done = result
  end)
  vim.env.PATH, vim.env.WAYLAND_DISPLAY = path, wayland
  local result = T.wait(function()
    return done
  end, 'codex.attach answered')
  local attached = result.attached[1]
  T.match('^attachments/Pasted image %d+%.png$', attached.path)
  T.ok(exists(attached.path), 'the image is in the notebook')
  T.eq(T.read(attached.path):sub(1, 8), '\137PNG\r\n\26\n', 'the clipboard bytes')
  local first = vim.api.nvim_buf_get_lines(bufnr, 0, 1, false)[1]
  T.ok(first:find(attached.link, 1, true) ~= nil, 'the embed is on the first line: ' .. first)
end)

T.test(':CodexPaste without wl-paste or xclip says what it needs', function()
  local path, wayland = vim.env.PATH, vim.env.WAYLAND_DISPLAY
  vim.env.PATH, vim.env.WAYLAND_DISPLAY = '/nonexistent', nil
  local ok, err = pcall(require('codex.attach').paste)
  vim.env.PATH, vim.env.WAYLAND_DISPLAY = path, wayland
  T.ok(ok, tostring(err))
  local n = T.notified(':CodexPaste needs wl-paste (wl-clipboard, Wayland) or xclip (X11)')
  T.eq(vim.log.levels.WARN, n.level)
end)

T.run('attach_files_spec')
