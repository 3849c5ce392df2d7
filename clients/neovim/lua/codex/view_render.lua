--- Text of a view's result (`codex.query`): aligned tables with group headings and summaries,
--- bullet lists, boards as columns of cards side by side, calendars as a month grid; and which
--- row each line shows.
local ui = require('codex.ui')

local M = {}

--- Longest cell shown; longer values end in "…" (the whole value is in the note).
local MAX_CELL = 48

--- A value of a result as one line of text (lists joined with ", ", null as "").
--- @param value any
--- @return string
function M.format_value(value)
  if value == nil or value == vim.NIL then
    return ''
  elseif type(value) == 'table' then
    local parts = {}
    for _, v in ipairs(value) do
      parts[#parts + 1] = M.format_value(v)
    end
    return table.concat(parts, ', ')
  elseif type(value) == 'number' and value == math.floor(value) and math.abs(value) < 1e15 then
    return ('%d'):format(value)
  end
  local text = tostring(value)
  -- Most values are one line already: skip the rewrite (a result may have 10,000 rows).
  if text:find('[\t\n\r\v\f]') or text:find('  ', 1, true) or text:find('^ ') or text:find(' $') then
    return ui.one_line(text)
  end
  return text
end

local width = vim.api.nvim_strwidth

--- `text` cut to `max` display cells (with "…" when cut), and its width in cells.
local function clip(text, max)
  local cells = width(text)
  if cells <= max then
    return text, cells
  end
  -- Every character takes at least one cell (but combining ones): start from max - 1 of them.
  local chars = math.min(vim.fn.strchars(text), max - 1)
  local cut = vim.fn.strcharpart(text, 0, chars)
  while chars > 0 and width(cut) > max - 1 do
    chars = chars - 1
    cut = vim.fn.strcharpart(text, 0, chars)
  end
  return cut .. '…', width(cut) + 1
end

--- `text` (`w` cells wide) followed by spaces up to `cells`.
local function pad(text, w, cells)
  return text .. string.rep(' ', cells - w)
end

-- Rendering ---------------------------------------------------------------------------------

--- A group's heading: "status: done (5)", with the group property's display name ("(none)"
--- for notes without the property).
local function group_heading(result, group)
  local key = M.format_value(group.key)
  local by = result.groupBy ~= vim.NIL and result.groupBy or nil
  local label
  for _, col in ipairs(result.columns or {}) do
    if col.id == by then
      label = col.name
    end
  end
  label = label or (by and by:gsub('^%w+%.', '')) or nil
  return ('%s%s (%d)'):format(label and (ui.one_line(label) .. ': ') or '', key ~= '' and key or '(none)', #group.rows)
end

--- Lines of the result and, per line, the row shown there (boards and calendars: per cell
--- span), and what was shown: `month` {year, month} for a calendar.
--- @param result table codex.query result
--- @param opts? {month?: {year: integer, month: integer}} the calendar's month (default: this
---   month when it has notes, else the month of the latest one)
--- @return string[] lines
--- @return table<integer, table> rows 1-based line -> row, or list of {from, to, row}
--- @return table shown
function M.render(result, opts)
  local columns = result.columns or {}
  local rows = result.rows or {}
  local lines, at = {}, {}
  local total = result.total or #rows
  local count = ('%d row%s'):format(total, total == 1 and '' or 's')
  if total > #rows then
    count = ('%s (%d shown)'):format(count, #rows)
  end
  lines[#lines + 1] = ('%s · %s · %s'):format(result.view or 'view', result.type or 'table', count)
  lines[#lines + 1] = ''
  -- The cells of a row (the first `n` columns) and their widths.
  local cells = function(row, n)
    local out, widths = {}, {}
    for i = 1, math.min(n or #columns, #columns) do
      out[i], widths[i] = clip(M.format_value((row.values or {})[columns[i].id]), MAX_CELL)
    end
    return out, widths
  end
  local groups = result.groups or {}
  local kind = result.type
  local shown = {}
  if kind == 'calendar' and M.date_column(result) then
    shown.month = M.render_calendar(result, lines, at, (opts or {}).month)
  elseif kind == 'board' then
    M.render_board(result, lines, at, cells)
  elseif kind == 'list' or kind == 'cards' then
    local function item(row)
      local c = cells(row)
      local first = table.remove(c, 1) or ''
      local rest = vim.tbl_filter(function(v)
        return v ~= ''
      end, c)
      lines[#lines + 1] = ('• %s%s'):format(first, #rest > 0 and ('  · ' .. table.concat(rest, ' · ')) or '')
      at[#lines] = row
    end
    if #groups > 0 then
      for _, group in ipairs(groups) do
        lines[#lines + 1] = '▸ ' .. group_heading(result, group)
        for _, index in ipairs(group.rows) do
          item(rows[index + 1])
        end
      end
    else
      for _, row in ipairs(rows) do
        item(row)
      end
    end
  else
    M.render_table(result, lines, at, cells)
  end
  return lines, at, shown
end

--- Tables (and calendars, maps...): a header, aligned rows, a heading and summaries per group.
function M.render_table(result, lines, at, cells)
  local columns, rows, groups = result.columns or {}, result.rows or {}, result.groups or {}
  local widths = {}
  local header, header_w = {}, {}
  for i, col in ipairs(columns) do
    header[i], header_w[i] = clip(ui.one_line(col.name or col.id), MAX_CELL)
    widths[i] = header_w[i]
  end
  local texts, text_w = {}, {}
  for r, row in ipairs(rows) do
    texts[r], text_w[r] = cells(row)
    for i, w in ipairs(text_w[r]) do
      if w > widths[i] then
        widths[i] = w
      end
    end
  end
  local function summary_cells(summaries)
    local out, out_w, any = {}, {}, false
    for i, col in ipairs(columns) do
      local value = (summaries or {})[col.id]
      out[i], out_w[i] = '', 0
      if value ~= nil then
        out[i], out_w[i] = clip('Σ ' .. M.format_value(value), MAX_CELL)
        any = true
      end
      widths[i] = math.max(widths[i], out_w[i])
    end
    return any and { out, out_w } or nil
  end
  local group_sums = {}
  for g, group in ipairs(groups) do
    group_sums[g] = summary_cells(group.summaries)
  end
  local total_sums = #groups == 0 and summary_cells(result.summaries) or nil
  local function line(values, value_w)
    local parts = {}
    for i = 1, #columns do
      parts[i] = i < #columns and pad(values[i], value_w[i], widths[i]) or values[i]
    end
    return (table.concat(parts, '  '):gsub('%s+$', ''))
  end
  lines[#lines + 1] = line(header, header_w)
  local rule = {}
  for i = 1, #columns do
    rule[i] = string.rep('─', widths[i])
  end
  lines[#lines + 1] = table.concat(rule, '  ')
  local function row_line(index)
    lines[#lines + 1] = line(texts[index], text_w[index])
    at[#lines] = rows[index]
  end
  if #groups > 0 then
    for g, group in ipairs(groups) do
      lines[#lines + 1] = '▸ ' .. group_heading(result, group)
      for _, index in ipairs(group.rows) do
        row_line(index + 1)
      end
      if group_sums[g] then
        lines[#lines + 1] = line(group_sums[g][1], group_sums[g][2])
      end
    end
  else
    for r = 1, #rows do
      row_line(r)
    end
    if total_sums then
      lines[#lines + 1] = line(total_sums[1], total_sums[2])
    end
  end
end

--- Boards: one column of cards (the first column's value) per group, side by side.
function M.render_board(result, lines, at, cells)
  local rows = result.rows or {}
  local groups = result.groups or {}
  if #groups == 0 then
    local all = {}
    for i = 1, #rows do
      all[i] = i - 1
    end
    groups = { { key = '(all)', rows = all } }
  end
  -- Per column: its heading, its cards {text, w, row}, its width in cells.
  local heads, cards, widths, height = {}, {}, {}, 0
  for g, group in ipairs(groups) do
    local key = M.format_value(group.key)
    local head = ('%s (%d)'):format(key ~= '' and key or '(none)', #group.rows)
    heads[g] = { text = head, w = width(head) }
    widths[g] = heads[g].w
    cards[g] = {}
    for _, index in ipairs(group.rows) do
      local row = rows[index + 1]
      local text, w = cells(row, 1)
      local card = { text = text[1] or '', w = w[1] or 0, row = row }
      cards[g][#cards[g] + 1] = card
      widths[g] = math.max(widths[g], card.w)
    end
    height = math.max(height, #group.rows)
  end
  local blank = { text = '', w = 0 }
  --- One line of cells (nil: blank); its text, and the byte span of each card on it.
  local function line(entries)
    local parts, spans, col = {}, {}, 0
    for g = 1, #groups do
      local entry = entries[g] or blank
      parts[g] = pad(entry.text, entry.w, widths[g])
      if entry.row then
        spans[#spans + 1] = { from = col, to = col + #parts[g], row = entry.row }
      end
      col = col + #parts[g] + #' │ '
    end
    return (table.concat(parts, ' │ '):gsub('%s+$', '')), spans
  end
  lines[#lines + 1] = line(heads)
  local rule = {}
  for g = 1, #groups do
    rule[g] = string.rep('─', widths[g])
  end
  lines[#lines + 1] = table.concat(rule, '─┼─')
  for i = 1, height do
    local entries = {}
    for g = 1, #groups do
      entries[g] = cards[g][i]
    end
    local text, spans = line(entries)
    lines[#lines + 1] = text
    at[#lines] = spans
  end
end

-- Calendars -----------------------------------------------------------------------------------

--- Width of a calendar's day cell in display cells.
local DAY_CELLS = 16

--- The day (YYYY-MM-DD) an ISO date or date-time text names.
--- @param value any
--- @return string?
local function day_of(value)
  if type(value) ~= 'string' then
    return nil
  end
  -- A date or a date-time, not text that starts with one (a note named "2026-03-04 PCR").
  local day, rest = value:match('^(%d%d%d%d%-%d%d%-%d%d)(.*)$')
  if day and (rest == '' or rest:find('^[T ]%d%d:%d%d')) then
    return day
  end
  return nil
end

--- The column placing a calendar's notes: the first one holding dates (nil: none does).
--- @param result table
--- @return string?
function M.date_column(result)
  for _, col in ipairs(result.columns or {}) do
    for _, row in ipairs(result.rows or {}) do
      if day_of((row.values or {})[col.id]) then
        return col.id
      end
    end
  end
  return nil
end

--- `month` moved by `n` months.
--- @param month {year: integer, month: integer}
--- @param n integer
--- @return {year: integer, month: integer}
function M.shift_month(month, n)
  local index = month.year * 12 + (month.month - 1) + n
  return { year = math.floor(index / 12), month = index % 12 + 1 }
end

--- A calendar: the month's weeks as rows (Monday first), its days as columns, the names of
--- the notes of each day in its cell (one per line). Returns the month shown.
function M.render_calendar(result, lines, at, month)
  local column = M.date_column(result)
  local by_day, days = {}, {}
  for _, row in ipairs(result.rows or {}) do
    local day = day_of((row.values or {})[column])
    if day then
      if not by_day[day] then
        by_day[day] = {}
        days[#days + 1] = day
      end
      table.insert(by_day[day], row)
    end
  end
  if not month then
    -- This month when it has notes, else the latest note's (a notebook's past is more useful
    -- than an empty month).
    local this = os.date('%Y-%m')
    table.sort(days)
    local pick = days[#days] and days[#days]:sub(1, 7) or this
    for _, day in ipairs(days) do
      if day:sub(1, 7) == this then
        pick = this
      end
    end
    month = { year = tonumber(pick:sub(1, 4)), month = tonumber(pick:sub(6, 7)) }
  end
  local first = os.time({ year = month.year, month = month.month, day = 1, hour = 12 })
  local last_day = os.date('*t', os.time({ year = month.year, month = month.month + 1, day = 0, hour = 12 })).day
  local lead = (os.date('*t', first).wday + 5) % 7 -- days of the first week before the 1st
  local prefix = ('%04d-%02d-'):format(month.year, month.month)
  local in_month = 0
  for _, day in ipairs(days) do
    if vim.startswith(day, prefix) then
      in_month = in_month + #by_day[day]
    end
  end
  local label = column
  for _, col in ipairs(result.columns or {}) do
    if col.id == column then
      label = ui.one_line(col.name or column)
    end
  end
  lines[#lines + 1] = ('%s · by %s: %d note%s · ]m next month, [m previous'):format(
    os.date('%B %Y', first),
    label,
    in_month,
    in_month == 1 and '' or 's'
  )
  lines[#lines + 1] = ''
  --- One line of 7 cells; the byte span of each cell holding a row.
  local function line(cells_of_week)
    local parts, spans, col = {}, {}, 0
    for d = 1, 7 do
      local entry = cells_of_week[d] or { text = '', w = 0 }
      parts[d] = pad(entry.text, entry.w, DAY_CELLS)
      if entry.row then
        spans[#spans + 1] = { from = col, to = col + #parts[d], row = entry.row }
      end
      col = col + #parts[d] + #'│'
    end
    return (table.concat(parts, '│'):gsub('%s+$', '')), spans
  end
  local names = {}
  for d, name in ipairs({ 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun' }) do
    names[d] = { text = name, w = #name }
  end
  lines[#lines + 1] = line(names)
  local rule = string.rep('─', DAY_CELLS)
  local rules = { rule, rule, rule, rule, rule, rule, rule }
  lines[#lines + 1] = table.concat(rules, '┼')
  local day = 1 - lead
  while day <= last_day do
    local numbers, notes, height = {}, {}, 0
    for d = 1, 7 do
      if day >= 1 and day <= last_day then
        numbers[d] = { text = tostring(day), w = #tostring(day) }
        notes[d] = by_day[prefix .. ('%02d'):format(day)] or {}
        height = math.max(height, #notes[d])
      else
        notes[d] = {}
      end
      day = day + 1
    end
    lines[#lines + 1] = line(numbers)
    for i = 1, height do
      local entries = {}
      for d = 1, 7 do
        local row = notes[d][i]
        if row then
          local values = row.values or {}
          local name = values['file.basename'] or values['file.name'] or values.text or row.path:gsub('^.*/', ''):gsub('%.md$', '')
          local text, w = clip(M.format_value(name), DAY_CELLS - 1)
          entries[d] = { text = ' ' .. text, w = w + 1, row = row }
        end
      end
      local text, spans = line(entries)
      lines[#lines + 1] = text
      at[#lines] = spans
    end
    lines[#lines + 1] = table.concat(rules, day <= last_day and '┼' or '┴')
  end
  return month
end

return M
