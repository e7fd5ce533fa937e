"""The speed probe's reference (:mod:`cnncourse.speed`).

Written by ``python -m cnncourse speed --store`` on 2026-12-08,
on the machine that measured chapters/timings.csv, whose chapter
5 and 6 rows are copied here. Do not edit: run the command again
after ``timings --write`` stores new rows, on a quiet machine.
"""

COMMAND = 'python -m cnncourse speed --store'
DATE = '2026-12-08'
CPUS = 2
LOAD = '0.7 1.1 1.5'  # load averages (1, 5, 15 min) when measured
PROBE_SECONDS = {'05': 0.878, '06': 1.001}
CHAPTER_SECONDS = {'05': 301.2, '06': 799.8}
TIMINGS_DATES = {'05': '2026-11-26', '06': '2026-12-08'}
