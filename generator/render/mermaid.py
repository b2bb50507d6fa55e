"""A journey as Mermaid ``journey`` text, for wikis and slides that render Mermaid.

Mermaid scores tasks from 1 to 5, so a score is emotion + 3 (neutral when no
emotion is recorded); actors are the personas' names.  Colons and line breaks
would end a task early, so they are replaced.
"""

from __future__ import annotations

import re

from ..model import Journey, Site


def _clean(text: str) -> str:
    text = " ".join(text.split())
    text = text.replace(":", " -").replace("#", "no.").replace(";", ",")
    return re.sub(r"%%+", "%", text).strip() or "-"


def mermaid_journey(site: Site, journey: Journey) -> str:
    lines = ["journey", f"    title {_clean(journey.title)}"]
    for stage in journey.stages:
        lines.append(f"    section {_clean(site.stage(stage.stage).title)}")
        for i in stage.interactions:
            score = 3 if i.emotion is None else i.emotion + 3
            actor = f": {_clean(site.personas[i.persona].name).replace(',', '')}" if i.persona else ""
            lines.append(f"      {_clean(i.action)}: {score}{actor}")
    return "\n".join(lines) + "\n"
