"""Cron strings read exactly as Dagster 1.13 reads them, without importing Dagster.

floe checks ``floe.yaml`` before any Dagster code runs, so "valid" has to mean exactly what
``dagster._utils.schedules.is_valid_cron_string`` accepts (it delegates to Dagster's vendored
croniter), and predicted ticks have to be the ones ``cron_string_iterator`` yields, because that
is what Dagster's scheduler and time-window partitions use. The code therefore follows those two
implementations step by step instead of textbook cron, and keeps their surprises on purpose:

* ``a-a`` (a range whose ends are equal) means the whole field: ``5-5 * * * *`` fires every
  minute and ``0 0 0-0 * *`` every day.
* Day-of-month and day-of-week are OR-ed only when neither is ``*``/``?``. Next to ``#n``/``Ln``
  the day-of-month adds nothing, and Dagster fails (here: ``CronError``) when the two can never
  coincide, as in ``0 0 15 * 1#2``.
* Dagster computes a string ending in `` 29 2 *`` as "the Feb 28 ticks, one day later, in leap
  years". Started between Feb 28 and Feb 29 of a leap year it therefore skips that Feb 29, and the
  previous tick can be that Feb 29, i.e. *after* the given time.
* Hourly schedules in a zone whose UTC offset is not a whole number of hours *when first asked*
  (Dagster uses ``datetime.now()`` once per process) count minutes in local time, otherwise in
  UTC.
* A schedule that never matches within 50 years (``0 0 31 4 *``) is accepted, and asking for its
  ticks raises ``CronError``, as it does in Dagster.
* Going back, croniter counts February as 28 days, so it can step over Feb 29; Dagster then
  fails an internal check (``30 2 29 * *`` in America/New_York from 2024-03-10), and so does
  this module, with ``CronError``.

One deliberate difference: croniter's random values (``R``, ``R/10``, ``R(0-29)``) are accepted
by Dagster, but they draw a new schedule on every load, which means nothing in a declarative
file, so they are refused here. Hashed ``H`` values are refused by Dagster itself.
"""

from floe_runtime.ports.cron.parse import Cron, Granularity, is_valid_cron, parse_cron
from floe_runtime.ports.cron.ticks import next_ticks, previous_tick

__all__ = [
    "Cron",
    "Granularity",
    "is_valid_cron",
    "next_ticks",
    "parse_cron",
    "previous_tick",
]
