"""Allow ``python -m codex_lsp``."""

from .cli.main import main

raise SystemExit(main())
