-- codex.nvim: user commands, <Plug> mappings, the client commands of the code lenses, the
-- progress listener and the LspAttach set-up; everything else loads on first use. The server
-- starts after require('codex').setup() or vim.lsp.enable('codex') (see :help codex).
if vim.g.loaded_codex then
  return
end
vim.g.loaded_codex = 1

if vim.fn.has('nvim-0.10') == 0 then
  vim.notify('codex: Neovim 0.10 or newer is required (0.11+ recommended)', vim.log.levels.WARN)
  return
end

local function command(name, fn, opts)
  opts.desc = opts.desc or name
  vim.api.nvim_create_user_command(name, fn, opts)
end

local function args_or_nil(o)
  local a = vim.trim(o.args or '')
  return a ~= '' and a or nil
end

command('CodexSearch', function(o)
  require('codex.commands').search(args_or_nil(o))
end, { nargs = '*', desc = 'Codex: full-text search of the notebook' })

command('CodexTags', function()
  require('codex.commands').tags()
end, { nargs = 0, desc = 'Codex: pick a tag, then a note carrying it' })

command('CodexTag', function(o)
  require('codex.commands').tag(o.fargs, o.bang and 'any' or 'all')
end, {
  nargs = '+',
  bang = true,
  complete = function(arglead)
    return require('codex.commands').complete_tags(arglead)
  end,
  desc = 'Codex: notes carrying all tags (! = any tag)',
})

command('CodexBacklinks', function()
  require('codex.commands').backlinks()
end, { nargs = 0, desc = 'Codex: notes linking to this note' })

command('CodexNew', function(o)
  require('codex.commands').new(args_or_nil(o))
end, { nargs = '*', desc = 'Codex: create a note (asks the template when several fit)' })

command('CodexToday', function()
  require('codex.daily').today()
end, { nargs = 0, desc = "Codex: open (or create) today's daily note" })

command('CodexDaily', function(o)
  require('codex.daily').daily(args_or_nil(o))
end, { nargs = '*', desc = 'Codex: daily note of a date (today, next monday, 2026-12-24, +1)' })

command('CodexNext', function()
  require('codex.daily').neighbour('next')
end, { nargs = 0, desc = 'Codex: the next existing daily note' })

command('CodexPrev', function()
  require('codex.daily').neighbour('previous')
end, { nargs = 0, desc = 'Codex: the previous existing daily note' })

command('CodexReindex', function(o)
  require('codex.commands').reindex(o.bang)
end, { nargs = 0, bang = true, desc = 'Codex: update the index (! = re-read every file)' })

command('CodexHistory', function()
  require('codex.git').history()
end, { nargs = 0, desc = 'Codex: git history of this note' })

local function complete_commits(arglead)
  return require('codex.git').complete_commits(arglead)
end

command('CodexDiff', function(o)
  require('codex.git').diff(args_or_nil(o), nil, o.bang)
end, {
  nargs = '?',
  bang = true,
  complete = complete_commits,
  desc = 'Codex: diff this note against a commit (! = unified diff)',
})

command('CodexRestore', function(o)
  require('codex.git').restore(args_or_nil(o))
end, { nargs = '?', complete = complete_commits, desc = 'Codex: restore this note from a commit' })

command('CodexDeleted', function()
  require('codex.git').deleted()
end, { nargs = 0, desc = 'Codex: restore a note deleted in git history' })

command('CodexConnections', function()
  require('codex.connections').open()
end, { nargs = 0, desc = 'Codex: backlinks, links and tags of this note in a side buffer' })

command('CodexCreateFromLink', function()
  require('codex.create_link').create()
end, { nargs = 0, desc = 'Codex: create the note of the broken link under the cursor' })

command('CodexView', function(o)
  require('codex.views').view(args_or_nil(o))
end, {
  nargs = '?',
  complete = function(arglead)
    return require('codex.views').complete(arglead)
  end,
  desc = 'Codex: render a view (default: the view file or inline block under the cursor)',
})

