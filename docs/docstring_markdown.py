"""Reads lamina's docstrings, which are written in the Markdown-flavoured Google style of Keras
(`code` in single backticks, *args and **kwargs in prose), as reStructuredText: single-backtick
spans become literals and bare stars are escaped. Registered by conf.py."""

from __future__ import annotations

import re

CODE_SPAN = re.compile(r"(?<![`\\])`([^`\n]+)`(?![`_])")
BARE_STARS = re.compile(r"(?<![\w`*\\])(\*{1,2})(?=\w)")
BAR = re.compile(r"(?<!\\)\|")  # |x| is an absolute value in prose, a substitution in reST
SECTION = re.compile(r"^\s*(Args|Arguments|Parameters|Keyword Args):\s*$")
ENTRY = re.compile(r"^\s*\*{0,2}[\w.]+( \([^)]*\))?:")


def _join_name_lists(lines: list[str]) -> None:
    """In an Args section, `a, b, c,` continued on the next line by `d: text` (several
    parameters described at once) is one entry: napoleon would read the first line as prose."""
    in_args = False
    i = 0
    while i < len(lines) - 1:
        line = lines[i]
        if SECTION.match(line):
            in_args = True
        elif in_args and line.strip() and not line.startswith(" "):
            in_args = False
        elif in_args and line.rstrip().endswith(",") and not ENTRY.match(line):
            lines[i] = line.rstrip() + " " + lines[i + 1].strip()
            del lines[i + 1]
            continue
        i += 1


EXAMPLE = re.compile(r"^(\s*)Examples?:\s*$")
SECTION_HEADER = re.compile(r"^\s*[A-Z][A-Za-z ]{0,30}:\s*$")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _prose_code_as_literal(lines: list[str]) -> None:
    """Prose ending in `:` then a blank line and a more indented block (Markdown's indented
    code) becomes reST's `::` literal block."""
    for i, line in enumerate(lines[:-2]):
        if not line.rstrip().endswith(":") or line.rstrip().endswith("::") or SECTION_HEADER.match(line):
            continue
        following = lines[i + 1:]
        if following[0].strip():
            continue
        block = next((x for x in following if x.strip()), "")
        if block and _indent(block) > _indent(line):
            lines[i] = line.rstrip() + ":"


def _examples_as_code(lines: list[str]) -> None:
    """An `Example:` section of plain code (no `>>>` prompts) is shown as a code block."""
    for i, line in enumerate(lines):
        found = EXAMPLE.match(line)
        following = next((x for x in lines[i + 1:] if x.strip()), "")
        if found and not following.lstrip().startswith(">>>"):
            lines[i] = f"{found.group(1)}Example::"
            if i + 1 < len(lines) and lines[i + 1].strip():
                lines.insert(i + 1, "")


def before_napoleon(app, what, name, obj, options, lines: list[str]) -> None:
    _join_name_lists(lines)
    _examples_as_code(lines)
    _prose_code_as_literal(lines)
    # Literals first: napoleon then keeps a colon inside one from splitting "type: text".
    lines[:] = [CODE_SPAN.sub(r"``\1``", line) for line in lines]


def after_napoleon(app, what, name, obj, options, lines: list[str]) -> None:
    for i, line in enumerate(lines):
        parts = re.split(r"(``[^`]*``)", line)
        lines[i] = "".join(p if p.startswith("``") else BAR.sub(r"\\|", BARE_STARS.sub(
            lambda m: "\\" + "\\".join(m.group(1)), p)) for p in parts)


def setup(app) -> None:
    app.connect("autodoc-process-docstring", before_napoleon, priority=400)
    app.connect("autodoc-process-docstring", after_napoleon, priority=600)
