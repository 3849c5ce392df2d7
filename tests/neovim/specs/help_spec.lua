-- :help codex: the shipped doc/tags is current, and every command, option and <Plug> mapping
-- of the plugin has its help tag.
local T = dofile(vim.env.CODEX_TEST_DIR .. '/helpers.lua')

local DOC = T.plugin .. '/doc'

-- Help buffers are highlighted by the vimdoc tree-sitter parser, which Neovim ships beside its
-- runtime (lib/nvim, on the default 'runtimepath' that helpers.lua trims).
vim.opt.runtimepath:append(vim.fs.normalize(vim.env.VIMRUNTIME .. '/../../../lib/nvim'))

--- Open `:help {topic}`; returns the help file's name and the line under the cursor.
local function help(topic)
  local ok, err = pcall(vim.cmd.help, topic)
  if not ok then
    T.fail((':help %s failed: %s'):format(topic, tostring(err)))
  end
  T.eq('help', vim.bo.buftype, ':help ' .. topic .. ' opened a help buffer')
  local file = vim.fs.basename(vim.api.nvim_buf_get_name(0))
  local line = vim.api.nvim_get_current_line()
  vim.cmd('helpclose')
  return file, line
end

local function read(path)
  local f = assert(io.open(path, 'rb'))
  local text = f:read('*a')
  f:close()
  return text
end

T.test(':help codex opens the plugin help on its main tag', function()
  local file, line = help('codex')
  T.eq('codex.txt', file)
  T.match('%*codex%*', line, 'the cursor is on the *codex* tag')
end)

T.test(':help finds every :Codex command, option and <Plug> mapping', function()
  local topics = {}
  for name in pairs(vim.api.nvim_get_commands({})) do
    if name:match('^Codex') then
      topics[#topics + 1] = ':' .. name
    end
  end
  T.ok(#topics >= 12, 'the plugin defines its commands: ' .. vim.inspect(topics))
  local options = { 'cmd', 'settings', 'new_note_folder' } -- nil by default
  for key in pairs(require('codex.config').defaults) do
    options[#options + 1] = key
  end
  for _, key in ipairs(options) do
    topics[#topics + 1] = 'codex-option-' .. key
  end
  for _, map in ipairs(vim.api.nvim_get_keymap('n')) do
    if map.lhs:match('^<Plug>%(codex%-') then
      topics[#topics + 1] = map.lhs
    end
  end
  for _, topic in ipairs(topics) do
    local file, line = help(topic)
    T.eq('codex.txt', file, topic)
    T.ok(line:find('*' .. topic .. '*', 1, true), ('the cursor is on *%s*: %q'):format(topic, line))
  end
end)

T.test('the shipped doc/tags is what :helptags makes of doc/codex.txt', function()
  local copy = vim.fn.tempname() .. '/doc'
  vim.fn.mkdir(copy, 'p')
  vim.uv.fs_copyfile(DOC .. '/codex.txt', copy .. '/codex.txt')
  vim.cmd.helptags(vim.fn.fnameescape(copy))
  T.eq(read(copy .. '/tags'), read(DOC .. '/tags'), 'doc/tags is out of date: run  nvim --headless --clean -c "helptags clients/neovim/doc" -c q')
end)

T.run('help_spec')
