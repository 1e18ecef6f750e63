"""Plain (unquoted) YAML scalars typed by the YAML 1.2 core schema.

``yes`` stays a string and ``2024-01-01`` stays a string — the rules check-jsonschema uses, so the
editor, the schema and floe agree on what a file means. Interpolated values are re-read by the
same rules (``spec/fields.py``).
"""

from __future__ import annotations

import math
import re
from typing import Any

_MAX_INT_BITS = 14_000  # about 4,200 decimal digits: Python refuses to print longer integers

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_TRUE = re.compile(r"^(?:true|True|TRUE)$")
_FALSE = re.compile(r"^(?:false|False|FALSE)$")
_INT = re.compile(r"^[-+]?[0-9]+$")
_OCT = re.compile(r"^0o[0-7]+$")
_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")


_MAY_BE_TYPED = frozenset("~nNtTfF0123456789+-.")


def resolve_plain_scalar(text: str) -> Any:
    """Type a plain (unquoted) scalar by the YAML 1.2 core schema."""
    if text and text[0] not in _MAY_BE_TYPED:
        return text  # the common case: a name, decided by its first character
    if _NULL.match(text):
        return None
    if _TRUE.match(text):
        return True
    if _FALSE.match(text):
        return False
    if _INT.match(text):
        return _printable_int(int(text))
    if _OCT.match(text):
        return _printable_int(int(text[2:], 8))
    if _HEX.match(text):
        return _printable_int(int(text[2:], 16))
    if _FLOAT.match(text):
        return float(text)
    if _INF.match(text):
        return -math.inf if text.startswith("-") else math.inf
    if _NAN.match(text):
        return math.nan
    return text


def _printable_int(value: int) -> int:
    """An integer Python can print back (the artifact writes it as JSON), or ValueError."""
    if value.bit_length() > _MAX_INT_BITS:
        raise ValueError(f"an integer of {value.bit_length():,} bits is too long")
    return value
