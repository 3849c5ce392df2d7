-- :CodexHistory, :CodexDiff, :CodexRestore (and :CodexDeleted, the history lens) on a git
-- repository made in the notebook copy: two commits of the PCR protocol.
local T = dofile(vim.env.CODEX_TEST_DIR .. '/helpers.lua')

local PCR = 'protocols/PCR amplification.md'
local DAILY = 'daily/2026-03-09.md'
local GIT = { 'git', '-c', 'user.name=Ada Lovelace', '-c', 'user.email=ada@example.org', '-c', 'commit.gpgsign=false' }

local function git(...)
  return T.shell(vim.list_extend(vim.deepcopy(GIT), { ... }))
end

-- The repository: commit 1 = the example notebook; commit 2 = PCR protocol v2.2.
local OLD = T.read(PCR)
git('init', '-q')
git('add', '-A')
git('commit', '-q', '-m', 'Example notebook')
local NEW = OLD:gsub('version: "2.1"', 'version: "2.2"'):gsub('25 cycles of', '28 cycles of')
assert(NEW ~= OLD)
T.write(PCR, NEW)
git('commit', '-q', '-am', 'PCR v2.2: 28 cycles')
local COMMIT1 = vim.trim(git('rev-parse', 'HEAD~1'))
local COMMIT2 = vim.trim(git('rev-parse', 'HEAD'))

local REQUIRED = { 'codex.history', 'codex.show', 'codex.diff', 'codex.restore' }

--- Fail clearly when the server lacks the git history commands (issue 5).
local function require_git_commands(c)
  local missing = vim.tbl_filter(function(name)
    return not require('codex.client').supports(c, name)
  end, REQUIRED)
  if #missing > 0 then
    T.fail(('missing server feature: %s does not offer %s (git history, issue 5)'):format(
      require('codex.client').describe(c),
      table.concat(missing, ', ')
    ))
  end
end

local function open(rel)
  local bufnr, c = T.open(rel)
  require_git_commands(c)
  return bufnr, c
end

local function buffer_text(bufnr)
  return table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n') .. '\n'
end

local function wins_with_diff()
  return vim.tbl_filter(function(win)
    return vim.wo[win].diff
  end, vim.api.nvim_tabpage_list_wins(0))
end

local function scratch_named(pattern)
  return T.wait(function()
    for _, buf in ipairs(vim.api.nvim_list_bufs()) do
      if vim.api.nvim_buf_get_name(buf):find(pattern) and #vim.fn.win_findbuf(buf) > 0 then
        return buf
      end
    end
  end, 'a buffer named ' .. pattern .. ' in a window')
end

T.test('the server offers the git history commands', function()
  local _, c = T.open(PCR)
  require_git_commands(c)
end)

