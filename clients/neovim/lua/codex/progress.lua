--- Indexing progress ($/progress through Neovim's LspProgress event) and the statusline text.
local M = {}

--- Per client id: active tokens and the last finished report.
--- @type table<integer, {active: table<any, {title?: string, message?: string, percentage?: integer}>, last?: string}>
M.state = {}

local function state(client_id)
  M.state[client_id] = M.state[client_id] or { active = {} }
  return M.state[client_id]
end

local function changed()
  pcall(vim.api.nvim_exec_autocmds, 'User', { pattern = 'CodexStatus', modeline = false })
  pcall(vim.cmd, 'redrawstatus')
end

--- LspProgress handler (registered by plugin/codex.lua).
function M.on_progress(ev)
  local data = ev.data or {}
  local c = data.client_id and vim.lsp.get_client_by_id(data.client_id)
  if not c or c.name ~= 'codex' then
    return
  end
  local params = data.params or {}
  local value = params.value
  if type(value) ~= 'table' then
    return
  end
  local s = state(c.id)
  if value.kind == 'begin' then
    s.active[params.token] = { title = value.title, message = value.message, percentage = value.percentage }
  elseif value.kind == 'report' then
    local entry = s.active[params.token] or {}
    entry.message = value.message or entry.message
    entry.percentage = value.percentage or entry.percentage
    s.active[params.token] = entry
  elseif value.kind == 'end' then
    local entry = s.active[params.token] or {}
    s.active[params.token] = nil
    local name = entry.title and entry.title:gsub('^Indexing ', '') or nil
    s.last = value.message and ((name and (name .. ': ') or '') .. value.message) or s.last
  end
  changed()
end

--- Forget a stopped client.
function M.forget(client_id)
  if M.state[client_id] then
    M.state[client_id] = nil
    changed()
  end
end

--- Statusline text: "" without a codex server; "Codex: Indexing lab-notebook 12/35 files
--- (34%)" while indexing; "Codex: lab-notebook: 35 notes" when done; "Codex" otherwise.
--- @return string
function M.status()
  local clients = vim.lsp.get_clients({ name = 'codex' })
  if #clients == 0 then
    return ''
  end
  local last
  for _, c in ipairs(clients) do
    local s = M.state[c.id]
    if s then
      for _, entry in pairs(s.active) do
        local text = entry.title or 'Indexing'
        if entry.message and entry.message ~= '' then
          text = text .. ' ' .. entry.message
        end
        if entry.percentage then
          text = ('%s (%d%%)'):format(text, entry.percentage)
        end
        return 'Codex: ' .. text
      end
      last = last or s.last
    end
  end
  if not clients[1].initialized then
    return 'Codex: starting'
  end
  return last and ('Codex: ' .. last) or 'Codex'
end

--- True while any codex server reports indexing.
function M.busy()
  for _, s in pairs(M.state) do
    if next(s.active) then
      return true
    end
  end
  return false
end

return M
