-- Notes from links and unlinked mentions in Neovim: `gf` on a broken link offers to create
-- its note and opens it; :CodexCreateFromLink creates it without asking; "Link all N
-- mentions" (a code action on the unlinked-mention hint) links every mention at once.
local T = dofile(vim.env.CODEX_TEST_DIR .. '/helpers.lua')

--- The first diagnostic of `bufnr` with `code`, once there is one.
local function diagnosed(bufnr, code)
  return T.wait(function()
    for _, d in ipairs(vim.diagnostic.get(bufnr)) do
      if d.code == code then
        return d
      end
    end
  end, code .. ' diagnosed', nil, function()
    return vim.inspect(vim.diagnostic.get(bufnr))
  end)
end

T.test('gf on a broken link offers its note, creates it from the template and opens it', function()
  local bufnr = T.open('protocols/Scratch.md')
  vim.api.nvim_buf_set_lines(bufnr, 0, -1, false, { '# Scratch', '', 'See [[Lysis buffer|the buffer]].' })
  diagnosed(bufnr, 'link-broken')
  T.cursor_on('Lysis buffer')
  T.pick = 1
  vim.api.nvim_feedkeys('gf', 'x', false)
  T.landed_in('protocols/Lysis buffer.md')
  T.eq('codex: this link leads to no note', T.selects[1].prompt, 'the offer')
  T.eq({ 'Create the note', 'Cancel' }, T.selects[1].items)
  T.wait(function()
    return vim.uv.fs_stat(T.path('protocols/Lysis buffer.md')) ~= nil and not vim.bo.modified
  end, 'the new note written')
  T.match('# Lysis buffer\n$', T.read('protocols/Lysis buffer.md'))
  T.match('^%-%-%-\ntitle: Lysis buffer\n', T.read('protocols/Lysis buffer.md'))
  vim.api.nvim_buf_call(bufnr, function()
    vim.cmd('edit!')
  end)
end)

T.test(':CodexCreateFromLink on a link to an existing note opens it', function()
  T.open('protocols/PCR amplification.md')
  T.cursor_on('[[Gel electrophoresis#Loading]]')
  vim.cmd('CodexCreateFromLink')
  T.landed_in('protocols/Gel electrophoresis.md')
  T.notified('opened existing protocols/Gel electrophoresis.md')
end)

T.test('Link all N mentions links every mention of the note in one edit', function()
  T.write('equipment/Gel Imager.md', '---\naliases: [GI-3]\n---\n# Gel Imager\n')
  T.write('notes/Imaging.md', '# Imaging\n\nThe gel imager was busy.\n')
  local bufnr = T.open('notes/Bench.md')
  vim.api.nvim_buf_set_lines(bufnr, 0, -1, false, { '# Bench', '', 'Booked the GI-3 today.' })
  local hint = diagnosed(bufnr, 'unlinked-mention')
  T.eq(vim.diagnostic.severity.HINT, hint.severity, 'a hint')
  vim.api.nvim_win_set_cursor(0, { hint.lnum + 1, hint.col })
  vim.lsp.buf.code_action({
    filter = function(action)
      return action.title:find('^Link all') ~= nil
    end,
    apply = true,
  })
  T.wait(function()
    return vim.api.nvim_buf_get_lines(bufnr, 2, 3, false)[1] == 'Booked the [[Gel Imager|GI-3]] today.'
  end, 'the mention in this note linked', nil, function()
    return vim.inspect(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false))
  end)
  local other = vim.fn.bufnr(T.path('notes/Imaging.md'))
  T.ok(other ~= -1, 'the other note was edited in a buffer')
  T.eq('The [[Gel Imager|gel imager]] was busy.', vim.api.nvim_buf_get_lines(other, 2, 3, false)[1])
  vim.cmd('silent! %bwipeout!')
end)

T.run('links_mentions_spec')
