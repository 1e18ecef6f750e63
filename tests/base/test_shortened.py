"""Every shortened list floe prints counts what it leaves out in the same words."""

from __future__ import annotations

from floe_runtime.base.diagnostics import and_more, capped, capped_lines, known_list


def test_capped_keeps_the_first_and_counts_the_rest() -> None:
    assert capped("abcde", 2) == (["a", "b"], 3)
    assert capped("ab", 5) == (["a", "b"], 0)
    assert capped("abc", None) == (["a", "b", "c"], 0)


def test_the_tail_sits_between_the_sites_punctuation() -> None:
    assert and_more(3) == " and 3 more"
    assert and_more(1234, " (", ")") == " (and 1,234 more)"
    assert and_more(0, " (", ")") == ""


def test_capped_lines_end_with_one_counting_line() -> None:
    assert capped_lines(["x", "y", "z"], 1, end=" errors") == ["x", "… and 2 more errors"]
    assert capped_lines(["x"], 1) == ["x"]
    assert capped_lines(["x", "y"], None) == ["x", "y"]


def test_known_list() -> None:
    assert known_list(["b", "a", "c"], 2) == "'a', 'b' and 1 more"
    assert known_list([]) == "none"
