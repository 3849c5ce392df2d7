-- :CodexConnections: a side buffer with the note's backlinks (and the line of each), outgoing
-- links and tags; <CR> opens an entry; the buffer follows the note entered. And
-- :CodexCreateFromLink on a broken link.
local T = dofile(vim.env.CODEX_TEST_DIR .. '/helpers.lua')

local T100 = 'equipment/T100 Thermocycler.md'
local PANEL = 'codex://connections'

local function panel_buf()
  local buf = vim.fn.bufnr('^' .. PANEL .. '$')
  return buf ~= -1 and buf or nil
end

--- The panel's lines if it shows the connections of `name` (and `line`, if given), else nil.
local function panel_showing(name, line)
  local buf = panel_buf()
  local lines = buf and vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  local shown = lines and lines[1] == 'Connections of ' .. name and #lines > 2
  return shown and (line == nil or vim.tbl_contains(lines, line)) and lines or nil
end

--- The panel's lines once it shows the connections of `name`. Never inside another wait's
--- condition: a wait there would stop Neovim from reading the server's answers.
local function panel_lines(name)
  return T.wait(function()
    return panel_showing(name)
  end, 'the connections of ' .. name, nil, function()
    local buf = panel_buf()
    return 'panel: ' .. vim.inspect(buf and vim.api.nvim_buf_get_lines(buf, 0, -1, false))
  end)
end

--- Focus the panel and press <CR> on its line equal to `text`.
local function enter_on(text)
  local buf = assert(panel_buf())
  local win = T.ok(vim.fn.win_findbuf(buf)[1], 'the panel is in a window')
  vim.api.nvim_set_current_win(win)
  for lnum, line in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
    if line == text then
      vim.api.nvim_win_set_cursor(win, { lnum, 0 })
      vim.api.nvim_feedkeys(vim.keycode('<CR>'), 'x', false)
      return win
    end
  end
  T.fail(('%q is not a line of the panel'):format(text))
end

