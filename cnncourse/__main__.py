"""The workshop commands: ``python -m cnncourse COMMAND``.

Commands
--------
doctor [--offline] [--speed]
    Can this machine run the course? Versions, CPUs/GPUs and each chapter's
    data; exits 1 when a chapter cannot run. ``--offline``: with no network
    at all (data that could be downloaded does not count); ``--speed``: also
    time a small training (about 20 s) and predict chapters 5 and 6's run
    times here.
speed [--store]
    Time a short training of chapters 5 and 6's networks (about 20 s) and
    predict those chapters' run times here; ``--store`` makes this machine
    the reference (run it where chapters/timings.csv was measured).
kit OUTDIR [--platforms ...] [--pythons ...] [--photos-per-class N]
    Write a room kit for a workshop without internet: wheelhouses for each
    learner platform and Python, the student notebooks, the data and
    INSTALL.md (run it on a machine with internet).
fetch-data
    Download every data set into the cache ahead of a workshop.
student OUTDIR
    Write student copies of the notebooks (no solutions, no outputs).
timings [--write] [--store] [CHAPTER ...]
    Run each chapter (or only the named ones) in a fresh kernel and report its
    wall time; ``--write`` stores the table in chapters/timings.csv for the
    instructor guide, keeping the rows of chapters not run; ``--store`` writes
    the executed notebooks back with their new outputs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["main"]


def _doctor(args: argparse.Namespace) -> int:
    from cnncourse import doctor

    return doctor.run(offline=args.offline, speed=args.speed)


def _speed(args: argparse.Namespace) -> int:
    from cnncourse import speed

    if args.store:
        print(f"wrote {speed.store_reference(args.root)}")
    else:
        speed.report()
    return 0


def _kit(args: argparse.Namespace) -> int:
    from cnncourse import kit

    chosen = kit.targets(args.platforms, args.pythons)
    results = kit.write_kit(args.outdir, chosen, root=args.root,
                            photos_per_class=args.photos_per_class,
                            download=not args.lock_only)
    failed = [name for name, result in results.items()
              if result.startswith("FAILED")]
    print(f"kit in {args.outdir}: {len(results) - len(failed)} parts made"
          + (f", {len(failed)} FAILED ({', '.join(failed)})" if failed
             else "") + f"; learners follow {args.outdir}/INSTALL.md")
    return 1 if failed else 0


def _fetch_data(args: argparse.Namespace) -> int:
    from cnncourse import fetch

    missing = fetch.fetch_all(args.datasets or None)
    if missing:
        print(f"{missing} data set(s) could not be fetched; see above.", file=sys.stderr)
    return 1 if missing else 0


def _student(args: argparse.Namespace) -> int:
    from cnncourse import student

    written = student.write_student_notebooks(args.outdir, args.root)
    for path in written:
        print(path)
    print(f"{len(written)} student notebooks (solutions and outputs removed) in {args.outdir}")
    return 0


def _timings(args: argparse.Namespace) -> int:
    from nbclient.exceptions import CellExecutionError

    from cnncourse import book, timings

    root = book.find_root(args.root)
    chapters = book.toc_notebooks(root)
    notebooks = chapters
    if args.chapters:
        unknown = set(args.chapters) - {p.stem for p in chapters}
        if unknown:
            raise ValueError(f"no chapter {', '.join(sorted(unknown))} in _toc.yml; choose from "
                             f"{', '.join(p.stem for p in chapters)}")
        notebooks = [p for p in chapters if p.stem in args.chapters]
    try:
        rows = timings.measure(notebooks, store=args.store)
    except CellExecutionError as exc:
        print(f"a chapter failed, so no timings were written:\n{exc}", file=sys.stderr)
        return 1
    if args.write:
        path = timings.csv_path(root)
        old = timings.read_csv(path) if path.exists() else []
        order = [p.stem for p in chapters]
        print(f"wrote {timings.write_csv(timings.update(old, rows, order), path)}")
    return 0


def _add_kit(commands: argparse._SubParsersAction) -> None:
    from cnncourse import kit

    sub = commands.add_parser("kit", help="write a room kit for a "
                              "workshop without internet")
    sub.add_argument("outdir", type=Path)
    sub.add_argument("--platforms", nargs="+", default=list(kit.PLATFORMS),
                     choices=list(kit.PLATFORMS), metavar="PLATFORM",
                     help=f"some of {', '.join(kit.PLATFORMS)} (default: "
                     "all)")
    sub.add_argument("--pythons", nargs="+", default=list(kit.PYTHONS),
                     metavar="VERSION", help="default: "
                     f"{' '.join(kit.PYTHONS)}")
    sub.add_argument("--photos-per-class", type=int,
                     default=kit.PHOTOS_PER_CLASS, metavar="N",
                     help="dogs-vs-cats photos of each class for chapter 6 "
                     f"(default {kit.PHOTOS_PER_CLASS}, as the chapter uses;"
                     " 0: none)")
    sub.add_argument("--lock-only", action="store_true",
                     help="lock each target (the wheel lists) without "
                     "downloading wheels")
    sub.set_defaults(run=_kit)


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run the command; return its exit status.

    Examples
    --------
    >>> main(["fetch-data", "fashion-mnist"])  # doctest: +SKIP
    Fashion-MNIST: already present in /usr/share/datasets/fashion-mnist
    0
    """
    from cnncourse.datasets import DataUnavailableError
    from cnncourse.needs import DATASETS

    parser = argparse.ArgumentParser(prog="python -m cnncourse", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    doctor = commands.add_parser("doctor", help="check this machine")
    doctor.add_argument("--offline", action="store_true",
                        help="ready with no network at all?")
    doctor.add_argument("--speed", action="store_true",
                        help="predict chapters 5 and 6's run times here")
    doctor.set_defaults(run=_doctor)
    _add_kit(commands)
    probe = commands.add_parser("speed", help="predict chapters 5 and 6's "
                                "run times here (about 20 s)")
    probe.add_argument("--store", action="store_true",
                       help="store this machine's probe as the reference")
    probe.set_defaults(run=_speed)
    fetch = commands.add_parser("fetch-data", help="download the data sets into the cache")
    fetch.add_argument("datasets", nargs="*", metavar="DATASET",
                       help=f"some of {', '.join(DATASETS)} (default: all)")
    fetch.set_defaults(run=_fetch_data)
    student = commands.add_parser("student", help="write student copies of the notebooks")
    student.add_argument("outdir", type=Path)
    student.set_defaults(run=_student)
    timing = commands.add_parser("timings", help="measure each chapter's run time")
    timing.add_argument("--write", action="store_true", help="store them in chapters/timings.csv")
    timing.add_argument("--store", action="store_true",
                        help="write each executed notebook back, with its new outputs")
    timing.add_argument("chapters", nargs="*", metavar="CHAPTER",
                        help="notebook names without .ipynb (default: every chapter)")
    timing.set_defaults(run=_timings)
    for sub in (student, timing, probe, commands.choices["kit"]):
        sub.add_argument("--root", type=Path, default=None,
                         help="the course's folder (default: found from the current one)")
    args = parser.parse_args(argv)
    unknown = set(getattr(args, "datasets", None) or ()) - set(DATASETS)
    if unknown:
        parser.error(f"unknown data set {', '.join(sorted(unknown))}; "
                     f"choose from {', '.join(DATASETS)}")
    try:
        return args.run(args)
    except (FileNotFoundError, DataUnavailableError, ValueError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
