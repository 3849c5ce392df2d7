--- The :Codex* commands that list notes: search, tags, backlinks, new note, reindex; and the
--- client-side command `codex.showBacklinks` invoked by the server's backlink code lens.
local client = require('codex.client')
local config = require('codex.config')
local ui = require('codex.ui')

local M = {}

local notify = client.notify

--- Ask for a value when the command got none.
local function ask(prompt, value, fn)
  if value and vim.trim(value) ~= '' then
    return fn(vim.trim(value))
  end
  vim.ui.input({ prompt = prompt }, function(input)
    if input and vim.trim(input) ~= '' then
      fn(vim.trim(input))
    end
  end)
end

--- :CodexSearch {query} — full-text search; hits (best first) into the quickfix list with the
--- snippet as text, and a picker.
--- @param query? string
--- @param opts? {tags?: string[], limit?: integer}
function M.search(query, opts)
  opts = opts or {}
  ask('Codex search: ', query, function(q)
    local arg = { query = q, limit = opts.limit or config.options.search_limit }
    if opts.tags and #opts.tags > 0 then
      arg.tags = opts.tags
    end
    client.execute('codex.search', arg, function(hits, c)
      hits = hits or {}
      if #hits == 0 then
        ui.set_quickfix(('Codex search: %s'):format(q), {})
        notify(('codex: no note matches %q'):format(q))
        return
      end
      local items = {}
      for _, hit in ipairs(hits) do
        local item = ui.item({ uri = hit.uri, range = hit.range }, c.offset_encoding, hit.snippet)
        item.codex_title = hit.title
        items[#items + 1] = item
      end
      ui.show_items(('Codex search: %s'):format(q), items, c.offset_encoding, function(item)
        return ('%s  %s'):format(item.codex_title or ui.display_path(item.filename), item.text)
      end)
    end)
  end)
end

--- Show backlink locations (from codex.backlinks or the code lens).
--- @param title string
--- @param locations {uri: string, range: lsp.Range}[]
--- @param encoding string
function M.show_locations(title, locations, encoding)
  if not locations or #locations == 0 then
    ui.set_quickfix(title, {})
    notify('codex: ' .. title .. ': none')
    return
  end
  local items = {}
  for _, location in ipairs(locations) do
    items[#items + 1] = ui.item(location, encoding)
  end
  ui.show_items(title, items, encoding)
end

--- :CodexBacklinks — notes that link to the current note.
--- @param bufnr? integer
function M.backlinks(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local name = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(bufnr), ':t:r')
  client.execute('codex.backlinks', { uri = client.uri(bufnr) }, function(locations, c)
    M.show_locations(('Backlinks of %s'):format(name), locations, c.offset_encoding)
  end, { bufnr = bufnr })
end

--- Handler of the client command `codex.showBacklinks` (vim.lsp.commands), used by the lens.
--- @param command lsp.Command arguments = { {uri, position, locations} }
--- @param ctx table
function M.show_backlinks(command, ctx)
  local arg = (command.arguments or {})[1] or {}
  local c = ctx and ctx.client_id and vim.lsp.get_client_by_id(ctx.client_id)
  local encoding = c and c.offset_encoding or 'utf-16'
  local name = arg.uri and vim.fn.fnamemodify(vim.uri_to_fname(arg.uri), ':t:r') or 'note'
  M.show_locations(('Backlinks of %s'):format(name), arg.locations or {}, encoding)
end

--- Notes carrying tags; `match` "all" (default) or "any".
--- @param tags string[]
--- @param match? 'all'|'any'
function M.tag(tags, match)
  if type(tags) == 'string' then
    tags = vim.split(tags, '%s+', { trimempty = true })
  end
  tags = vim.tbl_map(function(t)
    return (t:gsub('^#', ''))
  end, tags or {})
  if #tags == 0 then
    return M.tags()
  end
  match = match or 'all'
  local title = ('Codex tag: %s'):format(table.concat(
    vim.tbl_map(function(t)
      return '#' .. t
    end, tags),
    match == 'all' and ' ' or ' | '
  ))
  client.execute('codex.searchTags', { tags = tags, match = match }, function(notes, c)
    notes = notes or {}
    if #notes == 0 then
      ui.set_quickfix(title, {})
      notify(('codex: no note carries %s'):format(title:gsub('^Codex tag: ', '')))
      return
    end
    local items = {}
    for _, note in ipairs(notes) do
      local location = { uri = note.uri, range = { start = { line = 0, character = 0 }, ['end'] = { line = 0, character = 0 } } }
      local item = ui.item(location, c.offset_encoding, note.title)
      item.codex_path = note.path
      items[#items + 1] = item
    end
    ui.show_items(title, items, c.offset_encoding, function(item)
      return ('%s  (%s)'):format(item.text, item.codex_path)
    end)
  end)
end

--- :CodexTags — pick a tag (with its note count), then list its notes.
function M.tags()
  client.execute('codex.tags', {}, function(tags)
    tags = tags or {}
    if #tags == 0 then
      notify('codex: the notebook has no tags')
      return
    end
    vim.ui.select(tags, {
      prompt = 'Codex tags',
      kind = 'codex_tags',
      format_item = function(tag)
        return ('#%s (%d)'):format(tag.name, tag.count)
      end,
    }, function(choice)
      if choice then
        M.tag({ choice.name })
      end
    end)
  end)
end

--- Tag names for command-line completion.
function M.complete_tags(arglead)
  local tags = client.execute_sync('codex.tags', {}, 1000) or {}
  local names = {}
  for _, tag in ipairs(tags) do
    if vim.startswith(tag.name, (arglead:gsub('^#', ''))) then
      names[#names + 1] = tag.name
    end
  end
  return names
end

--- :CodexNew {title} — create a note (from a template, asked when several fit), open it and
--- save it (codex.daily.new).
--- @param title? string
--- @param folder? string
function M.new(title, folder)
  require('codex.daily').new(title, folder)
end

--- :CodexReindex[!] — bring the index up to date (! = re-read every file).
--- @param full? boolean
function M.reindex(full)
  client.execute('codex.reindex', { full = full and true or false }, function(results)
    local parts = {}
    for _, r in ipairs(results or {}) do
      parts[#parts + 1] = ('%s: %d notes, %d links (%d broken), %d tags in %.2fs'):format(
        vim.fn.fnamemodify(r.notebook or '?', ':t'),
        r.notes or 0,
        r.links or 0,
        r.broken_links or 0,
        r.tags or 0,
        r.seconds or 0
      )
    end
    notify('codex: reindexed ' .. (#parts > 0 and table.concat(parts, '; ') or 'no notebook'))
  end)
end

return M
