"""pytest configuration shared by the unit tests and the nbval notebook runs.

nbval sends each cell to the kernel with ``store_history=False``. IPython then
cannot see the cell's source when it decides whether a trailing ``;`` hides
the cell's value, so ``plotting.image_grid(...);`` shows its figure twice
under nbval but once in Jupyter, and the stored outputs never match. Cells
are sent with history here, exactly as Jupyter and nbconvert send them.
"""

from __future__ import annotations


def _execute_with_history(self, cell_input, allow_stdin=None):
    return self.kc.execute(cell_input, store_history=True, allow_stdin=allow_stdin,
                           stop_on_error=False)


try:
    from nbval.kernel import RunningKernel
except ImportError:  # nbval not installed: the unit tests run without it
    pass
else:
    RunningKernel.execute_cell_input = _execute_with_history
