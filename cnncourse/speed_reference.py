"""The speed probe's reference (:mod:`cnncourse.speed`).

Written by ``python -m cnncourse speed --store`` on 2026-12-07,
on the machine that measured chapters/timings.csv, whose chapter
5 and 6 rows are copied here. Do not edit: run the command again
after ``timings --write`` stores new rows, on a quiet machine.
"""

COMMAND = 'python -m cnncourse speed --store'
DATE = '2026-12-07'
CPUS = 2
LOAD = '1.3 2.1 4.5'  # load averages (1, 5, 15 min) when measured
PROBE_SECONDS = {'05': 0.851, '06': 0.830}
CHAPTER_SECONDS = {'05': 301.2, '06': 490.4}
TIMINGS_DATES = {'05': '2026-11-26', '06': '2026-11-26'}
