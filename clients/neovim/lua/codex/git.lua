--- Git history of the current note: :CodexHistory, :CodexDiff, :CodexRestore.
--- Server commands codex.history / codex.show / codex.diff / codex.restore.
local client = require('codex.client')
local config = require('codex.config')
local ui = require('codex.ui')

local M = {}

local notify = client.notify
local FEATURE = 'git history'

--- True for the "working tree" entry (uncommitted changes) of codex.history.
function M.is_worktree(entry)
  local commit = entry.commit
  return commit == nil or commit == vim.NIL or commit == '' or not tostring(commit):match('^%x+$')
end

local function short(entry)
  if M.is_worktree(entry) then
    return 'working tree'
  end
  return entry.shortCommit or tostring(entry.commit):sub(1, 8)
end

--- One line per history entry for pickers.
function M.format_entry(entry)
  if M.is_worktree(entry) then
    return ('%-8s  %s'):format('working', entry.subject or 'working tree (uncommitted changes)')
  end
  local date = tostring(entry.date or ''):sub(1, 10)
  return ('%s  %s  %s  %s'):format(short(entry), date, entry.author or '', entry.subject or '')
end

--- The note buffer a git command works on (the current one, or the note behind a revision).
local function note_buffer(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local source = vim.b[bufnr].codex_source
  if source and vim.api.nvim_buf_is_valid(source) then
    return source
  end
  return bufnr
end

local function rel_name(bufnr)
  return client.display_path(vim.api.nvim_buf_get_name(bufnr))
end

--- Fetch the note's history, then call fn(entries).
function M.fetch(bufnr, fn)
  client.execute('codex.history', { uri = client.uri(bufnr), limit = config.options.history_limit }, function(entries)
    entries = entries or {}
    if #entries == 0 then
      notify(('codex: %s has no git history (not committed, or not in a repository)'):format(rel_name(bufnr)))
      return
    end
    fn(entries)
  end, { bufnr = bufnr, feature = FEATURE })
end

--- Pick a commit of the note (the working tree entry left out unless `worktree`).
local function pick_commit(bufnr, prompt, worktree, fn)
  M.fetch(bufnr, function(entries)
    local choices = vim.tbl_filter(function(e)
      return worktree or not M.is_worktree(e)
    end, entries)
    if #choices == 0 then
      notify(('codex: %s has no commits yet'):format(rel_name(bufnr)))
      return
    end
    vim.ui.select(choices, { prompt = prompt, kind = 'codex_commit', format_item = M.format_entry }, function(choice)
      if choice then
        fn(choice)
      end
    end)
  end)
end

--- Open the note's text at `commit` in a read-only scratch buffer (in a split).
--- @param bufnr integer the note
--- @param entry {commit: string, shortCommit?: string, path?: string}
--- @param on_open? fun(scratch: integer)
function M.open_revision(bufnr, entry, on_open)
  client.execute('codex.show', { uri = client.uri(bufnr), commit = entry.commit }, function(text)
    if type(text) == 'table' then
      text = text.text or text.content or ''
    end
    local path = entry.path or rel_name(bufnr)
    local name = ('codex://%s/%s'):format(short(entry), path)
    local scratch = ui.scratch(name, text or '', vim.bo[bufnr].filetype ~= '' and vim.bo[bufnr].filetype or 'markdown')
    vim.b[scratch].codex_source = bufnr
    vim.b[scratch].codex_commit = entry.commit
    if on_open then
      on_open(scratch)
    else
      ui.open_window()
      vim.api.nvim_win_set_buf(0, scratch)
    end
  end, { bufnr = bufnr, feature = FEATURE })
end

--- :CodexHistory — pick a commit of the current note and open that revision.
function M.history(bufnr)
  bufnr = note_buffer(bufnr)
  M.fetch(bufnr, function(entries)
    vim.ui.select(entries, {
      prompt = ('History of %s'):format(rel_name(bufnr)),
      kind = 'codex_commit',
      format_item = M.format_entry,
    }, function(choice)
      if not choice then
        return
      end
      if M.is_worktree(choice) then
        -- Uncommitted changes: show them against the last commit.
        M.diff(nil, bufnr)
      else
        M.open_revision(bufnr, choice)
      end
    end)
  end)
end

--- Side-by-side diff: the revision (read-only, left) against the note buffer (right).
local function diff_split(bufnr, entry)
  M.open_revision(bufnr, entry, function(scratch)
    local note_win = vim.fn.win_findbuf(bufnr)[1]
    local revision_win
    if not note_win and vim.b.codex_source then
      -- Run from a revision window while the note is hidden: that window takes the revision
      -- (replacing its buffer there would wipe it, and it may be `scratch` itself), and the
      -- note opens beside it.
      revision_win = vim.api.nvim_get_current_win()
      vim.api.nvim_win_set_buf(revision_win, scratch)
      vim.cmd('rightbelow vsplit')
      vim.api.nvim_win_set_buf(0, bufnr)
      note_win = vim.api.nvim_get_current_win()
    else
      if note_win then
        vim.api.nvim_set_current_win(note_win)
      else
        vim.api.nvim_win_set_buf(0, bufnr)
        note_win = vim.api.nvim_get_current_win()
      end
      vim.cmd('leftabove vsplit')
      vim.api.nvim_win_set_buf(0, scratch)
      revision_win = vim.api.nvim_get_current_win()
    end
    vim.api.nvim_win_call(revision_win, function()
      vim.cmd('diffthis')
    end)
    vim.api.nvim_win_call(note_win, function()
      vim.cmd('diffthis')
    end)
    -- Leave diff mode in the note's window when the revision goes away.
    vim.api.nvim_create_autocmd('BufWipeout', {
      buffer = scratch,
      once = true,
      callback = function()
        vim.schedule(function()
          if vim.api.nvim_win_is_valid(note_win) then
            vim.api.nvim_win_call(note_win, function()
              vim.cmd('diffoff')
            end)
          end
        end)
      end,
    })
    vim.api.nvim_set_current_win(revision_win)
  end)
end

--- Unified diff (codex.diff) between `entry` and the buffer's current (unsaved) text.
local function diff_unified(bufnr, entry)
  client.execute('codex.diff', { uri = client.uri(bufnr), from = entry.commit }, function(text)
    if type(text) == 'table' then
      text = text.diff or text.text or ''
    end
    if not text or text == '' then
      notify(('codex: no difference between %s and the buffer'):format(short(entry)))
      return
    end
    local name = ('codex://diff/%s/%s'):format(short(entry), entry.path or rel_name(bufnr))
    local scratch = ui.scratch(name, text, 'diff')
    vim.b[scratch].codex_source = bufnr
    ui.open_window()
    vim.api.nvim_win_set_buf(0, scratch)
  end, { bufnr = bufnr, feature = FEATURE })
end

--- :CodexDiff[!] [{commit}] — diff split of the note against a commit (default: the last
--- commit that touched it). With ! (unified = true): the server's unified diff instead.
--- @param commit? string
--- @param bufnr? integer
--- @param unified? boolean
function M.diff(commit, bufnr, unified)
  bufnr = note_buffer(bufnr)
  local run = unified and diff_unified or diff_split
  if commit and commit ~= '' then
    return run(bufnr, { commit = commit, shortCommit = commit:sub(1, 8) })
  end
  M.fetch(bufnr, function(entries)
    for _, entry in ipairs(entries) do
      if not M.is_worktree(entry) then
        return run(bufnr, entry)
      end
    end
    notify(('codex: %s has no commits yet'):format(rel_name(bufnr)))
  end)
end

--- :CodexRestore [{commit}] — replace the note's text with its version at commit (undoable;
--- the file is not written). Without a commit: pick one.
--- @param commit? string
--- @param bufnr? integer
function M.restore(commit, bufnr)
  bufnr = note_buffer(bufnr)
  local function run(entry)
    client.execute('codex.restore', { uri = client.uri(bufnr), commit = entry.commit }, function(result)
      if type(result) == 'table' and result.changed == false then
        notify(('codex: %s is already as in %s'):format(rel_name(bufnr), short(entry)))
      else
        notify(('codex: restored %s from %s (u to undo, :w to save)'):format(rel_name(bufnr), short(entry)))
      end
    end, { bufnr = bufnr, feature = FEATURE })
  end
  if commit and commit ~= '' then
    return run({ commit = commit, shortCommit = commit:sub(1, 8) })
  end
  pick_commit(bufnr, ('Restore %s from'):format(rel_name(bufnr)), false, run)
