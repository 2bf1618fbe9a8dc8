"""Display helpers for the account pages."""

import re

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_SECTION = re.compile(r"^(?:[一二三四五六七八九十]+、|附件)")
_CLAUSE = re.compile(r"^(\d+(?:\.\d+)+\.?)\s*")


@register.filter
def agreement_html(body: str) -> SafeString:
    """The plain agreement text as headings, clauses and lists (every piece of text escaped).

    Blocks are separated by blank lines: a one-line block starting 一、… or 附件 is a section
    heading, 【…】 a reading note, lines starting "- " list items, "4.5." a clause number.
    """
    html: list[str] = []
    for block in re.split(r"\n\s*\n", (body or "").strip()):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        if len(lines) == 1 and _SECTION.match(lines[0]):
            html.append(format_html("<h2>{}</h2>", lines[0]))
            continue
        if len(lines) == 1 and lines[0].startswith("【") and lines[0].endswith("】"):
            html.append(format_html("<h3>{}</h3>", lines[0]))
            continue
        paragraph: list[str] = []
        items: list[str] = []
        for line in lines:
            if line.startswith("- "):
                items.append(format_html("<li>{}</li>", line[2:]))
                continue
            clause = _CLAUSE.match(line)
            if clause:
                text = format_html('<span class="clause">{}</span> {}', clause.group(1), line[clause.end() :])
            else:
                text = escape(line)
            paragraph.append(text)
        if paragraph:
            html.append(mark_safe("<p>" + "<br>".join(paragraph) + "</p>"))  # noqa: S308 (parts escaped above)
        if items:
            html.append(mark_safe("<ul>" + "".join(items) + "</ul>"))  # noqa: S308 (parts escaped above)
    return mark_safe("\n".join(html))  # noqa: S308 (parts escaped above)
