"""The language-server adapter: LSP feature handlers over the storage layer (pygls 2)."""