end

--- Handler of the client command `codex.showHistory` (the server's history code lens).
--- @param command lsp.Command arguments = { {uri} }
function M.show_history(command)
  local arg = (command.arguments or {})[1] or {}
  local bufnr = arg.uri and vim.uri_to_bufnr(arg.uri) or vim.api.nvim_get_current_buf()
  M.history(bufnr)
end

--- :CodexDeleted — pick a note that exists in git history but not on disk, and bring it back
--- (the server creates it through a workspace edit; the plugin opens and writes it).
function M.deleted()
  client.execute('codex.deletedNotes', {}, function(notes)
    notes = notes or {}
    if #notes == 0 then
      notify('codex: no deleted notes in the git history')
      return
    end
    vim.ui.select(notes, {
      prompt = 'Restore a deleted note',
      kind = 'codex_deleted',
      format_item = function(n)
        return ('%s  (deleted %s, %s)'):format(n.path, tostring(n.date or ''):sub(1, 10), n.subject or '')
      end,
    }, function(choice)
      if not choice then
        return
      end
      client.execute('codex.restore', { uri = choice.uri, commit = choice.commit }, function()
        ui.open_created(vim.uri_to_bufnr(choice.uri), true)
        notify(('codex: restored %s'):format(choice.path))
      end, { feature = FEATURE })
    end)
  end, { feature = FEATURE })
end

--- Commit hashes for command-line completion.
function M.complete_commits(arglead)
  local bufnr = note_buffer()
  local entries = client.execute_sync('codex.history', { uri = client.uri(bufnr), limit = config.options.history_limit }, 1000, bufnr) or {}
  local found = {}
  for _, entry in ipairs(entries) do
    if not M.is_worktree(entry) then
      local c = entry.shortCommit or entry.commit
      if vim.startswith(c, arglead) then
        found[#found + 1] = c
      end
    end
  end
  return found
end

return M
