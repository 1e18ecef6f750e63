"""What every stage shares: ``diagnostics`` (errors as data, with positions), ``errors``
(``FloeError``), bounded ``files``, ``secrets`` and ``output`` (every printed string through one
choke point), ``children`` (subprocesses), ``version``.
"""
