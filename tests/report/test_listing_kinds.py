"""`floe list KIND` offers exactly the kinds the listing can read off an artifact."""

from floe_runtime.cli import list as list_command
from floe_runtime.report import listing


def test_the_command_offers_every_kind_the_listing_reads() -> None:
    assert tuple(listing.KINDS) == list_command.KINDS
