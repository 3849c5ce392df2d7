"""Pure core: parsing, link resolution and validation. Plain data in, plain data out.

Nothing here does I/O or imports SQLite, pygls or any other layer of this package.
"""
