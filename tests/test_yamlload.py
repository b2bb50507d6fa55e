"""YAML with positions: duplicates, tags, bombs and depth are problems, never objects."""

from __future__ import annotations

import pytest

from generator.yamlload import MAX_VALUES, YamlProblem, parse


def test_positions_of_keys_and_values() -> None:
    parsed = parse("a: 1\nb:\n  - x\n  - {c: d}\n", line_offset=1)
    assert parsed.data == {"a": 1, "b": ["x", {"c": "d"}]}
    assert parsed.positions.key(("b",)) == (3, 1)
    assert parsed.positions.value(("b", 1, "c")) == (5, 9)
    assert parsed.positions.value(("b", 1, "missing")) == (5, 5)


def test_duplicate_keys_are_reported_and_the_first_kept() -> None:
    parsed = parse("a: 1\nb: 2\na: 3\n")
    assert parsed.data == {"a": 1, "b": 2}
    [problem] = parsed.problems
    assert (problem.line, problem.col) == (2, 0)
    assert "duplicate key 'a' (first at line 1)" in problem.message


@pytest.mark.parametrize(
    "text",
    [
        "a: !!python/object/apply:os.system ['true']\n",
        "a: !!python/name:os.system\n",
        "a: !custom 3\n",
        "a: !!binary aGVsbG8=\n",
        "a: !!set {x, y}\n",
    ],
)
def test_unsafe_and_unknown_tags_are_errors(text: str) -> None:
    parsed = parse(text)
    assert not parsed.usable
    assert [p.message.split(" (")[0].startswith("unsupported YAML tag") for p in parsed.problems] == [True]


def test_every_tagged_value_of_a_file_is_reported_in_one_run() -> None:
    parsed = parse("a: !custom 3\nb: !!binary aGVsbG8=\nc: [1, !!set {x}]\nd: ok\n", line_offset=1)
    assert [(p.line, p.col) for p in parsed.problems] == [(1, 3), (2, 3), (3, 7)]
    assert not parsed.usable


def test_alias_bomb_is_bounded() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    with pytest.raises(YamlProblem, match=f"more than {MAX_VALUES:,} values"):
        parse("\n".join(lines) + "\n")


def test_recursive_alias_is_an_error() -> None:
    with pytest.raises(YamlProblem, match="recursive alias"):
        parse("a: &x [*x]\n")


def test_deep_nesting_is_an_error() -> None:
    with pytest.raises(YamlProblem, match="nested more than"):
        parse("a: " + "[" * 200 + "]" * 200 + "\n")
    with pytest.raises(YamlProblem):
        parse("a: " + "[" * 5000 + "]" * 5000 + "\n")


def test_non_string_keys_are_errors_all_of_them_at_once() -> None:
    for text in ("1: one\n", "? [a, b]\n: c\n"):
        parsed = parse(text)
        assert not parsed.usable and [p.message for p in parsed.problems][0].startswith("keys must be text")
    parsed = parse("title: x\nyes: 1\non: 2\n1: 3\n~: 4\n")  # each fix must not reveal the next
    assert not parsed.usable
    assert [(p.line, p.message) for p in parsed.problems] == [
        (n, f"keys must be text, not {key} (quote the key)") for n, key in enumerate(("yes", "on", "1", "~"), 1)
    ]


def test_scalars_follow_yaml_core_rules_and_dates_stay_text() -> None:
    parsed = parse("i: 31\nb: yes\nn: ~\nd: 2026-01-31\ns: '12'\nm: -3\np: +2\nz: 0\n")
    assert parsed.data == {"i": 31, "b": True, "n": None, "d": "2026-01-31", "s": "12", "m": -3, "p": 2, "z": 0}


@pytest.mark.parametrize(
    "written", ["99.90", "4:00", "1:30:00", ".inf", "-.Inf", ".nan", "1.0", "1_000.5", "010", "0x1F", "0o17", "0b101", "1_000", "-007"]
)
def test_numbers_yaml_would_rewrite_stay_as_written(written: str) -> None:
    """The format has no such numbers: they are indicator values, and YAML 1.1 would turn 4:00 into 240 and 010 into 8."""
    assert parse(f"target: {written}\n").data == {"target": written}


def test_merge_keys_work() -> None:
    parsed = parse("base: &b {x: 1, y: 2}\nthing:\n  <<: *b\n  y: 3\n")
    assert parsed.data["thing"] == {"x": 1, "y": 3}


def test_a_key_beside_a_merge_wins_over_a_merge_inside_the_merged_mapping() -> None:
    parsed = parse("base: &b {a: 1}\nmid: &m {<<: *b, b: 2}\nx: {<<: *m, a: 10}\n", line_offset=1)
    assert parsed.data["x"] == {"a": 10, "b": 2}
    assert parsed.positions.value(("x", "a")) == (4, 16)