T.test(':CodexConnections shows backlinks with their line, links and tags beside the note', function()
  local note = T.open(T100)
  vim.cmd('CodexConnections')
  T.eq({
    'Connections of T100 Thermocycler',
    '',
    'Backlinks (5)',
    '  Lab notebook (README.md:43)',
    '    - [[T100 Thermocycler]] and [[QuantStudio 5]]',
    '  Daily log 2026-03-02 (daily/2026-03-02.md:11)',
    '    - Booked the [[thermocycler]] for Tue/Wed afternoons.',
    '  Daily log 2026-03-09 (daily/2026-03-09.md:19)',
    '    - Thermocycler service visit Wednesday — see [[T100 Thermocycler#Maintenance log]].',
    '  EXP-012 Annealing gradient (experiments/EXP-012 Annealing gradient.md:18)',
    '    - Gradient block of the [[T100 Thermocycler#Gradient block|T100]]: 58–70 °C across 8 columns',
    '  PCR amplification (protocols/PCR amplification.md:12)',
    '    High-fidelity (Q5) PCR for library inserts of 0.5–2 kb. Run on the [[T100 Thermocycler]].',
    '',
    'Links (2)',
    '  PCR -> PCR amplification',
    '  EXP-012 Annealing gradient -> EXP-012 Annealing gradient',
    '',
    'Tags (2)',
    '  #assay/pcr',
    '  #equipment',
  }, panel_lines('T100 Thermocycler'))
  T.eq(2, #vim.api.nvim_tabpage_list_wins(0), 'the note and the panel')
  T.eq(note, vim.api.nvim_get_current_buf(), 'the note keeps the focus')
  T.eq('nofile', vim.bo[panel_buf()].buftype)
  T.eq(false, vim.bo[panel_buf()].modifiable)
end)

T.test('<CR> on a backlink opens it in the note window; the panel follows the note entered', function()
  T.open(T100)
  vim.cmd('CodexConnections')
  panel_lines('T100 Thermocycler')
  local panel = enter_on('    - [[T100 Thermocycler]] and [[QuantStudio 5]]')
  T.eq(43, T.landed_in('README.md'), 'on the line of the link')
  T.ok(vim.api.nvim_get_current_win() ~= panel, 'opened in the note window, not the panel')
  T.eq(2, #vim.api.nvim_tabpage_list_wins(0), 'no new window')
  local lines = panel_lines('README')
  T.ok(vim.tbl_contains(lines, '  T100 Thermocycler -> T100 Thermocycler'), 'the README links: ' .. vim.inspect(lines))
  -- :edit of another note refreshes it too.
  vim.cmd.edit(vim.fn.fnameescape(T.path('protocols/Gel electrophoresis.md')))
  panel_lines('Gel electrophoresis')
end)

T.test('the panel follows a backlink another program writes, then deletes', function()
  T.open(T100)
  vim.cmd('CodexConnections')
  T.ok(vim.tbl_contains(panel_lines('T100 Thermocycler'), 'Backlinks (5)'), 'five backlinks first')
  -- Not through Neovim: only the server's index (codex/indexChanged) says the notebook changed.
  T.write('notes/Written elsewhere.md', '# Written elsewhere\n\nRan the [[T100 Thermocycler]] again.\n')
  T.wait(function()
    return panel_showing('T100 Thermocycler', 'Backlinks (6)')
  end, 'the new backlink in the panel')
  T.ok(panel_showing('T100 Thermocycler', '    Ran the [[T100 Thermocycler]] again.'), 'its line')
  os.remove(T.path('notes/Written elsewhere.md'))
  T.wait(function()
    return panel_showing('T100 Thermocycler', 'Backlinks (5)')
  end, 'the backlink gone from the panel')
end)

T.test('<CR> on a link opens its note; on a broken link goes to it; on a tag lists its notes', function()
  T.write('notes/Hub.md', '# Hub\n\nSee [[Nowhere at all]] and [[T100 Thermocycler]].\n\n#equipment\n')
  T.open('notes/Hub.md')
  -- The server may answer before it has indexed the new note: the panel shows what it was
  -- told; asked again (as the user would), it shows the note's links.
  local found
  for _ = 1, 50 do
    vim.cmd('CodexConnections')
    panel_lines('Hub')
    found = panel_showing('Hub', '  Nowhere at all (broken)')
    if found then
      break
    end
    vim.wait(100)
  end
  T.ok(found, 'the new note in the index: ' .. vim.inspect(panel_showing('Hub')))
  enter_on('  T100 Thermocycler -> T100 Thermocycler')
  T.eq(1, T.landed_in(T100))
  vim.cmd.edit(vim.fn.fnameescape(T.path('notes/Hub.md')))
  panel_lines('Hub')
  enter_on('  Nowhere at all (broken)')
  T.eq(3, T.landed_in('notes/Hub.md'), 'on the line of the broken link')
  T.eq(4, vim.api.nvim_win_get_cursor(0)[2], 'at the link')
  enter_on('  #equipment')
  local qf = T.quickfix('^Codex tag: #equipment$')
  T.ok(#qf.items >= 2, 'notes with #equipment: ' .. #qf.items)
end)

T.test(':CodexCreateFromLink creates the note of the broken link under the cursor and opens it', function()
  local rel = 'experiments/EXP-014 HEK293 transfection.md'
  local bufnr = T.open(rel)
  local line, text = T.line_of(rel, '[[Western blot]]')
  vim.api.nvim_win_set_cursor(0, { line + 1, text:find('[[Western blot]]', 1, true) + 3 })
  T.wait(function()
    for _, d in ipairs(vim.diagnostic.get(bufnr, { lnum = line })) do
      if d.code == 'link-broken' then
        return true
      end
    end
  end, 'the broken link diagnosed')
  vim.cmd('CodexCreateFromLink')
  T.landed_in('experiments/Western blot.md')
  T.notified('created experiments/Western blot.md')
  T.wait(function()
    return vim.uv.fs_stat(T.path('experiments/Western blot.md')) ~= nil and not vim.bo.modified
  end, 'the new note written')
  T.match('# Western blot\n$', T.read('experiments/Western blot.md'))
  T.match('^%-%-%-\ntitle: Western blot\n', T.read('experiments/Western blot.md'))
end)

T.test(':CodexCreateFromLink off a link says so', function()
  T.open('protocols/PCR amplification.md')
  vim.api.nvim_win_set_cursor(0, { 1, 0 })
  vim.cmd('CodexCreateFromLink')
  T.notified('no link under the cursor')
end)

T.run('connections_spec')
