"""Structure checks of every chapter notebook (fast: nothing is executed here).

nbval re-runs the notebooks and compares their outputs; these tests check
what nbval does not: that the stored outputs come from one top-to-bottom run,
that every notebook opens on Colab, follows the exercise convention, and
uses no API that Keras 3 removed.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest
import yaml

from cnncourse import book
from cnncourse.labels import exercise_labels

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
# The book's one reading of _toc.yml (a missing page raises there).
NOTEBOOKS = book.toc_notebooks(ROOT)


def _code_cells(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.name)
def notebook(request):
    return request.param, nbformat.read(request.param, as_version=4)


def test_every_toc_entry_exists_and_every_chapter_is_listed():
    pages = book.toc_documents(ROOT)  # raises for an entry without a file
    orphans = [p.name for p in (ROOT / "chapters").glob("*.ipynb") if p not in pages]
    assert not orphans, f"notebooks missing from _toc.yml: {orphans}"
    assert NOTEBOOKS, "no notebook in the table of contents"


def test_first_cell_installs_the_package_from_the_configured_repository(notebook):
    path, nb = notebook
    repo = CONFIG["repository"]
    expected = f'"cnncourse @ git+{repo["url"]}@{repo["branch"]}"'
    first = _code_cells(nb)[0].source
    assert "import cnncourse" in first and "except ImportError" in first, path.name
    assert expected in first, f"{path.name}: first cell must install {expected}"


def test_second_cell_sets_up_reproducibility(notebook):
    path, nb = notebook
    assert "repro.setup(" in _code_cells(nb)[1].source, path.name


def test_executed_top_to_bottom_without_errors(notebook):
    path, nb = notebook
    counts = [c.execution_count for c in _code_cells(nb)]
    assert counts == list(range(1, len(counts) + 1)), f"{path.name}: execution counts {counts}"
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors, f"{path.name}: error outputs {[(e.ename, e.evalue) for e in errors]}"


TF_NOISE = re.compile(r"oneDNN|cuda|TF_CPP|tensorflow/core|absl::|WARNING: All log messages")


def test_no_tensorflow_log_noise_in_outputs(notebook):
    path, nb = notebook
    for cell in _code_cells(nb):
        for out in cell.outputs:
            if out.output_type == "stream" and out.name == "stderr":
                assert not TF_NOISE.search(out.text), f"{path.name}: {out.text[:200]}"


TRAINING = {"fit", "fit_timed"}  # model.fit(...), training.fit_timed(model, ...)
LOGGING = TRAINING | {"evaluate", "predict"}  # Keras calls that print unless told not to
# scikit-learn estimators built in place, whose fit never prints (chapter 7)
SILENT_ESTIMATORS = {"LogisticRegression"}


def keras_calls(source: str) -> list[tuple[str, str | None, str]]:
    """Every call of a name in LOGGING in a cell: ``(name, verbose, call)``.

    The cell is parsed as Python (IPython's ``%`` and ``!`` lines made
    Python first), so that a call is found whatever its layout: over several
    lines, through a module (``training.fit_timed``), with brackets in its
    arguments. ``verbose`` is the source of the argument, None when absent.
    """
    from IPython.core.inputtransformer2 import TransformerManager

    tree = ast.parse(TransformerManager().transform_cell(source))
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            receiver = func.value if isinstance(func, ast.Attribute) else None
            if (isinstance(receiver, ast.Call)
                    and ast.unparse(receiver.func) in SILENT_ESTIMATORS):
                continue
            if name in LOGGING:
                verbose = next((ast.unparse(k.value) for k in node.keywords if k.arg == "verbose"),
                               None)
                calls.append(((node.lineno, node.col_offset), name, verbose, ast.unparse(node)))
    return [call[1:] for call in sorted(calls)]


def test_keras_calls_finds_every_training_call_and_its_verbose():
    source = """%matplotlib inline
history, seconds = training.fit_timed(
    cnn, train_ds, validation_data=val_ds,
    epochs=EPOCHS, callbacks=[record(1)], verbose=2)
