"""Every module of floe_runtime/ and action/ reads in one sitting, and every function of
floe_runtime/ fits on a screen: past these sizes a module does two jobs, a function three.

(The limits are issue 18's: about 450 lines a module, 80 a function.)
"""

from __future__ import annotations

import ast

from tests.helpers.paths import REPO, source_files

MODULE_LINES = 450
FUNCTION_LINES = 80


def test_no_module_is_longer_than_it_can_be_read() -> None:
    long = {
        str(file.relative_to(REPO)): lines
        for file in source_files()
        if (lines := file.read_text(encoding="utf-8").count("\n")) > MODULE_LINES
    }
    assert long == {}, f"split these modules (over {MODULE_LINES} lines): {long}"


def test_no_runtime_function_is_longer_than_a_screen() -> None:
    long: dict[str, int] = {}
    for file in source_files("floe_runtime"):
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > FUNCTION_LINES:
                    long[f"{file.relative_to(REPO)}:{node.lineno} {node.name}"] = lines
    assert long == {}, f"split these functions (over {FUNCTION_LINES} lines): {long}"
