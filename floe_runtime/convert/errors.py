"""What ``floe init`` raises: the dbt project it should convert cannot be found or read."""

from __future__ import annotations

from floe_runtime.base.errors import FloeError


class DbtProjectError(FloeError):
    """No dbt project where floe init looks, or one it cannot read; the message says which."""
