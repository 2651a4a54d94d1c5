"""Read named header fields of a METADATA / PKG-INFO file without the email parser.

The resolver reads Requires-Dist of thousands of files and pip-check reads every installed
distribution's, and the email parser behind `packaging.metadata.parse_email` cost 1 ms a file.
Only the header block is read (it ends at the first empty line, before the long description);
a folded line (RFC 822 continuation, even one of blanks, as License texts have) is joined with
a space, where the email parser keeps the line break that `Requirement` cannot parse.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable


def header_fields(lines: Iterable[str], wanted: Collection[str]) -> dict[str, list[str]]:
    """The values of the fields named in `wanted` (lower case), in file order; `lines` may
    keep their line endings."""
    values: dict[str, list[str]] = {}
    name: str | None = None
    current: list[str] = []
    for raw in lines:
        line = raw.rstrip("\r\n")
        if not line:
            break
        if line[0] in " \t":
            if name is not None:
                current.append(line.strip())
            continue
        if name is not None:
            values.setdefault(name, []).append(" ".join(current))
            name = None
        field, colon, value = line.partition(":")
        field = field.strip().lower()
        if colon and field in wanted:
            name, current = field, [value.strip()]
    if name is not None:
        values.setdefault(name, []).append(" ".join(current))
    return values
