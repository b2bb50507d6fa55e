"""A journey as Mermaid ``journey`` text, for wikis and slides that render Mermaid.

Mermaid scores tasks from 1 to 5, so a score is emotion + 3 (neutral when no
emotion is recorded); actors are the personas' names.  Colons and line breaks
would end a task early, so they are replaced; a task that begins with one of
Mermaid's keywords ("Section 106 agreement signed") would be read as that
keyword, so it begins with an invisible zero-width space.
"""

from __future__ import annotations

import re

from ..model import Journey, Site

# Mermaid's journey lexer tries these before a task's text, ignoring case (title and
# section need a space after them; journey needs nothing).
_KEYWORDS = ("journey", "title", "section", "acctitle", "accdescr")


def _clean(text: str) -> str:
    text = " ".join(text.split())
    text = text.replace(":", "\u2236").replace("#", "no.").replace(";", ",")  # U+2236 looks like a colon
    text = re.sub(r"%%+", "%", text).strip() or "-"
    return "\u200b" + text if text.lower().startswith(_KEYWORDS) else text


def mermaid_journey(site: Site, journey: Journey) -> str:
    lines = ["journey", f"    title {_clean(journey.title)}"]
    for stage in journey.stages:
        lines.append(f"    section {_clean(site.stage(stage.stage).title)}")
        for i in stage.interactions:
            score = 3 if i.emotion is None else i.emotion + 3
            actor = f": {_clean(site.personas[i.persona].name).replace(',', '')}" if i.persona else ""
            lines.append(f"      {_clean(i.action)}: {score}{actor}")
    return "\n".join(lines) + "\n"
