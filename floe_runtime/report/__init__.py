"""What floe prints about one project: diagnostics and listings, rendered by name.

Entry points: ``formats.RENDERER_BY_NAME`` (validate and compile: text, json, github),
``formats.LISTING_BY_NAME`` and ``listing.rows`` (``floe list``).
"""