T.test(':CodexHistory lists the commits and opens the old revision read-only', function()
  local note = open(PCR)
  T.pick = 2 -- the older of the two commits
  vim.cmd('CodexHistory')
  local buf = scratch_named('^codex://')
  local select = T.selects[1]
  T.eq(2, #select.items, 'two commits, no working-tree entry: ' .. vim.inspect(select.shown))
  T.eq(COMMIT2, select.items[1].commit, 'newest first')
  T.eq(COMMIT1, select.items[2].commit)
  T.match('PCR v2%.2: 28 cycles', select.shown[1])
  T.match('Ada Lovelace', select.shown[1])
  T.eq(('codex://%s/%s'):format(select.items[2].shortCommit, PCR), vim.api.nvim_buf_get_name(buf))
  T.eq(buf, vim.api.nvim_get_current_buf(), 'the revision has the focus')
  T.eq(OLD, buffer_text(buf), 'the revision holds the old text')
  T.eq('nofile', vim.bo[buf].buftype)
  T.eq(false, vim.bo[buf].modifiable, 'not modifiable')
  T.eq(true, vim.bo[buf].readonly, 'read-only')
  T.eq('markdown', vim.bo[buf].filetype)
  T.eq(0, #vim.lsp.get_clients({ bufnr = buf }), 'no server on the scratch buffer')
  T.eq(2, #vim.api.nvim_tabpage_list_wins(0), 'opened in a split next to the note')
  T.eq(NEW, buffer_text(note), 'the note is untouched')
end)

T.test(':CodexDiff {commit} opens a diff split against the buffer', function()
  local note = open(PCR)
  vim.cmd('CodexDiff ' .. COMMIT1)
  local buf = scratch_named('^codex://')
  T.wait(function()
    return #wins_with_diff() == 2
  end, 'two windows in diff mode')
  T.eq(OLD, buffer_text(buf), 'left side is the old revision')
  local sides = vim.tbl_map(vim.api.nvim_win_get_buf, wins_with_diff())
  T.ok(vim.tbl_contains(sides, note) and vim.tbl_contains(sides, buf), 'diff of the note and the revision')
  T.eq(false, vim.bo[buf].modifiable)
  -- Closing the revision ends diff mode in the note's window.
  vim.cmd('bwipeout ' .. buf)
  T.wait(function()
    return #wins_with_diff() == 0
  end, 'diff mode off after closing the revision')
end)

T.test(':CodexDiff without a commit diffs against the last commit of the note', function()
  open(PCR)
  vim.cmd('CodexDiff')
  local buf = scratch_named('^codex://' .. COMMIT2:sub(1, 7))
  T.wait(function()
    return #wins_with_diff() == 2
  end, 'two windows in diff mode')
  T.eq(NEW, buffer_text(buf))
end)

T.test(':CodexDiff from a revision window while the note is hidden diffs it against the note', function()
  -- The revision shown is the one :CodexDiff picks by default (the last commit): its buffer
  -- must survive the note taking a window.
  local note = open(PCR)
  T.pick = 1
  vim.cmd('CodexHistory')
  local revision = scratch_named('^codex://' .. COMMIT2:sub(1, 7))
  vim.api.nvim_set_current_win(vim.fn.win_findbuf(revision)[1])
  vim.cmd('only')
  T.eq(0, #vim.fn.win_findbuf(note), 'the note is hidden')
  vim.cmd('CodexDiff')
  T.wait(function()
    return #wins_with_diff() == 2
  end, 'two windows in diff mode', nil, function()
    return 'windows: ' .. vim.inspect(vim.tbl_map(function(w)
      return vim.api.nvim_buf_get_name(vim.api.nvim_win_get_buf(w))
    end, vim.api.nvim_tabpage_list_wins(0)))
  end)
  local sides = vim.tbl_map(vim.api.nvim_win_get_buf, wins_with_diff())
  T.ok(vim.tbl_contains(sides, note), 'the note is one side')
  local other = sides[1] == note and sides[2] or sides[1]
  T.match('^codex://' .. COMMIT2:sub(1, 7), vim.api.nvim_buf_get_name(other), 'the revision is the other side')
  T.eq(NEW, buffer_text(other), 'the revision holds the last commit')
  T.eq(2, #vim.api.nvim_tabpage_list_wins(0), 'two windows')
end)

T.test(':CodexDiff! {commit} shows the unified diff', function()
  open(PCR)
  vim.cmd('CodexDiff! ' .. COMMIT1)
  local buf = scratch_named('^codex://diff/')
  T.eq('diff', vim.bo[buf].filetype)
  local text = buffer_text(buf)
  T.match('\n%-version: "2%.1"', text, 'old line')
  T.match('\n%+version: "2%.2"', text, 'new line')
  T.match('\n@@ ', text, 'hunk header')
end)

T.test(':CodexRestore {commit} replaces the buffer text (undoable, not written)', function()
  local note = open(PCR)
  vim.cmd('CodexRestore ' .. COMMIT1)
  T.wait(function()
    return buffer_text(note) == OLD
  end, 'buffer holds the old text', nil, function()
    return 'buffer: ' .. buffer_text(note):sub(1, 200)
  end)
  T.notified('restored')
  T.eq(true, vim.bo[note].modified, 'modified, not written')
  T.eq(NEW, T.read(PCR), 'file on disk unchanged')
  vim.api.nvim_buf_call(note, function()
    vim.cmd('silent undo')
  end)
  T.eq(NEW, buffer_text(note), 'undo brings the newer text back')
  vim.bo[note].modified = false
end)

T.test(':CodexRestore without a commit picks one (working tree left out)', function()
  local note = open(PCR)
  T.pick = 2
  vim.cmd('CodexRestore')
  T.wait(function()
    return buffer_text(note) == OLD
  end, 'buffer holds the old text')
  T.eq(2, #T.selects[1].items)
  vim.api.nvim_buf_call(note, function()
    vim.cmd('silent undo')
  end)
  vim.bo[note].modified = false
end)

T.test('unsaved edits appear as a working-tree entry; picking it diffs against the last commit', function()
  local note = open(DAILY)
  vim.api.nvim_buf_set_lines(note, 0, 0, false, { 'Unsaved first line' })
  vim.cmd('CodexHistory')
  T.wait(function()
    return T.selects[1]
  end, 'history picker')
  local first = T.selects[1].items[1]
  T.ok(require('codex.git').is_worktree(first), 'first entry is the working tree: ' .. vim.inspect(T.selects[1].shown))
  T.match('^working', T.selects[1].shown[1])
  local buf = scratch_named('^codex://')
  T.wait(function()
    return #wins_with_diff() == 2
  end, 'diff split of the unsaved buffer and the last commit')
  T.eq(T.read(DAILY), buffer_text(buf), 'revision = the committed text')
  -- The unified diff includes the unsaved line.
  vim.cmd('only')
  vim.api.nvim_set_current_buf(note)
  vim.cmd('CodexDiff! ' .. COMMIT2)
  local diff = scratch_named('^codex://diff/')
  T.match('\n%+Unsaved first line', buffer_text(diff))
  vim.api.nvim_buf_set_lines(note, 0, 1, false, {})
  vim.bo[note].modified = false
end)

T.test('commit completion and the history code lens', function()
  local note, c = open(PCR)
  local found = require('codex.git').complete_commits('')
  T.eq(2, #found, 'two commits: ' .. vim.inspect(found))
  T.ok(COMMIT2:find(found[1], 1, true) == 1, 'short hash of the newest commit')
  local lenses = T.request(c, 'textDocument/codeLens', { textDocument = { uri = vim.uri_from_bufnr(note) } }, note)
  local history
  for _, lens in ipairs(lenses) do
    if lens.command and lens.command.command == 'codex.showHistory' then
      history = lens
    end
  end
  if not history then
    T.fail('no history code lens (server setting codeLens.history?): ' .. vim.inspect(lenses))
  end
  T.match('^2 revisions', history.command.title)
  T.ok(vim.lsp.commands['codex.showHistory'], 'client command registered')
  T.pick = function()
    return nil
  end
  c:exec_cmd(history.command, { bufnr = note })
  T.wait(function()
    return T.selects[1]
  end, 'history picker from the lens')
  T.eq(2, #T.selects[1].items)
end)

T.test(':CodexDeleted brings back a note deleted in a commit', function()
  local _, c = open(PCR)
  if not require('codex.client').supports(c, 'codex.deletedNotes') then
    T.fail('missing server feature: codex.deletedNotes')
  end
  local rel = 'equipment/QuantStudio 5.md'
  local text = T.read(rel)
  git('rm', '-q', rel)
  git('commit', '-q', '-m', 'Retire the QuantStudio')
  vim.cmd('CodexDeleted')
  T.notified('restored ' .. rel)
  T.match(vim.pesc(rel), T.selects[1].shown[1])
  T.eq(rel, T.rel(vim.api.nvim_buf_get_name(0)), 'restored note is open')
  T.eq(text, T.read(rel), 'file back on disk with its last committed text')
  T.eq(false, vim.bo.modified)
end)

T.test('without the git commands in the server, :CodexHistory says so', function()
  local _, c = T.open(PCR)
  local provider = c.server_capabilities.executeCommandProvider
  local saved = provider.commands
  provider.commands = vim.tbl_filter(function(name)
    return not name:match('^codex%.history$')
  end, saved)
  local ok, err = pcall(vim.cmd, 'CodexHistory')
  provider.commands = saved
  T.ok(ok, tostring(err))
  local n = T.notified('does not offer codex.history (git history)')
  T.eq(vim.log.levels.WARN, n.level)
end)

T.run('git_spec')
