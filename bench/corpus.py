"""Synthetic catalogues that follow the content format, seeded and deterministic.

N journeys, N/50 personas, N/5 touchpoints; every journey has the seven ITIL 4
stages with 1-3 interactions each (emotion, visibility, pains), indicators, a
loop, and a narrative of about 600 words with a heading per stage.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

STAGES = ["explore", "engage", "offer", "agree", "onboard", "co-create", "realize"]
TITLES = ["Explore", "Engage", "Offer", "Agree", "Onboard", "Co-create", "Realize"]
ROLES = ["customer", "user", "sponsor", "provider", "partner"]
CHANNELS = ["web", "phone", "email", "chat", "in-person", "api", "document"]
WORDS = (
    "service value customer provider request incident change access portal agreement outcome risk cost "
    "experience team desk review report survey onboarding contract renewal capacity workplace device "
    "account partner supplier demand offer journey stage touchpoint feedback improvement measure target"
).split()
VERBS = ["Reviews", "Requests", "Reports", "Agrees", "Checks", "Approves", "Discusses", "Receives", "Escalates", "Confirms"]


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def generate(root: Path, journeys: int, seed: int = 42) -> Path:
    """Write a site with *journeys* journeys into *root* (replacing it)."""
    if root.exists():
        shutil.rmtree(root)
    rng = random.Random(seed)
    personas = max(5, journeys // 50)
    touchpoints = max(15, journeys // 5)
    (root / "content/journeys").mkdir(parents=True)
    (root / "content/personas").mkdir(parents=True)
    (root / "content/touchpoints").mkdir(parents=True)
    (root / "site.toml").write_text(
        f'[site]\ntitle = "Benchmark {journeys}"\nbase_url = "https://bench.example/"\n\n[build]\nsearch = false\n',
        encoding="utf-8",
    )
    for p in range(personas):
        role = ROLES[p % len(ROLES)]
        (root / f"content/personas/persona-{p}.md").write_text(
            f"---\nname: Persona {p}\nrole: {role}\nsummary: {_sentence(rng, 8)}\n"
            f"goals: [{_sentence(rng, 5)}]\npains: [{_sentence(rng, 5)}]\n---\n{_sentence(rng, 40)}\n",
            encoding="utf-8",
        )
    for t in range(touchpoints):
        (root / f"content/touchpoints/touchpoint-{t}.md").write_text(
            f"---\nname: Touchpoint {t}\nchannel: {CHANNELS[t % len(CHANNELS)]}\nowner: Team {t % 17}\n"
            f"summary: {_sentence(rng, 8)}\n---\n{_sentence(rng, 30)}\n",
            encoding="utf-8",
        )
    for j in range(journeys):
        cast = sorted(rng.sample(range(personas), k=min(3, personas)))
        lines = [
            "---",
            f"title: Journey {j} {rng.choice(WORDS)} {rng.choice(WORDS)}",
            f"summary: {_sentence(rng, 12)}",
            f"personas: [{', '.join(f'persona-{p}' for p in cast)}]",
            "relationship: " + rng.choice(["basic", "cooperative", "partnership"]),
            "agreement: " + rng.choice(["obligation", "agreement", "promise", "social"]),
            f"owner: Owner {j % 40}",
            f"tags: [topic-{j % 23}, area-{j % 7}]",
            "stages:",
        ]
        for stage in STAGES:
            lines += [f"  {stage}:", f"    goal: {_sentence(rng, 10)}", "    interactions:"]
            for i in range(rng.randint(1, 3)):
                visibility = "shared" if i == 0 else rng.choice(["consumer", "shared", "provider"])
                lines += [
                    f"      - touchpoint: touchpoint-{rng.randrange(touchpoints)}",
                    f"        persona: persona-{rng.choice(cast)}",
                    f"        action: {rng.choice(VERBS)} the {rng.choice(WORDS)} {rng.choice(WORDS)}",
                    f"        visibility: {visibility}",
                    f"        emotion: {rng.randint(-2, 2)}",
                ]
                remedied = rng.random() < 0.4
                if remedied:
                    lines.append(f"        pain: {_sentence(rng, 9)}")
                    lines.append(f"        opportunity: {_sentence(rng, 9)}")
                if rng.random() < 0.15 and remedied:  # practice-clean: painful moments name a remedy
                    lines.append("        moment_of_truth: true")
        lines += [
            "flow:",
            '  - "realize -> explore: next cycle"',
            "indicators:",
            f"  - {{name: Experience score, kind: xla, stage: realize, target: '4.2', current: '{rng.randint(30, 50) / 10}'}}",
            "  - {name: Resolution time, kind: sla, stage: co-create, target: 8 hours}",
        ]
        if j > 0:
            lines.append(f"related: [journey-{rng.randrange(j)}]")
        lines.append("---")
        body = [_sentence(rng, 40)]
        for title in TITLES:
            body += ["", f"## {title}", "", _sentence(rng, 38), "", _sentence(rng, 38)]
        (root / f"content/journeys/journey-{j}.md").write_text("\n".join(lines + body) + "\n", encoding="utf-8")
    return root
