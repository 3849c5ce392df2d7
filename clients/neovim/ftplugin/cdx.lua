-- View files (.cdx, .base; filetype yaml.cdx): offer the rendered view (see :help codex-views).
require('codex.views').on_view_file(vim.api.nvim_get_current_buf())
