--- Daily notes and notes from templates: :CodexToday, :CodexDaily [date], :CodexNext,
--- :CodexPrev and :CodexNew [title] (codex.daily, codex.templates, codex.createNote; see
--- docs/templates.md). A new note whose template has tab stops is written with their default
--- text, then its buffer is replaced by the server's snippet (vim.snippet.expand), so the
--- user tabs through the stops.
local client = require('codex.client')
local config = require('codex.config')
local ui = require('codex.ui')

local M = {}

local notify = client.notify

--- Open the note a codex.createNote or codex.daily answer names; a new note with a snippet
--- gets its tab stops.
--- @param result {uri: string, path: string, created: boolean, snippet?: string}
function M.open_result(result)
  local buf = vim.uri_to_bufnr(result.uri)
  if not result.created then
    vim.bo[buf].buflisted = true
    vim.api.nvim_win_set_buf(0, buf)
    return buf
  end
  ui.open_created(buf, config.options.save_new_notes)
  if result.snippet and vim.snippet then
    vim.api.nvim_buf_set_lines(buf, 0, -1, false, {})
    vim.api.nvim_win_set_cursor(0, { 1, 0 })
    -- The buffer's last line ends the file: the snippet's final newline would add an empty one.
    vim.snippet.expand((result.snippet:gsub('\n$', '')))
  end
  return buf
end

local function daily(arg, done)
  arg.period = arg.period or 'daily'
  client.execute('codex.daily', arg, function(result)
    M.open_result(result)
    notify(('codex: %s %s'):format(result.created and 'created' or 'opened', result.path))
    if done then
      done(result)
    end
  end, { feature = 'daily notes' })
end

--- :CodexToday — open (or create) today's daily note.
function M.today()
  daily({})
end

--- :CodexDaily [date] — the daily note of a date or phrase ("next monday", "2026-12-24",
--- "+1"); asks for it when not given.
--- @param date? string
function M.daily(date)
  if date and vim.trim(date) ~= '' then
    return daily({ date = vim.trim(date) })
  end
  vim.ui.input({ prompt = 'Daily note for (today, next monday, 2026-12-24, +1): ' }, function(input)
    if input and vim.trim(input) ~= '' then
      daily({ date = vim.trim(input) })
    end
  end)
end

--- :CodexNext / :CodexPrev — the existing daily note after or before the current one.
--- @param relative 'next'|'previous'
function M.neighbour(relative)
  daily({ relative = relative, uri = vim.uri_from_bufnr(0) })
end

--- The system clipboard's text for {{clipboard}}; empty without a clipboard provider.
local function clipboard()
  if vim.fn.has('clipboard') ~= 1 then
    return nil
  end
  local ok, text = pcall(vim.fn.getreg, '+')
  return ok and type(text) == 'string' and text ~= '' and text or nil
end

local function create(arg)
  arg.clipboard = clipboard()
  client.execute('codex.createNote', arg, function(result)
    M.open_result(result)
    notify(('codex: %s %s'):format(result.created and 'created' or 'opened existing', result.path))
  end)
end

--- Ask for the title (unless given), then create the note.
local function with_title(arg, title)
  if title and vim.trim(title) ~= '' then
    arg.title = vim.trim(title)
    return create(arg)
  end
  local prompt = arg.template and ('New note from %s, title: '):format(arg.template) or 'New note title: '
  vim.ui.input({ prompt = prompt }, function(input)
    if input and vim.trim(input) ~= '' then
      arg.title = vim.trim(input)
      create(arg)
    end
  end)
end

--- :CodexNew [title] — create a note; when the notebook has several templates, ask which
--- (vim.ui.select), then the title when not given.
--- @param title? string
--- @param folder? string
function M.new(title, folder)
  local arg = {}
  folder = folder or config.options.new_note_folder
  if folder and folder ~= '' then
    arg.folder = folder
  end
  client.execute('codex.templates', {}, function(templates)
    local usable = vim.tbl_filter(function(t)
      return not t.problem
    end, templates or {})
    if #usable == 1 then
      arg.template = usable[1].name
    end
    if #usable <= 1 then
      return with_title(arg, title)
    end
    vim.ui.select(usable, {
      prompt = 'Template of the new note',
      format_item = function(t)
        local parts = { t.name }
        if t.type ~= vim.NIL and t.type then
          parts[#parts + 1] = '(' .. t.type .. ')'
        end
        if t.description ~= vim.NIL and t.description then
          parts[#parts + 1] = '— ' .. t.description
        end
        return table.concat(parts, ' ')
      end,
    }, function(choice)
      if choice then
        arg.template = choice.name
        with_title(arg, title)
      end
    end)
  end)
end

return M
