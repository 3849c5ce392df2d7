-- The client attaches; progress and status; completion; definition; diagnostics; mappings.
local T = dofile(vim.env.CODEX_TEST_DIR .. '/helpers.lua')

local PCR = 'protocols/PCR amplification.md'
local EXP014 = 'experiments/EXP-014 HEK293 transfection.md'

T.test('the codex client attaches to a note with the notebook as root', function()
  local bufnr, c = T.open(PCR)
  T.eq('codex', c.name)
  T.eq(vim.fs.normalize(T.notebook), vim.fs.normalize(c.root_dir), 'root_dir')
  T.eq('codex-lsp', c.server_info and c.server_info.name, 'serverInfo.name')
  T.ok(vim.lsp.buf_is_attached(bufnr, c.id), 'attached to the note buffer')
  T.eq({ 'markdown', 'yaml.cdx' }, vim.lsp.config.codex.filetypes, 'notes and view files (.cdx, .base)')
  T.eq(require('codex.root').root_dir, vim.lsp.config.codex.root_dir, 'the root rule of codex.root')
end)

-- Opened after the first index run, as a user would open a second note.
T.test('a broken link gets a diagnostic that clears when the note is created on disk', function()
  local bufnr = T.open(EXP014)
  local line = T.line_of(EXP014, '[[Western blot]]')
  local function broken()
    for _, d in ipairs(vim.diagnostic.get(bufnr)) do
      if d.lnum == line and d.message:find('Western blot', 1, true) then
        return d
      end
    end
  end
  local d = T.wait(broken, 'diagnostic for [[Western blot]]', nil, function()
    return 'diagnostics of the buffer: ' .. vim.inspect(vim.diagnostic.get(bufnr))
  end)
  T.eq(vim.diagnostic.severity.ERROR, d.severity, 'severity')
  T.eq('codex', d.source, 'source')
  T.write('protocols/Western blot.md', '# Western blot\n\nSDS-PAGE, transfer, anti-GFP.\n')
  T.wait(function()
    return not broken()
  end, 'diagnostic cleared after creating Western blot.md (watchdog)', 20000)
end)

T.test('indexing progress is reported and status() shows it', function()
  T.open(PCR)
  local name = vim.fs.basename(T.notebook)
  local begin, finish
  for _, p in ipairs(T.progress) do
    if p.kind == 'begin' and p.title == 'Indexing ' .. name then
      begin = p
    elseif p.kind == 'end' then
      finish = p
    end
  end
  T.ok(begin, 'a $/progress begin titled "Indexing ' .. name .. '" (got ' .. vim.inspect(T.progress) .. ')')
  T.match('^%d+ notes$', finish and finish.message, 'progress end message')
  T.match('^Codex: ' .. vim.pesc(name) .. ': %d+ notes$', require('codex').status(), 'status()')
  -- While indexing (simulated progress), status() shows the report.
  local c = vim.lsp.get_clients({ name = 'codex' })[1]
  local progress = require('codex.progress')
  progress.on_progress({ data = { client_id = c.id, params = { token = 't', value = { kind = 'begin', title = 'Indexing x', percentage = 0 } } } })
  progress.on_progress({ data = { client_id = c.id, params = { token = 't', value = { kind = 'report', message = '3/10 files', percentage = 30 } } } })
  T.eq('Codex: Indexing x 3/10 files (30%)', require('codex').status())
  progress.on_progress({ data = { client_id = c.id, params = { token = 't', value = { kind = 'end', message = '10 notes' } } } })
  T.eq('Codex: x: 10 notes', require('codex').status())
end)

