"""site.toml: presets, custom stages and precise errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.config import PRESETS, load_config
from generator.diagnostics import ContentError


def _config(tmp_path: Path, text: str):
    (tmp_path / "site.toml").write_text(text, encoding="utf-8")
    return load_config(tmp_path)


def _problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ContentError) as info:
        _config(tmp_path, text)
    return [d.format() for d in info.value.report.items]


def test_defaults_to_itil4(tmp_path: Path) -> None:
    config = _config(tmp_path, "[site]\ntitle = 'X'\n")
    assert [s.id for s in config.stages] == ["explore", "engage", "offer", "agree", "onboard", "co-create", "realize"]
    assert config.stages[0].purpose == "Understand markets and stakeholders"
    assert config.output_dir == "public" and config.theme == "default"


def test_itil5_ends_in_reflect(tmp_path: Path) -> None:
    config = _config(tmp_path, "[site]\nstage_model = 'itil5'\n")
    assert config.stages[-1].id == "reflect"
    assert config.stages[:-1] == PRESETS["itil4"][:-1]


def test_custom_stages_replace_the_preset(tmp_path: Path) -> None:
    config = _config(
        tmp_path,
        "[site]\ntitle='X'\n\n[[stages]]\nid = 'apply'\ntitle = 'Apply'\npurpose = 'Ask'\n\n[[stages]]\nid = 'decide'\n",
    )
    assert [(s.id, s.title) for s in config.stages] == [("apply", "Apply"), ("decide", "Decide")]
    assert config.stage_model == "custom"


def test_toml_syntax_error_has_position(tmp_path: Path) -> None:
    assert _problems(tmp_path, "[site]\ntitle = \n") == ["site.toml:2:9: error: invalid TOML: Invalid value"]


def test_bad_values_are_located(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path,
        "[site]\ntitle = 'X'\nstage_model = 'itil6'\nbase_url = 'example.org'\ntheme = 'fancy'\n\n[[stages]]\nid = 'Bad Id'\n",
    )
    assert "site.toml:3:1: error: stage_model must be one of 'itil4', 'itil5' (did you mean 'itil5'?)" in problems
    assert any(p.startswith("site.toml:4:1: error: base_url must be an absolute") for p in problems)
    assert any(p.startswith("site.toml:5:1: error: theme 'fancy' not found") for p in problems)
    assert any(p.startswith("site.toml:8:1: error: each [[stages]] needs an id") for p in problems)


def test_unknown_settings_are_warnings(tmp_path: Path) -> None:
    config = _config(tmp_path, "[site]\ntitel = 'X'\n\n[bulid]\n")
    messages = [d.format() for d in config.warnings]
    assert "site.toml:2:1: warning: unknown setting 'titel' in [site] (did you mean 'title'?)" in messages
    assert "site.toml:4:1: warning: unknown table [bulid] (did you mean 'build'?)" in messages


def test_an_unknown_check_code_in_ignore_is_a_warning(make_site, cli) -> None:
    site = make_site({"site.toml": '[site]\ntitle = "T"\n[check]\nignore = ["JD101", "JD15"]\n'})
    result = cli("check", "--site", site)
    assert "site.toml:4:1: warning: ignore: there is no check 'JD15' (did you mean 'JD105'?)" in result.output


@pytest.mark.parametrize(
    "url",
    [
        "example.org", "notaurl", "ftp://example.org/", "https://",
        "https://qa.example/my journeys/", "https://example.org/?a=1", "https://example.org/x#top", "http://[::1",
    ],
)
def test_a_base_url_from_the_command_line_is_held_to_the_same_rule(make_site, cli, url: str) -> None:
    """--base-url overrides site.toml for preview deployments; it must not smuggle in what site.toml may not hold."""
    site = make_site()
    result = cli("build", "--site", site, "--base-url", url, "--no-search")
    assert result.exit_code == 2
    assert "Invalid value for '--base-url': must be an absolute http(s) URL" in result.output
    assert not (site / "public").exists()
    assert cli("build", "--site", site, "--base-url", "https://preview.example.org/pr-7", "--no-search").exit_code == 0
    assert 'href="https://preview.example.org/pr-7/' in (site / "public/index.html").read_text("utf-8")


def test_a_sub_table_and_a_stage_field_are_reported_at_their_own_lines(tmp_path: Path) -> None:
    problems = _problems(tmp_path, "[site]\ntitle = 'X'\n\n[site.extra]\na = 1\n\n[[stages]]\nid = 'apply'\ntitle = 5\n")
    assert "site.toml:4:1: warning: unknown setting 'extra' in [site]" in problems
    assert "site.toml:9:1: error: 'title' of stage 'apply' must be a string" in problems