command('CodexViews', function()
  require('codex.views').pick()
end, { nargs = 0, desc = 'Codex: pick a view of the notebook and render it' })

command('CodexAttach', function(o)
  require('codex.attach').attach(o.fargs)
end, { nargs = '+', complete = 'file', desc = 'Codex: copy files into the notebook and embed them at the cursor' })

command('CodexPaste', function()
  require('codex.attach').paste()
end, { nargs = 0, desc = 'Codex: attach the clipboard image at the cursor (wl-paste or xclip)' })

-- View files (docs/views.md): YAML, served by codex-lsp (lsp/codex.lua lists yaml.cdx).
vim.filetype.add({ extension = { cdx = 'yaml.cdx', base = 'yaml.cdx' } })

-- <Plug> mappings (map your own keys to these; see :help codex-mappings).
local plug = {
  ['<Plug>(codex-search)'] = function()
    require('codex.commands').search()
  end,
  ['<Plug>(codex-tags)'] = function()
    require('codex.commands').tags()
  end,
  ['<Plug>(codex-backlinks)'] = function()
    require('codex.commands').backlinks()
  end,
  ['<Plug>(codex-new)'] = function()
    require('codex.commands').new()
  end,
  ['<Plug>(codex-history)'] = function()
    require('codex.git').history()
  end,
  ['<Plug>(codex-diff)'] = function()
    require('codex.git').diff()
  end,
  ['<Plug>(codex-reindex)'] = function()
    require('codex.commands').reindex(false)
  end,
  ['<Plug>(codex-connections)'] = function()
    require('codex.connections').open()
  end,
  ['<Plug>(codex-create-from-link)'] = function()
    require('codex.create_link').create()
  end,
  ['<Plug>(codex-view)'] = function()
    require('codex.views').view()
  end,
}
for lhs, fn in pairs(plug) do
  vim.keymap.set('n', lhs, fn, { desc = 'codex' })
end

-- Client-side commands run by the server's code lenses (backlinks, git history, inline views).
if not vim.lsp.commands['codex.showBacklinks'] then
  vim.lsp.commands['codex.showBacklinks'] = function(cmd, ctx)
    require('codex.commands').show_backlinks(cmd, ctx)
  end
end
if not vim.lsp.commands['codex.showHistory'] then
  vim.lsp.commands['codex.showHistory'] = function(cmd, ctx)
    require('codex.git').show_history(cmd, ctx)
  end
end
if not vim.lsp.commands['codex.openInlineView'] then
  vim.lsp.commands['codex.openInlineView'] = function(cmd)
    require('codex.views').open_inline(cmd)
  end
end

-- Indexing progress for require('codex').status().
local group = vim.api.nvim_create_augroup('codex_progress', { clear = true })
vim.api.nvim_create_autocmd('LspProgress', {
  group = group,
  callback = function(ev)
    require('codex.progress').on_progress(ev)
    local value = ev.data and ev.data.params and ev.data.params.value
    if type(value) == 'table' and value.kind == 'end' then
      require('codex').on_index_end(ev.data.client_id)
      if package.loaded['codex.views'] then
        require('codex.views').on_index_end(ev.data.client_id)
      end
    end
  end,
})

-- Mappings (when configured) and code lenses in the buffers the codex server attaches to.
vim.api.nvim_create_autocmd('LspAttach', {
  group = group,
  callback = function(ev)
    local c = vim.lsp.get_client_by_id(ev.data.client_id)
    if c and c.name == 'codex' then
      require('codex').on_attach(ev.buf)
    end
  end,
})

-- Open views follow the notebook, and inline views show their row count: the server
-- re-publishes the diagnostics of the open documents after every index update.
vim.api.nvim_create_autocmd('DiagnosticChanged', {
  group = group,
  callback = function(ev)
    if #vim.lsp.get_clients({ name = 'codex', bufnr = ev.buf }) > 0 then
      require('codex.views').on_diagnostics(ev)
    end
  end,
})
