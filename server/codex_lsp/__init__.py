"""codex-lsp: a language server and CLI for Markdown lab notebooks."""

__version__ = "0.1.0"
