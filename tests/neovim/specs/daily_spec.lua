-- :CodexToday, :CodexDaily, :CodexNext, :CodexPrev and :CodexNew from a template with tab stops
-- (vim.ui.select for the template, vim.snippet for the stops). What is checked is the file and
-- the buffer the user ends up with.
local T = dofile(vim.env.CODEX_TEST_DIR .. '/helpers.lua')

local function day(offset)
  return os.date('%Y-%m-%d', os.time() + offset * 86400)
end

T.test(':CodexToday creates today\'s note once; :CodexDaily, :CodexPrev and :CodexNext move between notes', function()
  T.open('README.md')
  local today = day(0) .. '.md'
  vim.cmd('CodexToday')
  T.notified('created ' .. today)
  T.landed_in(today)
  T.eq(false, vim.bo.modified, 'saved')
  local text = T.read(today)
  T.eq(("---\ntitle: '%s'\ndate: '%s'\n---\n\n# %s\n"):format(day(0), day(0), day(0)), text, 'the new note')
  T.eq(vim.api.nvim_buf_get_lines(0, 0, -1, false), T.lines(text), 'buffer and file agree')
  vim.cmd('CodexToday')
  T.notified('opened ' .. today)
  T.eq(text, T.read(today), 'an existing note is left alone')
  vim.cmd('CodexDaily in 2 days')
  local later = day(2) .. '.md'
  T.notified('created ' .. later)
  T.landed_in(later)
  vim.cmd('CodexPrev')
  T.notified('opened ' .. today)
  T.landed_in(today)
  vim.cmd('CodexNext')
  T.wait(function()
    return T.rel(vim.api.nvim_buf_get_name(0)) == later
  end, ':CodexNext skips the day without a note')
end)

local TEMPLATE = [[
---
codex-template:
  folder: drafts
  description: A run with tab stops
title: {{title}}
---
# {{title}}

Result: ${1:pending}
{{cursor}}
]]

T.test(':CodexNew asks the template, then the stops are typed over and <Tab> reaches the cursor', function()
  T.write('.codex/templates/run.md', TEMPLATE)
  T.write('.codex/templates/plain.md', '# {{title}}\n')
  T.open('README.md')
  T.pick = function(_, shown)
    for i, text in ipairs(shown) do
      if text:find('^run') then
        return i
      end
    end
  end
  T.answer = 'Tab stop run'
  vim.cmd('CodexNew')
  T.notified('created drafts/Tab stop run.md')
  T.landed_in('drafts/Tab stop run.md')
  T.eq({ 'plain', 'run — A run with tab stops' }, T.selects[1].shown, 'the templates offered')
  T.eq('---\ntitle: Tab stop run\n---\n# Tab stop run\n\nResult: pending\n\n', T.read('drafts/Tab stop run.md'), 'the file holds the defaults')
  T.wait(function()
    return vim.snippet.active()
  end, 'a snippet session on the new note')
  vim.api.nvim_feedkeys(vim.keycode('pH 7.4<Tab>all good<Esc>'), 'x', false)
  T.eq({ '---', 'title: Tab stop run', '---', '# Tab stop run', '', 'Result: pH 7.4', 'all good' }, vim.api.nvim_buf_get_lines(0, 0, -1, false), 'the buffer after typing into the stops')
end)

T.run('daily_spec')