def test_a_key_that_overrides_a_merged_one_keeps_its_own_position() -> None:
    text = "step: &step\n  touchpoint: portal\n  persona: pat\nuse:\n  - <<: *step\n    action: Browses\n    persona: bob\n"
    parsed = parse(text, line_offset=1)
    assert parsed.data["use"] == [{"action": "Browses", "persona": "bob", "touchpoint": "portal"}]
    assert parsed.positions.value(("use", 0, "persona")) == (8, 14)  # bob's line, not pat's
    assert parsed.positions.value(("use", 0, "touchpoint")) == (3, 15)  # merged: where it is written


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        ('title: "Unclosed\nsummary: x\nstages:\n  a: b\n', (1, 7), "end of stream (line 5) while scanning a quoted scalar that starts here"),
        ("title: x\npersonas: [pat\nstages:\n  explore:\n", (2, 10), "while parsing a flow sequence that starts here"),
        ("trust: {capability: 4\nsummary: x\n", (1, 7), "while parsing a flow mapping that starts here"),
        ("title: x\nsummary this has no colon\n  more: y\n", (2, 0), "while scanning a simple key that starts here"),
        ("a:\n  b: 1\n c: 2\n", (3, 1), "while parsing a block mapping; did not find expected key"),
        ("a:\n\tb: 1\n", (2, 0), "(a tab: YAML indents with spaces)"),
    ],
)
def test_a_syntax_error_points_where_it_was_made(text: str, where: tuple[int, int], words: str) -> None:
    """An unclosed quote or bracket is reported where it opens, not where YAML gave up (often the file's end)."""
    with pytest.raises(YamlProblem) as info:
        parse(text)
    assert (info.value.line + 1, info.value.col) == where
    assert info.value.message.startswith("YAML syntax error: ") and words in info.value.message


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("- touchpoint: a\n  action: Reviews devices: due soon\n", "a text with ': ' in it: put the whole text in double quotes"),
        ("- touchpoint: a\n    persona: b\n", "if this is a key, is it indented deeper than the key above it"),
        ("items:\n  - touchpoint: a\n    persona: b\n action: c\n", "the keys of one mapping line up under each other"),
        # A key indented too far is noticed at the next one: the hint names the line above too.
        ("stages:\n  offer:\n      goal: a\n    narrative: b\n", "this key is at column 5 and the line above, 3, at column 7"),
        ("items:\n  - touchpoint: a\n    persona: b\n  action: c\n", "items' '-' under each other"),
        ("title: 'it's here'\n", "the quoted text ends at the ' before this: put all of it inside the quotes, and write '' for a ' in it"),
        ('action: "Says "hi" loudly"\n', 'the quoted text ends at the " before this: put all of it inside the quotes, and write \\" for a " in it'),
        ('action: "Approve" the request\n', 'the quoted text ends at the " before this'),
        ("action: Reviews the report\n  and then: approves\n", "a text with ': ' in it goes in double quotes; if this is a key"),
        ("title: *bold*\n", "a text starting with * & @ % or `: put the whole text in double quotes"),
        ("title: @handle\n", "a text starting with * & @ % or `: put the whole text in double quotes"),
    ],
)
def test_a_syntax_error_says_what_usually_causes_it(text: str, hint: str) -> None:
    """libyaml's words are for YAML experts; the hint names the everyday slip behind them."""
    with pytest.raises(YamlProblem) as info:
        parse(text)
    assert hint in info.value.message, info.value.message


def test_control_characters_from_escapes_are_errors_at_their_value() -> None:
    parsed = parse('title: ok\nsummary: "Install from C:\\apps\\build"\nowner: "tab\\tand line\\nare fine"\n', line_offset=1)
    [problem] = parsed.problems
    assert (problem.line, problem.col) == (2, 9)
    assert problem.message.startswith("control character U+0007 is not allowed in text (in double quotes")
    assert parsed.data["owner"] == "tab\tand line\nare fine"


def test_positions_count_lines_as_editors_do_even_with_unicode_line_separators() -> None:
    """libyaml ends a line at U+2028, U+2029 and U+0085 too; editors show them inside a line."""
    parsed = parse('a: "one\u2028two\u2029three"\nb: 1\nb: 2\n')
    assert parsed.positions.keys[("b",)] == (2, 1)
    assert [(p.line, p.col) for p in parsed.problems] == [(2, 0)]  # the duplicate, on the file's third line
    with pytest.raises(YamlProblem) as info:  # a syntax error after them: no crash, the file's line
        parse('name: "a\u2028\u2028\u2028\u2028b"\nrole: user\nsummary: x\n  other: y\n')
    assert (info.value.line, info.value.col) == (3, 7)
