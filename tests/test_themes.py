"""Themes: a custom theme is layered over the built-in default theme, and its problems are named.

Templates are looked up in the site's ``templates/``, then the theme's, then the
built-in default theme's; static files are the default's with the theme's over
them.  So a theme holds only what it changes, a template missing everywhere is
a template error at the file that names it, and a template that nothing can
use (a misspelt override) is a warning.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from generator.build import Options, build
from generator.config import load_config
from generator.diagnostics import ContentError

from .conftest import ROOT, clean_build, errors, tree
from .sitecheck import broken_links

DEFAULT = ROOT / "themes/default"
ACME = '[site]\ntitle = "Test site"\ntheme = "acme"\n'  # the theme setting is on line 3
MakeSite = Callable[..., Path]


def _acme(make_site: MakeSite, files: dict[str, str | bytes | None], folders: tuple[str, ...] = ()) -> Path:
    """The minimal site with ``theme = "acme"``, *files* written and the (empty) *folders* made."""
    site = make_site({"site.toml": ACME, **files})
    for folder in folders:
        (site / folder).mkdir(parents=True, exist_ok=True)
    return site


# -- item 3: layering ---------------------------------------------------------------------


def test_a_theme_with_only_a_stylesheet_gets_everything_else_from_the_default_theme(make_site, cli) -> None:
    site = _acme(make_site, {"themes/acme/static/journeydocs.css": "body { color: teal; }\n"}, ("themes/acme/templates",))
    result = cli("build", "--site", site, "--no-search")
    assert result.exit_code == 0, result.output
    static = site / "public/static"
    assert sorted(p.name for p in static.iterdir()) == sorted(p.name for p in (DEFAULT / "static").iterdir())
    assert (static / "journeydocs.css").read_text(encoding="utf-8") == "body { color: teal; }\n"
    assert (static / "journeydocs.js").read_bytes() == (DEFAULT / "static/journeydocs.js").read_bytes()
    assert broken_links(site / "public", "/") == []
    check = cli("check", "--site", site, "--links", "--strict")
    assert check.exit_code == 0 and "0 errors, 0 warnings" in check.output, check.output


def test_the_site_template_wins_over_the_theme_template_which_wins_over_the_default(make_site, cli) -> None:
    page = '{% extends "base.html" %}{% block content %}<h1>WHO lost it</h1>{% endblock %}\n'
    site = _acme(make_site, {"themes/acme/templates/404.html": page.replace("WHO", "Acme")})
    assert cli("build", "--site", site, "--no-search").exit_code == 0
    assert "<h1>Acme lost it</h1>" in (site / "public/404.html").read_text(encoding="utf-8")
    assert 'class="curve-scroll"' in (site / "public/journeys/buy/index.html").read_text(encoding="utf-8")
    (site / "templates").mkdir()
    (site / "templates/404.html").write_text(page.replace("WHO", "Site"), encoding="utf-8")
    assert cli("build", "--site", site, "--no-search").exit_code == 0
    assert "<h1>Site lost it</h1>" in (site / "public/404.html").read_text(encoding="utf-8")


def test_a_theme_folder_may_replace_a_default_static_file_by_a_folder(make_site, cli) -> None:
    site = _acme(make_site, {"themes/acme/static/favicon.svg/icon.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>"})
    result = cli("build", "--site", site, "--no-search")
    assert result.exit_code == 0, result.output
    assert (site / "public/static/favicon.svg/icon.svg").is_file()


@pytest.mark.parametrize(
    "template, where",
    [
        ("templates/insights.html", "templates/, the built-in default theme"),
        ("themes/acme/templates/insights.html", "themes/acme/templates/, the built-in default theme"),
    ],
    ids=["site", "theme"],
)
def test_an_include_of_a_missing_template_is_a_template_error_naming_both(make_site, cli, template, where) -> None:
    broken = '{% extends "base.html" %}\n{% block content %}\n{% include "nope.html" %}\n{% endblock %}\n'
    site = _acme(make_site, {template: broken}, ("themes/acme/static",))
    result = cli("build", "--site", site, "--no-search", "--workers", "1")
    assert result.exit_code == 1
    first = result.output.splitlines()[0]
    assert first == f"{template}:3:1: error: template error: template 'nope.html' not found (looked in {where})"
    assert "cannot write" not in result.output and "Traceback" not in result.output
    assert not (site / "public").exists()


def test_a_page_template_missing_everywhere_is_reported_at_the_theme_setting(make_site: MakeSite, builtin_themes: Path) -> None:
    default = builtin_themes / "default"
    for page in ("index.html", "insights.html"):
        (default / "templates" / page).unlink()  # a broken installation: no layer has these pages
    site = _acme(make_site, {"themes/acme/static/extra.css": ""})
    with pytest.raises(ContentError) as caught:
        build(Options(root=site, search=False, workers=1, use_cache=False))
    (problem,) = [d.format() for d in caught.value.report.items]
    assert problem.startswith("site.toml:3:1: error: theme: template '") and ".html' not found (looked in " in problem
    assert not (site / "public").exists()


def test_a_change_in_either_theme_layer_rebuilds_what_depends_on_it(
    make_site: MakeSite, builtin_themes: Path, tmp_path: Path
) -> None:
    default = builtin_themes / "default"
    site = _acme(make_site, {"themes/acme/static/journeydocs.css": "acme { }\n"})
    out = site / "public"

    def rebuilt() -> set[tuple[str, ...]]:
        return set(build(Options(root=site, search=False, workers=1)).rendered_jobs)

    rebuilt()
    (default / "static/favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>", encoding="utf-8")
    assert rebuilt() == {("static",)}  # the default layer's static file: copied again, pages untouched
    assert (out / "static/favicon.svg").read_text(encoding="utf-8").startswith("<svg xmlns='http")
    (site / "themes/acme/static/journeydocs.css").write_text("acme { color: red; }\n", encoding="utf-8")
    assert rebuilt() == {("static",)}
    assert (out / "static/journeydocs.css").read_text(encoding="utf-8") == "acme { color: red; }\n"
    (site / "themes/acme/static/journeydocs.css").unlink()  # the default's shows through again
    assert rebuilt() == {("static",)}
    assert (out / "static/journeydocs.css").read_bytes() == (default / "static/journeydocs.css").read_bytes()
    four = default / "templates/404.html"
    four.write_text(four.read_text(encoding="utf-8").replace("</h1>", " (default layer)</h1>", 1), encoding="utf-8")
    assert ("not-found",) in rebuilt() and "(default layer)" in (out / "404.html").read_text(encoding="utf-8")
    theirs = site / "themes/acme/templates/404.html"
    theirs.parent.mkdir()
    theirs.write_text('{% extends "base.html" %}{% block content %}<h1>acme layer</h1>{% endblock %}\n', "utf-8")
    assert ("not-found",) in rebuilt() and "acme layer" in (out / "404.html").read_text(encoding="utf-8")
    theirs.unlink()  # the default's template shows through again (as the recycled output before last has it)
    rebuilt()
    assert "(default layer)" in (out / "404.html").read_text(encoding="utf-8")
    assert tree(out) == tree(clean_build(site, tmp_path / "clean"))


# -- item 4: an incomplete theme folder ------------------------------------------------------


@pytest.mark.parametrize("part", ["templates", "static"])
def test_a_theme_folder_with_only_one_part_builds(make_site, cli, part: str) -> None:
    site = _acme(make_site, {}, (f"themes/acme/{part}",))
    result = cli("build", "--site", site, "--no-search")
    assert result.exit_code == 0, result.output
    assert (site / "public/static/journeydocs.js").is_file() and (site / "public/404.html").is_file()


def test_a_theme_folder_with_neither_part_says_what_it_lacks(make_site, cli) -> None:
    site = _acme(make_site, {"themes/acme/README.txt": "my theme, one day\n"})
    result = cli("build", "--site", site)
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        "site.toml:3:1: error: theme 'acme': themes/acme/ has no templates/ or static/ folder"
        " (a theme holds what it changes from the built-in 'default')"
    )
    assert "not found" not in result.output


# -- item 5: templates nothing uses ------------------------------------------------------------

NOTE_PAGE = '{% extends "base.html" %}{% from "my-macros.html" import note %}{% block content %}{{ note() }}{% include "partials/aside.html" %}{% endblock %}\n'


def test_a_misspelt_override_is_a_warning_that_strict_fails_on(make_site, cli) -> None:
    site = _acme(make_site, {
        "templates/jouney.html": (DEFAULT / "templates/journey.html").read_text(encoding="utf-8"),
        "templates/404.html": NOTE_PAGE,  # uses two templates of the site's own: no warning for them
        "templates/my-macros.html": "{% macro note() %}<p>note</p>{% endmacro %}\n",
        "templates/partials/aside.html": "<aside>aside</aside>\n",
        "themes/acme/templates/personna.html": "<p>never used</p>\n",
        "themes/acme/templates/stage.html": '{% extends "base.html" %}{% block content %}{% include "bits.html" %}{% endblock %}\n',
        "themes/acme/templates/bits.html": "<p>bits</p>\n",
    })
    result = cli("check", "--site", site, "--strict")
    assert result.exit_code == 1
    warnings = [line for line in result.output.splitlines() if ": warning: " in line]
    assert warnings == [
        "templates/jouney.html:1:1: warning: template 'jouney.html' is never used: the theme has no template of"
        " that name and no template includes, imports or extends it (did you mean 'journey.html'?)",
        "themes/acme/templates/personna.html:1:1: warning: template 'personna.html' is never used: the theme has no"
        " template of that name and no template includes, imports or extends it (did you mean 'persona.html'?)",
    ]
    assert cli("check", "--site", site).exit_code == 0  # a warning, not an error
    strict = cli("build", "--site", site, "--strict")
    assert strict.exit_code == 1 and "jouney.html" in strict.output and not (site / "public").exists()
    assert cli("build", "--site", site, "--no-search").exit_code == 0
    assert "<aside>aside</aside>" in (site / "public/404.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "files, warned",
    [
        ({"templates/jouney.html": "<p>x</p>"}, ["templates/jouney.html"]),
        ({"templates/journey.html": "<p>x</p>", "templates/sub/index.html": "<p>x</p>"}, ["templates/sub/index.html"]),
        ({"templates/404.html": NOTE_PAGE, "templates/my-macros.html": "", "templates/partials/aside.html": ""}, []),
        # a name made at run time could be any template; a template that does not parse is the build's to report
        ({"templates/404.html": '{% include "part-" ~ n %}', "templates/part-1.html": ""}, []),
        ({"templates/404.html": "{% if %}", "templates/jouney.html": ""}, []),
        ({"templates/.jouney.html.swp.html": "", "templates/notes.txt": ""}, []),
        ({"templates/.404.html.swp": b"\xff\xfe{% if", "templates/logo.png": b"\x89PNG\xff", "templates/x.html": ""},
         ["templates/x.html"]),  # an editor's swap file or an image beside them leaves the rule working
    ],
    ids=["misspelt", "sub-folder", "included", "dynamic", "syntax-error", "not-templates", "binary"],
)
def test_unused_templates_rule(make_site, files: dict[str, str | bytes], warned: list[str]) -> None:
    from generator.render.templates import unused_templates

    site = make_site(files)
    assert [d.path for d in unused_templates(load_config(site))] == warned


def test_a_template_that_cannot_be_read_is_reported_at_the_file(make_site, cli) -> None:
    """Its bytes go into every page's fingerprint; an unreadable one is the site's problem, not the output's."""
    site = make_site()
    (site / "templates").mkdir()
    (site / "templates/journey.html").symlink_to("/proc/self/mem")  # a file even root cannot read
    (site / "templates/persona.html").symlink_to("/proc/self/mem")
    result = cli("build", "--site", site)
    assert result.exit_code == 1
    assert [e for e in errors(result.output) if e.startswith("templates/journey.html:1:1: error: cannot read the file: ")]
    assert [e for e in errors(result.output) if e.startswith("templates/persona.html:1:1: error: cannot read the file: ")]
    assert "cannot write" not in result.output and not (site / "public").exists()
