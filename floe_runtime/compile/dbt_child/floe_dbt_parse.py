"""Several ``dbt parse`` runs in one process: dbt's start (imports, adapter plugins) is paid once.

floe runs this file as a script with the Python that runs ``dbt`` (never imports it: the core
does not import dbt). Its folder holds only this file, so nothing here shadows a module dbt
imports. The one argument is a JSON file: a list of parses, each with ``args`` (dbt's command
line, from ``parse``), ``keep`` (the names of this process's variables that parse sees),
``set`` (variables set for it alone: ``FLOE_ENV``) and ``output`` (a file for what dbt
prints); no other value of a variable is written to that file. Each outcome is one stdout line,
``floe-dbt-parse <index> <exit code>``, with dbt's exit codes: 0 done, 1 failed, 2 dbt raised.
"""

import json
import os
import sys


def main() -> int:
    with open(sys.argv[1], encoding="utf-8") as handle:
        parses = json.load(handle)
    from dbt.cli.main import dbtRunner

    streams = sys.stdout, sys.stderr
    given = dict(os.environ)
    for index, parse in enumerate(parses):
        os.environ.clear()
        os.environ.update({name: given[name] for name in parse["keep"] if name in given})
        os.environ.update(parse["set"])
        with open(parse["output"], "w", encoding="utf-8", errors="replace") as output:
            sys.stdout = sys.stderr = output
            try:
                result = dbtRunner().invoke(parse["args"])
            finally:
                sys.stdout, sys.stderr = streams
        code = 0 if result.success else 1 if result.exception is None else 2
        print(f"floe-dbt-parse {index} {code}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
