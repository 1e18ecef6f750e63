"""Reading type annotations the same way on every supported Python."""

from __future__ import annotations

import typing
from typing import Any


def subclass_of(hint: Any, base: type) -> bool:
    """Whether ``hint`` is a class deriving from ``base``. A parametrised generic such as
    ``list[str]`` is not a class, though Python 3.10 says ``isinstance(list[str], type)``."""
    return typing.get_origin(hint) is None and isinstance(hint, type) and issubclass(hint, base)
