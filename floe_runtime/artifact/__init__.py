"""The compiled artifact: the contract between CI, the PR diff and every environment.

Entry points: ``schema.CompiledArtifact`` (its one shape), ``store.read`` / ``store.read_payload``
(verified reads) and ``store.sealed`` (the checksum), ``view.ArtifactView`` (the PR diff's reads
of a verified payload), ``json_schemas`` (the published schemas). Artifact content is read by
key nowhere else (``tests/architecture/test_artifact_reader.py``).
"""
