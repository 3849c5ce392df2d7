"""Storage and indexing: notebooks on disk, scanning, the SQLite index, watching and git."""
