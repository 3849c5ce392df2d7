-- Notebook roots: the plugin starts the server on the root the server and the CLI find for a
-- note (an Obsidian, Foam, zk or Dendron vault, a git work tree, or a lone note's folder), and
-- :checkhealth codex says which root it found, or why there is none.
local T = dofile(vim.env.CODEX_TEST_DIR .. '/helpers.lua')
local root = require('codex.root')

--- A fresh folder (symlinks resolved, as the server names roots) holding `files`.
local function tree(files)
  local base = vim.fn.tempname()
  vim.fn.mkdir(base, 'p')
  base = vim.uv.fs_realpath(base)
  for rel, text in pairs(files) do
    local path = base .. '/' .. rel
    if rel:sub(-1) == '/' then
      vim.fn.mkdir(path, 'p')
    else
      vim.fn.mkdir(vim.fs.dirname(path), 'p')
      vim.fn.writefile(vim.split(text, '\n'), path)
    end
  end
  return base
end

local function edit(path)
  vim.cmd.edit(vim.fn.fnameescape(path))
  local bufnr = vim.api.nvim_get_current_buf()
  return bufnr, T.client(bufnr)
end

--- :checkhealth codex as text.
local function checkhealth()
  vim.cmd('checkhealth codex')
  local buf = T.wait(function()
    for _, b in ipairs(vim.api.nvim_list_bufs()) do
      if vim.bo[b].filetype == 'checkhealth' then
        local text = table.concat(vim.api.nvim_buf_get_lines(b, 0, -1, false), '\n')
        if text:find('Notebooks ~', 1, true) then
          return b
        end
      end
    end
  end, 'checkhealth buffer')
  local text = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n')
  vim.cmd('silent! tabclose')
  vim.api.nvim_buf_delete(buf, { force = true })
  return text
end

T.test('every vault marker makes its folder the root; the nearest one wins', function()
  local base = tree({
    ['obsidian/.obsidian/'] = '',
    ['obsidian/content/Math/Graphs.md'] = '',
    ['foam/.foam/'] = '',
    ['foam-old/.vscode/foam.json'] = '{}',
    ['zk/.zk/'] = '',
    ['dendron/dendron.yml'] = 'version: 5',
    ['codex/.codex/'] = '',
    ['codex/vault/.obsidian/'] = '',
    ['code/.vscode/settings.json'] = '{}',
  })
  for name, marker in pairs({
    obsidian = '.obsidian',
    foam = '.foam',
    ['foam-old'] = '.vscode/foam.json',
    zk = '.zk',
    dendron = 'dendron.yml',
    codex = '.codex',
  }) do
    local found, how = root.find(base .. '/' .. name .. '/a note.md')
    T.eq(base .. '/' .. name, found, name)
    T.eq(marker, how, name)
  end
  T.eq(base .. '/obsidian', (root.find(base .. '/obsidian/content/Math/Graphs.md')))
  T.eq(base .. '/codex/vault', (root.find(base .. '/codex/vault/x.md')))
  -- .vscode/ without foam.json is a code project, not a notebook: a lone note there.
  T.eq({ base .. '/code', 'lone note: its folder' }, { root.find(base .. '/code/x.md') })
end)

T.test('a git work tree is the fallback; a vault inside it is its own notebook', function()
  local repo = tree({ ['.git/'] = '', ['docs/guide.md'] = '', ['vault/.obsidian/'] = '', ['vault/notes/a.md'] = '' })
  T.eq({ repo, 'git work tree' }, { root.find(repo .. '/docs/guide.md') })
  T.eq({ repo .. '/vault', '.obsidian' }, { root.find(repo .. '/vault/notes/a.md') })
end)

T.test('a note in a subfolder of a vault starts the server on the vault', function()
  local vault = tree({
    ['.obsidian/'] = '',
    ['Sets.md'] = '# Sets',
    ['content/Math/Graphs.md'] = '[[Sets]] [[Missing]]',
  })
  local bufnr, c = edit(vault .. '/content/Math/Graphs.md')
  T.eq(vault, c.root_dir, 'the vault is the root')
  T.indexed()
  local result = T.request(c, 'textDocument/definition', {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    position = { line = 0, character = 3 },
  }, bufnr)
  local loc = result[1] or result
  T.eq(vim.uri_from_fname(vault .. '/Sets.md'), loc.uri or loc.targetUri, 'link resolved in the vault')
  T.match('notebook root for ' .. vim.pesc(vault) .. '/content/Math/Graphs.md: ' .. vim.pesc(vault) .. ' %(%.obsidian%)', checkhealth())
end)

T.test('a folder with only .obsidian/ gets the server and completion after [[', function()
  local vault = tree({ ['.obsidian/'] = '', ['Set theory.md'] = '# Set theory', ['Graphs.md'] = 'See [[' })
  local bufnr, c = edit(vault .. '/Graphs.md')
  T.eq(vault, c.root_dir, 'the vault is the root')
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    position = { line = 0, character = #'See [[' },
    context = { triggerKind = 2, triggerCharacter = '[' },
  }
  -- Ask again until the first index run has listed the vault's notes.
  local labels, pending = {}, false
  T.wait(function()
    if not pending then
      pending = true
      c:request('textDocument/completion', params, function(_, result)
        labels = vim.tbl_map(function(item)
          return item.label
        end, result and (result.items or result) or {})
        pending = false
      end, bufnr)
    end
    return vim.tbl_contains(labels, 'Set theory')
  end, 'completion lists "Set theory"', nil, function()
    return 'labels: ' .. vim.inspect(labels)
  end)
end)

T.test('a lone note starts the server on its own folder', function()
  local folder = tree({ ['loose note.md'] = '# Loose\n\n[[Nowhere]]' })
  local bufnr, c = edit(folder .. '/loose note.md')
  T.eq(folder, c.root_dir)
  T.wait(function()
    local d = vim.diagnostic.get(bufnr)
    return #d == 1 and d[1].code == 'link-broken'
  end, 'the broken link diagnosed')
end)

T.test('a lone note in the home folder has no root, and checkhealth says why', function()
  local home = tree({ ['todo.md'] = '# Todo' })
  local saved = vim.env.HOME
  vim.env.HOME = home
  local found, why = root.find(home .. '/todo.md')
  T.eq(nil, found)
  T.match('is the home folder', why)
  vim.cmd.edit(vim.fn.fnameescape(home .. '/todo.md'))
  local text = checkhealth()
  vim.env.HOME = saved
  T.match('WARNING no notebook root for ' .. vim.pesc(home) .. '/todo.md: ' .. vim.pesc(home) .. ' is the home folder', text)
end)

T.run('roots_spec')
