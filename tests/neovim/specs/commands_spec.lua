-- :CodexSearch, :CodexBacklinks (and the code lens), :CodexTags, :CodexTag, :CodexNew,
-- :CodexReindex, and the message when the server lacks a command.
local T = dofile(vim.env.CODEX_TEST_DIR .. '/helpers.lua')

local PCR = 'protocols/PCR amplification.md'

--- Every indexed file of the notebook copy (notebook-relative paths): hidden files and the
--- excluded drafts/private/ left out. Notes only unless `all`.
local function files(all)
  local found = {}
  for name, kind in vim.fs.dir(T.notebook, { depth = 10 }) do
    if kind == 'file' and (all or name:match('%.md$')) and not name:match('^%.') and not name:match('/%.')
      and not name:match('^drafts/private/') then
      found[#found + 1] = name
    end
  end
  table.sort(found)
  return found
end

local function notes()
  return files(false)
end

--- Text of a file's metadata: the note itself, or an attachment's sidecars (.NAME.json...).
local function metadata_text(rel)
  if rel:match('%.md$') then
    return T.read(rel)
  end
  local dir, base = rel:match('^(.-)/?([^/]+)$')
  local text = ''
  for _, ext in ipairs({ 'json', 'xml', 'md' }) do
    local sidecar = (dir ~= '' and dir .. '/' or '') .. '.' .. base .. '.' .. ext
    if vim.uv.fs_stat(T.path(sidecar)) then
      text = text .. T.read(sidecar)
    end
  end
  return text
end

local function qf_paths(qf)
  local paths = {}
  for _, item in ipairs(qf.items) do
    paths[#paths + 1] = T.rel(vim.api.nvim_buf_get_name(item.bufnr))
  end
  return paths
end

local function sorted_unique(list)
  local seen, out = {}, {}
  for _, v in ipairs(list) do
    if not seen[v] then
      seen[v] = true
      out[#out + 1] = v
    end
  end
  table.sort(out)
  return out
end

T.test(':CodexSearch PCR fills the quickfix list with snippets and opens the best hit', function()
  T.open('README.md')
  vim.cmd('CodexSearch PCR')
  local qf = T.quickfix('^Codex search: PCR$')
  T.ok(#qf.items >= 5, ('at least 5 hits (got %d)'):format(#qf.items))
  local paths = qf_paths(qf)
  T.ok(vim.tbl_contains(paths, PCR), 'the PCR protocol is a hit: ' .. vim.inspect(paths))
  for _, item in ipairs(qf.items) do
    T.ok(item.lnum >= 1, 'line number')
  end
  -- The text is the server's snippet of the body: plain words (the server returns the match
  -- offsets apart, so nothing is wrapped in brackets), showing the match where the body has it
  -- (a note found by its tags or name shows the start of its body).
  local texts = vim.tbl_map(function(i)
    return i.text
  end, qf.items)
  T.ok(qf.items[1].text:upper():find('PCR', 1, true) ~= nil, 'best hit shows the match: ' .. vim.inspect(texts))
  for _, text in ipairs(texts) do
    local without_links = text:gsub('%[%[.-%]%]', '')
    T.ok(without_links:find('[PCR]', 1, true) == nil, 'no bracket marks: ' .. text)
  end
  -- The picker got the same hits, best first; picking the first opens it at its line.
  local select = T.wait(function()
    return T.selects[1]
  end, 'vim.ui.select called')
  T.eq('Codex search: PCR', select.prompt)
  T.eq(#qf.items, #select.items, 'picker and quickfix list agree')
  T.wait(function()
    return T.rel(vim.api.nvim_buf_get_name(0)) == paths[1]
  end, 'first hit opened (' .. paths[1] .. ')')
  T.eq(qf.items[1].lnum, vim.api.nvim_win_get_cursor(0)[1], 'cursor on the hit line')
end)

T.test("picker = 'quickfix' opens the quickfix window instead of vim.ui.select", function()
  T.open('README.md')
  require('codex').setup({ cmd = T.server_cmd, picker = 'quickfix' })
  vim.cmd('CodexSearch PCR')
  local ok, err = pcall(T.quickfix, '^Codex search: PCR$')
  local winid = vim.fn.getqflist({ winid = 0 }).winid
  require('codex').setup({ cmd = T.server_cmd })
  if not ok then
    error(err, 0)
  end
  T.ok(winid ~= 0, 'quickfix window open')
  T.eq(0, #T.selects, 'no picker')
end)

T.test(':CodexSearch with no hit says so and leaves an empty list', function()
  T.open('README.md')
  vim.cmd('CodexSearch zzzyxnotthere')
  T.notified('no note matches')
  T.eq(0, #vim.fn.getqflist())
end)

--- (path, line) of every wikilink to the PCR protocol (by name or its alias PCR).
local function expected_backlinks()
  local found = {}
  for _, rel in ipairs(notes()) do
    for lnum, line in ipairs(T.lines(T.read(rel))) do
      local rest = line:gsub('`[^`]*`', '') -- links in inline code are not links
      while true do
        local s, e = rest:find('%[%[[^%]]-%]%]')
        if not s then
          break
        end
        local target = rest:sub(s + 2, e - 2):gsub('[#|].*$', '')
        if target == 'PCR amplification' or target == 'PCR' then
          if not (rel == PCR) then
            found[#found + 1] = ('%s:%d'):format(rel, lnum)
          end
        end
        rest = rest:sub(e + 1)
      end
    end
  end
  table.sort(found)
  return found
end

local function qf_locations(qf)
  local out = {}
  for _, item in ipairs(qf.items) do
    out[#out + 1] = ('%s:%d'):format(T.rel(vim.api.nvim_buf_get_name(item.bufnr)), item.lnum)
  end
  table.sort(out)
  return out
end

T.test(':CodexBacklinks on the PCR protocol lists every link to it', function()
  T.open(PCR)
  T.pick = function()
    return nil -- cancel the picker: stay on the note
  end
  vim.cmd('CodexBacklinks')
  local qf = T.quickfix('^Backlinks of PCR amplification$')
  T.eq(expected_backlinks(), qf_locations(qf), 'backlink locations')
  for _, item in ipairs(qf.items) do
    T.match('%[%[', item.text, 'quickfix text is the linking line')
  end
  T.eq(PCR, T.rel(vim.api.nvim_buf_get_name(0)), 'cancelled picker leaves the note open')
end)

T.test('the backlink code lens runs codex.showBacklinks into the quickfix list', function()
  local bufnr, c = T.open(PCR)
  local lenses = T.request(c, 'textDocument/codeLens', { textDocument = { uri = vim.uri_from_bufnr(bufnr) } }, bufnr)
  T.eq(2, #lenses, 'the backlinks lens and the unlinked mentions one')
  T.match('^%d+ unlinked mentions?$', lenses[2].command.title)
  local lens = lenses[1]
  T.eq('codex.showBacklinks', lens.command.command)
  T.match('^%d+ backlinks?$', lens.command.title)
  T.ok(vim.lsp.commands['codex.showBacklinks'], 'client command registered')
  c:exec_cmd(lens.command, { bufnr = bufnr })
  local qf = T.quickfix('^Backlinks of PCR amplification$')
  T.eq(expected_backlinks(), qf_locations(qf), 'lens locations')
  T.eq(tonumber(lens.command.title:match('^(%d+)')), #qf.items, 'lens count matches the list')
  -- The plugin keeps lenses displayed (vim.lsp.codelens.refresh on attach).
  T.wait(function()
    return #vim.lsp.codelens.get(bufnr) > 0
  end, 'code lens displayed in the buffer')
end)

T.test(':CodexTags picks a tag, then lists its notes', function()
  T.open(PCR)
  vim.cmd('CodexTags')
  local qf = T.quickfix('^Codex tag: ')
  local tags_select = T.selects[1]
  T.eq('Codex tags', tags_select.prompt)
  local first = tags_select.items[1]
  T.eq(('#%s (%d)'):format(first.name, first.count), tags_select.shown[1], 'tag label')
  T.eq('Codex tag: #' .. first.name, qf.title)
  T.eq(first.count, #qf.items, 'as many notes as the tag count')
  for _, path in ipairs(qf_paths(qf)) do
    T.match(vim.pesc(first.name), T.read(path), path .. ' carries #' .. first.name)
  end
end)

T.test(':CodexTag assay lists the notes with any assay/* tag', function()
  T.open(PCR)
  T.pick = function()
    return nil
  end
  vim.cmd('CodexTag assay')
  local qf = T.quickfix('^Codex tag: #assay$')
  -- A note carries a tag in its frontmatter or as #tag in its text; an attachment in its
  -- sidecars. (A note may name a tag without carrying it: the dashboard's tables do.)
  local expected = vim.tbl_filter(function(rel)
    local text = metadata_text(rel)
    if not rel:match('%.md$') then
      return text:find('assay/', 1, true) ~= nil
    end
    local frontmatter = text:match('^%-%-%-\n(.-)\n%-%-%-') or ''
    return frontmatter:find('assay/', 1, true) ~= nil or text:find('#assay/', 1, true) ~= nil
  end, files(true))
  T.eq(expected, sorted_unique(qf_paths(qf)), 'notes (and attachments) tagged assay or assay/*')
  T.ok(#expected >= 10, 'the example notebook has many assay notes')
  for _, item in ipairs(qf.items) do
    T.eq(1, item.lnum)
    T.ok(item.text ~= '', 'quickfix text is the title')
  end
  -- Completion of tag names comes from the server.
  local names = require('codex.commands').complete_tags('assay/')
  T.ok(vim.tbl_contains(names, 'assay/pcr'), 'tag completion: ' .. vim.inspect(names))
end)

T.test(':CodexNew creates, opens and saves the note', function()
  T.open(PCR)
  vim.cmd('CodexNew Western blot protocol')
  T.notified('created Western blot protocol.md')
  local rel = 'Western blot protocol.md'
  T.ok(vim.uv.fs_stat(T.path(rel)), 'file exists on disk')
  T.eq(rel, T.rel(vim.api.nvim_buf_get_name(0)), 'the new note is the current buffer')
  T.eq(false, vim.bo.modified, 'saved')
  T.match('Western blot protocol', T.read(rel), 'file has the title')
  T.ok(not T.read(rel):find('\n\n$'), 'no extra empty line at the end: ' .. vim.inspect(T.read(rel)))
  T.eq(vim.api.nvim_buf_get_lines(0, 0, -1, false), T.lines(T.read(rel)), 'buffer and file agree')
  -- The server indexes it (at once on save, or through its file watcher): a search finds it.
  T.pick = function()
    return nil
  end
  -- Search again until it is found; each search is waited for on its own (a wait inside
  -- another's condition would stop Neovim from reading the server's answers).
  local found = false
  for _ = 1, 50 do
    vim.fn.setqflist({}, 'r', { title = '', items = {} })
    vim.cmd('CodexSearch Western blot protocol')
    local qf = T.quickfix('^Codex search: Western blot protocol$')
    found = vim.tbl_contains(qf_paths(qf), rel)
    if found then
      break
    end
    vim.wait(100)
  end
  T.ok(found, 'the new note is found by :CodexSearch')
end)

T.test(':CodexNew with the title of an existing note opens it', function()
  T.open(PCR)
  local before = T.read('README.md')
  vim.cmd('CodexNew README')
  T.notified('opened existing README.md')
  T.eq('README.md', T.rel(vim.api.nvim_buf_get_name(0)))
  T.eq(before, T.read('README.md'), 'untouched')
end)

T.test(':CodexNew without a title asks for one', function()
  T.open('README.md')
  T.answer = 'Asked title'
  vim.cmd('CodexNew')
  T.notified('created Asked title.md')
  T.ok(vim.uv.fs_stat(T.path('Asked title.md')), 'created')
end)

T.test(':CodexReindex and :CodexReindex! report the index', function()
  T.open(PCR)
  vim.cmd('CodexReindex')
  local n = T.notified('codex: reindexed')
  T.match(vim.pesc(vim.fs.basename(T.notebook)) .. ': %d+ notes', n.msg)
  T.notes = {}
  vim.cmd('CodexReindex!')
  n = T.notified('codex: reindexed')
  T.match('%d+ notes, %d+ links', n.msg)
  T.indexed()
  T.match('^Codex: .*%d+ notes$', require('codex').status(), 'status after reindex')
end)

T.test('a command the server does not offer is reported, not raised', function()
  local bufnr, c = T.open(PCR)
  local provider = c.server_capabilities.executeCommandProvider
  local saved = provider.commands
  provider.commands = vim.tbl_filter(function(name)
    return name ~= 'codex.search'
  end, saved)
  local ok, err = pcall(vim.cmd, 'CodexSearch PCR')
  provider.commands = saved
  T.ok(ok, 'no error: ' .. tostring(err))
  local n = T.notified('does not offer codex.search')
  T.eq(vim.log.levels.WARN, n.level)
  T.match('codex%-lsp', n.msg, 'names the server')
  T.ok(bufnr)
end)

T.test('without a running server the commands say so', function()
  T.open(PCR)
  for _, c in ipairs(vim.lsp.get_clients({ name = 'codex' })) do
    c:stop()
  end
  T.wait(function()
    return #vim.lsp.get_clients({ name = 'codex' }) == 0
  end, 'server stopped')
  T.eq('', require('codex').status(), 'status() is empty without server')
  local ok, err = pcall(vim.cmd, 'CodexTags')
  T.ok(ok, tostring(err))
  T.notified('no codex-lsp server is running')
end)

T.run('commands_spec')