local function completion_labels(rel)
  local bufnr, c = T.open(rel)
  local last = vim.api.nvim_buf_line_count(bufnr)
  vim.api.nvim_buf_set_lines(bufnr, last, last, false, { '', 'See [[' })
  local ok, result = pcall(T.request, c, 'textDocument/completion', {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    position = { line = last + 1, character = #'See [[' },
    context = { triggerKind = 2, triggerCharacter = '[' },
  }, bufnr)
  vim.api.nvim_buf_set_lines(bufnr, last, -1, false, {})
  vim.bo[bufnr].modified = false
  if not ok then
    error(result, 0)
  end
  T.ok(result, 'completion returned null (does the server see the edited buffer?)')
  local labels = {}
  for _, item in ipairs(result.items or result) do
    labels[item.label] = true
  end
  for _, expected in ipairs({ 'PCR amplification', 'Gel electrophoresis', 'T100 Thermocycler', 'Ana Ribeiro' }) do
    T.ok(labels[expected], ('completion lists %q (got %s)'):format(expected, vim.inspect(vim.tbl_keys(labels))))
  end
end

T.test('completion after [[ lists notes', function()
  completion_labels('daily/2026-03-09.md')
end)

T.test('completion after [[ lists notes (note with spaces in its file name)', function()
  completion_labels(EXP014)
end)

local function definition_lands_on(from_rel, needle, to_rel, target_needle)
  local bufnr = T.open(from_rel)
  local line, text = T.line_of(from_rel, needle)
  vim.api.nvim_win_set_cursor(0, { line + 1, text:find(needle, 1, true) + 2 })
  vim.lsp.buf.definition()
  T.wait(function()
    return vim.api.nvim_get_current_buf() ~= bufnr
  end, 'definition opened another buffer')
  T.eq(to_rel, T.rel(vim.api.nvim_buf_get_name(0)), 'definition file')
  local expected = T.line_of(to_rel, target_needle)
  T.eq(expected + 1, vim.api.nvim_win_get_cursor(0)[1], 'definition line')
end

T.test('go to definition jumps to the heading of [[Gel electrophoresis#Loading]]', function()
  definition_lands_on(PCR, '[[Gel electrophoresis#Loading]]', 'protocols/Gel electrophoresis.md', '## Loading')
end)

T.test('go to definition jumps to the block of [[EXP-012 Annealing gradient#^best-ta]]', function()
  definition_lands_on(PCR, '[[EXP-012 Annealing gradient#^best-ta]]', 'experiments/EXP-012 Annealing gradient.md', '^best-ta')
end)

T.test('go to definition opens [[T100 Thermocycler]]', function()
  -- A link to a whole note lands on the note's first line.
  definition_lands_on(PCR, '[[T100 Thermocycler]]', 'equipment/T100 Thermocycler.md', '---')
end)

T.test('default mappings are off; mappings = true sets them in codex buffers', function()
  local bufnr = T.open(PCR)
  T.eq(vim.empty_dict(), vim.fn.maparg('<leader>ns', 'n', false, true), 'no mapping by default')
  T.ok(vim.fn.maparg('<Plug>(codex-search)', 'n') ~= '', '<Plug>(codex-search) exists')
  require('codex').setup({ cmd = T.server_cmd, mappings = true })
  local m = vim.fn.maparg('<leader>ns', 'n', false, true)
  T.eq(1, m.buffer, '<leader>ns is buffer-local')
  T.eq('<Plug>(codex-search)', m.rhs)
  T.eq('<Plug>(codex-backlinks)', vim.fn.maparg('<leader>nb', 'n'))
  require('codex').setup({ cmd = T.server_cmd, mappings = { search = '<leader>fs', backlinks = false } })
  vim.cmd.edit(vim.fn.fnameescape(T.path('protocols/Gel electrophoresis.md')))
  T.client()
  T.eq('<Plug>(codex-search)', vim.fn.maparg('<leader>fs', 'n'), 'custom key')
  T.eq('', vim.fn.maparg('<leader>nb', 'n'), 'mapping turned off')
  require('codex').setup({ cmd = T.server_cmd })
  T.ok(bufnr)
end)

T.run('lsp_spec')
