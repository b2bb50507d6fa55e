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
    with pytest.raises(YamlProblem, match="unsupported YAML tag"):
        parse(text)


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


def test_non_string_keys_are_errors() -> None:
    with pytest.raises(YamlProblem, match="keys must be text"):
        parse("1: one\n")
    with pytest.raises(YamlProblem, match="keys must be text"):
        parse("? [a, b]\n: c\n")


def test_scalars_follow_yaml_core_rules_and_dates_stay_text() -> None:
    parsed = parse("i: 0x1f\nf: 1.5\nb: yes\nn: ~\nd: 2026-01-31\ns: '12'\n")
    assert parsed.data == {"i": 31, "f": 1.5, "b": True, "n": None, "d": "2026-01-31", "s": "12"}


def test_merge_keys_work() -> None:
    parsed = parse("base: &b {x: 1, y: 2}\nthing:\n  <<: *b\n  y: 3\n")
    assert parsed.data["thing"] == {"x": 1, "y": 3}


def test_syntax_error_has_position() -> None:
    with pytest.raises(YamlProblem) as info:
        parse("a: [1, 2\nb: 3\n", line_offset=1)
    assert info.value.line >= 1 and "YAML syntax error" in info.value.message
