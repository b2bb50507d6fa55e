"""`journeys check`: every problem of a run, at path:line:col, with the right exit code."""

from __future__ import annotations

from pathlib import Path

from .conftest import FIXTURES, MINIMAL_SITE, ROOT, copy_site, failing

BROKEN = FIXTURES / "broken"

# What each expected line of fixtures/broken/expected.txt covers (one fixture set, one run):
#   alpha.md   unknown persona (did-you-mean), enum with did-you-mean, unknown field (warning),
#              unknown touchpoint, an interaction naming the misspelt persona (no error), integer range,
#              unknown stage id, missing required field, flow syntax, flow endpoint not in the
#              journey, unknown related slug, self-relation, duplicate YAML key, indicator stage,
#              misspelt field in a list item, trust range
#   beta.md    YAML syntax error         empty.md      empty file
#   gamma.yaml type error in pure YAML   latin1.md     invalid UTF-8 with its byte offset
#   nofront.md no front matter           unclosed.md   front matter never closed
#   Bad_Name   slug rule                 bo.md         persona role enum
#   phone.md   wrong type                portal.yaml   duplicate slug across .md and .yaml


def test_broken_fixture_reports_every_problem_exactly(cli, tmp_path: Path) -> None:
    result = cli("check", "--site", copy_site(BROKEN, tmp_path / "broken"))
    expected = (BROKEN / "expected.txt").read_text(encoding="utf-8")
    assert result.stdout == expected  # check reports on standard output
    assert result.stderr == ""
    assert result.exit_code == 1


def test_every_problem_line_is_path_line_col() -> None:
    lines = (BROKEN / "expected.txt").read_text(encoding="utf-8").splitlines()
    problems, summary = lines[:-1], lines[-1]
    assert len(problems) >= 25
    for line in problems:
        path, row, col, rest = line.split(":", 3)
        assert (BROKEN / path).exists(), line
        assert int(row) >= 1 and int(col) >= 1
        assert rest.startswith((" error: ", " warning: "))
    assert problems == sorted(problems, key=lambda l: (l.split(":")[0], int(l.split(":")[1]), int(l.split(":")[2])))
    assert summary.startswith("checked ")


def test_sample_catalogue_passes_strict_with_only_the_summary(cli, monkeypatch, sample_site: Path) -> None:
    monkeypatch.chdir(sample_site)  # a copy: checking fills a build cache, which must not land in the repository
    result = cli("check", "--strict")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert result.stdout.count("\n") == 1
    assert result.stdout.startswith("checked ") and result.stdout.endswith(": 0 errors, 0 warnings\n")


def test_warnings_fail_only_with_strict(cli, make_site) -> None:
    site = make_site({"content/personas/pat.md": "---\nname: Pat\nrole: customer\nmood: happy\n---\n"})
    relaxed = cli("check", "--site", site)
    assert relaxed.exit_code == 0
    assert "content/personas/pat.md:4:1: warning: unknown field 'mood'" in relaxed.output
    strict = cli("check", "--site", site, "--strict")
    assert strict.exit_code == 1
    assert "warnings are errors with --strict" in strict.output


def test_usage_errors_exit_2(cli) -> None:
    assert cli("check", "--no-such-option").exit_code == 2
    assert cli("new", "journal", "X").exit_code == 2


def test_drafts_are_validated_even_when_not_built(cli, make_site) -> None:
    site = make_site({"content/journeys/draft.md": "---\ntitle: D\ndraft: true\npersonas: [nobody]\nstages: {explore: {}}\n---\n"})
    assert "content/journeys/draft.md:4:12: error: unknown persona 'nobody'" in "\n".join(failing(cli, "check", "--site", site))


def test_build_refuses_content_with_errors_and_writes_nothing(cli, make_site) -> None:
    site = make_site({"content/journeys/bad.md": "---\ntitle: Bad\n---\n"})
    assert "content/journeys/bad.md:2:1: error: the document is missing the required field 'personas'" in "\n".join(
        failing(cli, "build", "--site", site)
    )
    assert not (site / "public").exists()


def test_slugs_follow_the_content_format_hyphens_anywhere(make_site, cli) -> None:
    # content-format.md: "Slugs are lower-case [a-z0-9-]" -- no rule about where hyphens go
    site = make_site({"content/personas/ops--team-.md": "---\nname: Ops team\nrole: provider\n---\n"})
    result = cli("check", "--site", site)
    assert "not a valid slug" not in result.output, result.output


