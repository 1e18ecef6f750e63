"""The composite Action's Python half (``action.yml`` runs ``action/main.py`` as a script)."""
