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
    assert result.stdout.startswith("created ") and result.stdout.endswith(
        "content/journeys/renew-a-contract.md (a draft: builds leave it out until you remove 'draft: true')\n"
    )
    path = site / "content/journeys/renew-a-contract.md"
    assert path.exists()
    assert 'title: "Renew a Contract"' in path.read_text()
    check = cli("check", "--site", site, "--strict", "--drafts")
    assert check.exit_code == 0, check.output


def test_new_journey_starts_from_the_persona_and_touchpoint_made_last(cli, tmp_path: Path) -> None:
    """The README makes personas and touchpoints first: the journey should use those, not the first by name."""
    site = _copy_sample(tmp_path)
    assert cli("new", "persona", "Zara Newcomer", "--site", site).exit_code == 0
    assert cli("new", "touchpoint", "Zoned Kiosk", "--site", site).exit_code == 0
    assert cli("new", "journey", "Try the Kiosk", "--site", site).exit_code == 0
    text = (site / "content/journeys/try-the-kiosk.md").read_text()
    assert "personas: [zara-newcomer]" in text and "- touchpoint: zoned-kiosk" in text


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


def test_new_refuses_a_slug_that_a_file_in_a_sub_folder_or_of_another_kind_of_name_has(cli, make_site) -> None:
    site = make_site({"content/personas/team/sub-persona.md": "---\nname: Sub\nrole: user\n---\n",
                      "content/journeys/foo-bar.markdown": "---\ntitle: Foo\npersonas: [pat]\nstages: {explore: }\n---\n"})
    assert "content/personas/team/sub-persona.md already exists" in cli("new", "persona", "Sub Persona", "--site", site).output
    assert "content/journeys/foo-bar.markdown already exists" in cli("new", "journey", "Foo Bar", "--site", site).output
    assert not (site / "content/personas/sub-persona.md").exists() and not (site / "content/journeys/foo-bar.md").exists()


def test_new_files_read_back_as_written_whatever_the_slugs(cli, tmp_path) -> None:
    """Slugs YAML would read as booleans or numbers (on, no, 123) are quoted in the new journey."""
    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    (site / "site.toml").write_text('[site]\ntitle = "T"\n', "utf-8")
    assert cli("new", "persona", "On", "--site", site).exit_code == 0
    assert cli("new", "touchpoint", "123", "--site", site).exit_code == 0
    assert cli("new", "journey", "Trip", "--site", site).exit_code == 0
    result = cli("check", "--site", site, "--strict")
    assert result.exit_code == 0, result.output


def test_new_names_in_other_scripts_and_very_long_names(cli, make_site) -> None:
    site = make_site()
    assert "content/personas/unicode-ss-strasse.md" in cli("new", "persona", "Ünïcödé ß straße", "--site", site).output
    assert "content/personas/ri-ben-yu.md" in cli("new", "persona", "日本語", "--site", site).output
    result = cli("new", "touchpoint", "word " * 60, "--site", site)
    assert result.exit_code == 0
    [made] = [p for p in (site / "content/touchpoints").glob("word-*.md")]
    assert len(made.stem) <= 80 and not made.stem.endswith("-")


def test_new_sees_slugs_in_linked_folders_as_the_build_does(cli, make_site, tmp_path) -> None:
    elsewhere = tmp_path / "shared-personas"
    elsewhere.mkdir()
    (elsewhere / "sub-persona.md").write_text("---\nname: Sub\nrole: user\n---\n", "utf-8")
    site = make_site()
    (site / "content/personas/shared").symlink_to(elsewhere, target_is_directory=True)
    result = cli("new", "persona", "Sub Persona", "--site", site)
    assert result.exit_code == 2 and "content/personas/shared/sub-persona.md already exists" in result.output


def test_slugs_transliterate_the_same_way_on_every_machine() -> None:
    """text-unidecode always, whichever transliteration package python-slugify would pick."""
    from generator.config import slugify

    assert slugify("Straße") == "strasse" and slugify("Є ח") == "e-kh" and slugify("日本語") == "ri-ben-yu"


def test_heading_ids_use_the_same_slugs() -> None:
    from generator.render.markdown import Markdown

    html = Markdown(()).render("## Straße & Co\n\ntext\n")
    assert 'id="section-strasse-co"' in html
