"""artifacts x artifacts → what a pull request changes, and the one comment that says so.

Entry points: ``run.review(*, options)`` (compile base and head, diff them), ``diff.diff``
(pure), ``formats.DIFF_RENDERER_BY_NAME`` (text, json, github), ``comment.post`` (the sticky
comment through ``github``, with every untrusted string made inert by ``inert``).
"""
