"""Text of new notes."""

from __future__ import annotations

import datetime as _dt


def new_note_text(title: str, today: _dt.date | None = None) -> str:
    """A new note: frontmatter with ``title`` and ``date``, then the title as a heading."""
    date = (today or _dt.date.today()).isoformat()
    import frontmatter  # loads with the first note created

    post = frontmatter.Post(f"# {title}\n", title=title, date=date)
    return frontmatter.dumps(post, sort_keys=False) + "\n"
