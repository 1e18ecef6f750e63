"""The compiled artifact: the contract between CI, the PR diff and every environment.

Entry points: ``schema.CompiledArtifact`` (its one shape), ``store.read`` / ``store.read_payload``
(verified reads) and ``store.sealed`` (the checksum), ``json_schemas`` (the published schemas).
"""