model.fit(x[:64], y[:64], epochs=1)  # no verbose
fit_timed(model, x, y, verbose=1)
print(model.evaluate(x, y, verbose=0)[1], "fit(", ".fit(x)")
model.fit_generator(gen)
"""
    assert [(name, verbose) for name, verbose, _ in keras_calls(source)] == [
        ("fit_timed", "2"), ("fit", None), ("fit_timed", "1"), ("evaluate", "0")]


def test_training_is_logged_one_line_an_epoch(notebook):
    """verbose=2 (one line an epoch) or 0 (silent): never progress bars, whose
    timings and carriage returns vary from run to run."""
    path, nb = notebook
    for cell in _code_cells(nb):
        for name, verbose, call in keras_calls(cell.source):
            assert verbose in ("0", "2"), (
                f"{path.name}: {name}(...) without verbose=2 or verbose=0:\n{call[:300]}")


# Chapters that train for minutes, and how many timed trainings each runs.
TRAININGS = {"05_fashion_mnist.ipynb": 4, "06_cats_vs_dogs.ipynb": 3}


@pytest.mark.parametrize("name, timed", sorted(TRAININGS.items()))
def test_long_trainings_are_found_silent_and_summed_up(name, timed):
    """The check above sees the chapters' trainings (fit_timed calls included);
    none logs an epoch (verbose=0), and each cell that trains prints one
    training.summary line a training instead, or a table with a row a
    training (chapter 5's short runs)."""
    nb = nbformat.read(ROOT / "chapters" / name, as_version=4)
    calls = [(n, v) for cell in _code_cells(nb) for n, v, _ in keras_calls(cell.source)
             if n in TRAINING]
    assert all(v == "0" for _, v in calls), f"{name}: training calls {calls}"
    assert sum(n == "fit_timed" for n, _ in calls) == timed, f"{name}: training calls {calls}"
    for cell in _code_cells(nb):
        if "fit_timed(" in cell.source:
            assert ("training.summary(" in cell.source
                    or "rows.append(" in cell.source), (
                f"{name}: a timed training without its summary line:\n{cell.source[:300]}")


def test_no_api_that_keras_3_removed(notebook):
    path, nb = notebook
    for cell in _code_cells(nb):
        assert not re.search(r"\bfit_generator\(|\bImageDataGenerator\(", cell.source), (
            f"{path.name}: uses an API Keras 3 no longer has:\n{cell.source[:300]}")


def test_exercises_have_hidden_solutions_in_tagged_cells(notebook):
    path, nb = notebook
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    labels = exercise_labels(text)
    assert None not in labels, f"{path.name}: an exercise has no :label: {labels}"
    assert len(labels) >= 2, f"{path.name}: fewer than two exercises"
    assert len(set(labels)) == len(labels)
    chapter = path.name[:2]
    for label in labels:
        assert label.startswith(f"ch{chapter}-ex"), f"{path.name}: label {label}"
        opening = re.search(r"```\{solution(?:-start)?\} " + re.escape(label) + r"\n(:[^\n]*\n)*",
                            text)
        assert opening, f"{path.name}: exercise {label} has no solution"
        assert ":class: dropdown" in opening.group(0), f"{path.name}: {label} not hidden"
    inside = False
    for cell in nb.cells:
        starts = "{solution-start}" in cell.source or re.search(r"```\{solution\}", cell.source)
        if starts or inside:
            assert "solution" in cell.metadata.get("tags", []), (
                f"{path.name}: solution cell not tagged 'solution':\n{cell.source[:200]}")
        if "{solution-start}" in cell.source:
            inside = True
        if "{solution-end}" in cell.source:
            inside = False
    assert not inside, f"{path.name}: a solution-start has no solution-end"


def test_no_figure_is_shown_twice(notebook):
    """A plotting call without a trailing ';' shows its figure twice."""
    path, nb = notebook
    for cell in _code_cells(nb):
        kinds = [o.output_type for o in cell.outputs if "image/png" in o.get("data", {})]
        assert not ("execute_result" in kinds and "display_data" in kinds), (
            f"{path.name}: a figure is shown twice; end the call with ';':\n{cell.source[:200]}")


def _tags(cell) -> list[str]:
    return cell.metadata.get("tags", [])


def test_one_parameter_cell_that_starts_with_the_preset(notebook):
    """Convention 1 of CONTRIBUTING.md: the student copies set it to "fast"."""
    from cnncourse import student

    path, nb = notebook
    cells = [c for c in nb.cells if student.PARAMETERS_TAG in _tags(c)]
    assert len(cells) == 1, (
        f"{path.name}: {len(cells)} cells tagged 'parameters', not one")
    (cell,) = cells
    assert cell.cell_type == "code", path.name
    first = cell.source.split("\n")[0]
    assert first == student.FULL_PRESET, (
        f"{path.name}: the parameter cell starts with {first!r}, not "
        f"{student.FULL_PRESET!r}")


MAX_LINE = 79  # the narrow column of the site cuts longer code lines


def test_no_code_line_is_longer_than_79_characters(notebook):
    path, nb = notebook
    long = [f"cell {i}, {len(line)} characters: {line}"
            for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
            for line in cell.source.split("\n") if len(line) > MAX_LINE]
    assert not long, (f"{path.name}: code lines over {MAX_LINE} characters:\n"
                      + "\n".join(long))


def test_an_exercise_comes_before_the_last_section(notebook):
    """Exercises sit after the section they practise, not all at the end."""
    path, nb = notebook
    sections = [i for i, c in enumerate(nb.cells) if c.cell_type == "markdown"
                and re.search(r"^## (?!Summary|Exercises)", c.source,
                              re.MULTILINE)]
    first = next((i for i, c in enumerate(nb.cells) if c.cell_type == "markdown"
                  and "{exercise}" in c.source), None)
    assert first is not None and sections, path.name
    assert first < sections[-1], (
        f"{path.name}: the first exercise (cell {first}) comes after the last "
        f"section's heading (cell {sections[-1]})")


def _names(source: str) -> tuple[set[str], set[str]]:
    """The names a cell assigns and the names it reads, at any depth."""
    from IPython.core.inputtransformer2 import TransformerManager

    tree = ast.parse(TransformerManager().transform_cell(source))
    stored, loaded = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (stored if isinstance(node.ctx, ast.Store) else loaded).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            stored.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            stored.update((a.asname or a.name).split(".")[0]
                          for a in node.names)
    return stored, loaded


def test_no_cell_depends_on_a_solution(notebook):
    """Student copies drop the solutions: nothing after may need them."""
    path, nb = notebook
    from_solutions, defined = set(), set()
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        stored, loaded = _names(cell.source)
        if "solution" in _tags(cell):
            from_solutions |= stored - defined
            continue
        needed = (loaded - defined - stored) & from_solutions
        assert not needed, (
            f"{path.name}: cell {i} uses {sorted(needed)}, which only a "
            f"solution defines:\n{cell.source[:200]}")
        defined |= stored