def test_the_compiled_validator_and_jsonschema_agree() -> None:
    """The compiled schema passes valid documents alone; jsonschema must find nothing it let through."""
    from generator.diagnostics import Report
    from generator.load import discover, parse_source, read_bytes
    from generator.validate import check_schema

    sources = discover(BROKEN)[0] + discover(ROOT)[0]
    problems = 0
    for source in sources:
        raw, _ = read_bytes(source)
        assert raw is not None
        document, _ = parse_source(source, raw)
        if document is None:
            continue
        compiled, plain = Report(), Report()
        check_schema(document, compiled)
        check_schema(document, plain, compiled=False)
        assert compiled.items == plain.items, source.rel
        problems += len(plain.items)
    assert problems >= 10  # the broken fixture's schema problems were among them


def test_a_misspelt_persona_or_stage_is_one_error_not_one_per_reference(cli, make_site) -> None:
    """The misspelling is the error; the references that spelled it right are not errors of their own."""
    journey = MINIMAL_SITE["content/journeys/buy.md"]
    journey = journey.replace("personas: [pat, uma]", "personas: [pat, umma]").replace("  realize:\n", "  realise:\n")
    journey = journey.replace("indicators:", 'flow:\n  - "realize -> explore: next cycle"\nindicators:')
    site = make_site({"content/journeys/buy.md": journey})
    result = cli("check", "--site", site)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[:-1] == [
        "content/journeys/buy.md:3:17: error: unknown persona 'umma' (no content/personas/umma.md) (did you mean 'uma'?)",
        "content/journeys/buy.md:11:3: error: unknown stage 'realise'; the stage model has 'explore', 'engage', "
        "'offer', 'agree', 'onboard', 'co-create', 'realize' (did you mean 'realize'?)",
    ]


def test_an_interaction_persona_missing_from_personas_is_an_error_with_the_fix(cli, make_site) -> None:
    journey = MINIMAL_SITE["content/journeys/buy.md"].replace("personas: [pat, uma]", "personas: [pat]")
    result = cli("check", "--site", make_site({"content/journeys/buy.md": journey}))
    assert result.stdout.splitlines()[:-1] == [
        "content/journeys/buy.md:14:18: error: persona 'uma' is not one of this journey's personas (pat); add it to 'personas'"
    ]


def test_type_errors_say_the_range_and_how_to_write_a_list(cli, make_site) -> None:
    journey = MINIMAL_SITE["content/journeys/buy.md"].replace("emotion: 1\n", "emotion: 1.5\n").replace(
        "personas: [pat, uma]", "personas: [pat, uma]\ntags: onboarding"
    )
    lines = cli("check", "--site", make_site({"content/journeys/buy.md": journey})).stdout.splitlines()
    assert "'tags' must be a list, not the text 'onboarding' (one '- item' per line under it, or [first, second] on its line)" in lines[0]
    assert lines[1].endswith("emotion' must be a whole number from -2 to 2, not '1.5'")


def test_a_persona_not_written_yet_does_not_hide_another_persona_missing_from_the_list(cli, make_site) -> None:
    """'duty-manager' (no file yet) is no misspelling of 'account-manager': both problems are reported."""
    journey = MINIMAL_SITE["content/journeys/buy.md"].replace("personas: [pat, uma]", "personas: [pat, duty-manager]")
    journey = journey.replace("persona: uma", "persona: account-manager")
    persona = "---\nname: Account manager\nrole: provider\n---\n"
    site = make_site({"content/journeys/buy.md": journey, "content/personas/account-manager.md": persona})
    lines = cli("check", "--site", site).stdout.splitlines()
    assert any("unknown persona 'duty-manager'" in line for line in lines), lines
    assert any("persona 'account-manager' is not one of this journey's personas" in line for line in lines), lines


def test_final_line_counts_in_the_singular_for_one(cli, make_site) -> None:
    """One journey gives one diagram: 'built … and 1 diagram', not '1 diagrams'."""
    site = make_site()
    result = cli("build", "--site", site, "--no-search")
    assert result.exit_code == 0, result.output
    assert " and 1 diagram into " in result.output and "1 diagrams" not in result.output
