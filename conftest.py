"""pytest configuration shared by the unit tests and the nbval notebook runs.

Two changes to how nbval checks a notebook:

1. nbval sends each cell to the kernel with ``store_history=False``. IPython
   then cannot see the cell's source when it decides whether a trailing ``;``
   hides the cell's value, so ``plotting.image_grid(...);`` shows its figure
   twice under nbval but once in Jupyter, and the stored outputs never match.
   Cells are sent with history here, exactly as Jupyter and nbconvert send
   them.
2. nbval compares text exactly and skips figures. Here a cell whose metadata
   names tolerances (``"tolerance": {"decimal": 0.02, ...}``, see
   :mod:`cnncourse.tolerance`) has its numbers compared as numbers (losses
   alone may use ``relative``), and every cell's figures are compared by the
   share of their ink that moved, tile by tile: a figure of another size, a
   blank one or another figure fails; a figure of a cell without an ``image``
   tolerance must stay exact.

``tests/test_nbval_plugin.py`` checks the comparison's edge paths cell by
cell; ``tests/test_tolerance.py`` runs nbval itself on small notebooks.
"""

from __future__ import annotations

from cnncourse import tolerance


def _execute_with_history(self, cell_input, allow_stdin=None):
    return self.kc.execute(cell_input, store_history=True, allow_stdin=allow_stdin,
                           stop_on_error=False)


def _compare_with_tolerances(self, test, ref, skip_compare=None):
    """nbval's ``IPyNbCell.compare_outputs``, with numbers and figures under tolerances."""
    rule = tolerance.rule_of(self.cell.metadata)
    if rule.exact_text:
        if not _exact_compare(self, test, ref, skip_compare):
            return False
    else:
        skip = skip_compare or self.parent.skip_compare
        self.comparison_traceback = []
        stored, fresh = _texts(self, ref, skip), _texts(self, test, skip)
        if sorted(stored) != sorted(fresh):
            self.comparison_traceback.append(
                f"output kinds differ: {sorted(stored)} stored, {sorted(fresh)} now")
            return False
        for key in stored:
            if len(stored[key]) != len(fresh[key]):
                self.comparison_traceback.append(f"{len(stored[key])} '{key}' outputs stored, "
                                                 f"{len(fresh[key])} now")
                return False
            for a, b in zip(stored[key], fresh[key]):
                problem = tolerance.compare_text(a, b, rule)
                if problem:
                    self.comparison_traceback.append(f"'{key}': {problem}\n--- stored:\n{a}\n"
                                                     f"--- now:\n{b}")
                    return False
    problem = tolerance.compare_images(ref, test, rule)
    if problem:
        self.comparison_traceback = [problem]
        return False
    return True


def _texts(item, outputs, skip):
    """Sanitized text outputs of a cell by key (stream name or MIME type), in order."""
    from nbval.plugin import transform_streams_for_comparison

    texts: dict[str, list[str]] = {}
    for output in transform_streams_for_comparison(outputs):
        for key, value in output.items():
            if key in skip:
                continue
            if key == "data":
                for mime, data in value.items():
                    if mime not in skip:
                        texts.setdefault(mime, []).append(item.sanitize(data))
            else:
                texts.setdefault(key, []).append(item.sanitize(value))
    return texts


try:
    from nbval.kernel import RunningKernel
    from nbval.plugin import IPyNbCell
except ImportError:  # nbval not installed: the unit tests run without it
    pass
else:
    RunningKernel.execute_cell_input = _execute_with_history
    _exact_compare = IPyNbCell.compare_outputs
    IPyNbCell.compare_outputs = _compare_with_tolerances
