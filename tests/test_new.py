"""`journeys new`: valid starting files that never overwrite anything."""

from __future__ import annotations

import shutil
from pathlib import Path

from .conftest import ROOT


def _copy_sample(tmp_path: Path) -> Path:
    site = tmp_path / "sample"
    shutil.copytree(ROOT / "content", site / "content")
    shutil.copy(ROOT / "site.toml", site / "site.toml")
    shutil.copytree(ROOT / "themes", site / "themes")
    return site


def test_new_journey_then_check_passes(cli, tmp_path: Path) -> None:
    site = _copy_sample(tmp_path)
    result = cli("new", "journey", "Renew a Contract", "--site", site)
    assert result.exit_code == 0, result.output
    path = site / "content/journeys/renew-a-contract.md"
    assert path.exists()
    assert 'title: "Renew a Contract"' in path.read_text()
    check = cli("check", "--site", site, "--strict", "--drafts")
    assert check.exit_code == 0, check.output


def test_new_persona_and_touchpoint_are_valid(cli, make_site) -> None:
    site = make_site()
    assert cli("new", "persona", "Café Owner \"Zoë\"", "--site", site).exit_code == 0
    assert cli("new", "touchpoint", "Walk-in Centre", "--site", site).exit_code == 0
    assert (site / "content/personas/cafe-owner-zoe.md").exists()
    assert (site / "content/touchpoints/walk-in-centre.md").exists()
    check = cli("check", "--site", site)
    assert check.exit_code == 0, check.output
    assert "0 errors, 2 warnings" in check.output  # only "not used by any journey yet" (JD104, JD105)
    assert "[JD104]" in check.output and "[JD105]" in check.output


def test_new_refuses_to_overwrite(cli, make_site) -> None:
    site = make_site()
    before = (site / "content/personas/pat.md").read_text()
    result = cli("new", "persona", "Pat", "--site", site)
    assert result.exit_code == 2
    assert "content/personas/pat.md already exists" in result.output
    assert (site / "content/personas/pat.md").read_text() == before


def test_new_refuses_a_name_without_letters(cli, make_site) -> None:
    result = cli("new", "journey", "???", "--site", make_site())
    assert result.exit_code == 2
