"""Frontmatter schemas (``.codex/schema.yaml``, rules in docs/schema.md), a module a concern:
``compile`` (read, compile, choose a note's type, validate), ``check`` (validation errors as
issues with exact ranges), ``assist`` (completion context, hover text, quick-fix edits) and
``positions`` (a data path to and from its range in YAML or JSON text)."""
