"""The three renderings of one diagnostic: what a person, a program and GitHub each see."""

from __future__ import annotations

import json

from floe_runtime.base.diagnostics import Diagnostic, Position
from floe_runtime.report import render

SOURCE = {"shop/floe.yaml": "name: shop\norchestration:\n  jobs:\n    j: {type: batch}\n"}
MISSING = Diagnostic(
    "job 'j' needs a selection",
    "shop/floe.yaml",
    Position(4, 8),
    ("orchestration", "jobs", "j"),
    "add selection: [...]",
)
WARNING = Diagnostic("unused pattern", "shop/floe.yaml", Position(2, 1), severity="warning")


def test_text_quotes_the_line_with_a_caret_the_path_and_the_hint() -> None:
    assert render.text([MISSING], SOURCE, "floe: shop/floe.yaml: invalid (1 error)") == "\n".join(
        [
            "shop/floe.yaml:4:8: error: job 'j' needs a selection",
            "  4 |     j: {type: batch}",
            "    |        ^",
            "  = at orchestration.jobs.j",
            "  = hint: add selection: [...]",
            "",
            "floe: shop/floe.yaml: invalid (1 error)",
        ]
    )


def test_text_never_quotes_a_line_holding_a_secret() -> None:
    token = "ghp_" + "a" * 36
    source = {"f.yaml": f"x: {token}\n"}
    shown = render.text([Diagnostic("bad", "f.yaml", Position(1, 4))], source, None)
    assert token not in shown
    assert shown == "f.yaml:1:4: error: bad"


def test_summary_counts_errors_and_warnings() -> None:
    assert render.summary_line(["a.yaml"], [MISSING, WARNING]) == (
        "floe: a.yaml: invalid (1 error, 1 warning)"
    )
    assert render.summary_line(["a.yaml"], [WARNING]) == "floe: a.yaml: valid (0 errors, 1 warning)"
    assert render.summary_line(["a.yaml", "b.yaml"], []) == "floe: a.yaml, b.yaml: valid"


def test_json_is_machine_readable() -> None:
    payload = json.loads(render.as_json([MISSING], ["shop/floe.yaml"]))
    assert payload["valid"] is False
    assert payload["files"] == ["shop/floe.yaml"]
    (only,) = payload["diagnostics"]
    assert (only["file"], only["line"], only["col"]) == ("shop/floe.yaml", 4, 8)
    assert only["message"] == "job 'j' needs a selection"


def test_github_annotations_point_at_the_line_and_escape_what_github_reads() -> None:
    tricky = Diagnostic("50% done\nnext", "a,b:c.yaml", Position(3, 2), hint="fix it")
    assert render.github([tricky]) == (
        "::error file=a%2Cb%3Ac.yaml,line=3,col=2,title=floe invalid::50%25 done%0Anext%0Afix it"
    )
