"""A papermill engine that writes the executed notebook once, not after every cell.

Papermill's own engine writes the whole notebook (validated, then as JSON) when the run
starts, when each cell starts and when it ends: for an area page of nine charts, twenty
writes of up to a megabyte, about 0.1 s of the worker's CPU a page, for a file the build
reads only when the report fails. :class:`SavedOnceEngine` (papermill's engine name
:data:`ENGINE`) writes nothing while the cells run. When the run returns, papermill writes
the notebook itself, once: annotated with the error when a cell raised. When it does not
return (a cell timed out, the kernel died), this engine writes the notebook as it stood,
with the outputs of the cells before, as papermill's own last write would have: the
failed report's notebook kept under ``_failed/`` is the same either way.
"""

from __future__ import annotations

from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines

#: The name ``papermill.execute_notebook(..., engine_name=ENGINE)`` takes.
ENGINE = "heenb-saved-once"


class _WrittenIfStopped(NotebookExecutionManager):
    """Writes the notebook only when the run ends without returning."""

    stopped = False

    def save(self, **kwargs) -> None:
        if self.stopped:
            super().save(**kwargs)
        else:
            self.last_save_time = self.now()


class SavedOnceEngine(NBClientEngine):
    """Papermill's nbclient engine, writing the notebook once (see the module)."""

    @classmethod
    def execute_notebook(cls, nb, kernel_name, output_path=None, progress_bar=True,
                         log_output=False, autosave_cell_every=30, **kwargs):  # fmt: skip
        """As papermill's ``Engine.execute_notebook``, with :class:`_WrittenIfStopped`."""
        nb_man = _WrittenIfStopped(
            nb, output_path=output_path, progress_bar=progress_bar, log_output=log_output,
            autosave_cell_every=autosave_cell_every,
        )  # fmt: skip
        nb_man.notebook_start()
        try:
            cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
        except BaseException:
            nb_man.stopped = True  # papermill will not write it: write it as it stands
            raise
        finally:
            nb_man.cleanup_pbar()
            nb_man.notebook_complete()
        return nb_man.nb


papermill_engines.register(ENGINE, SavedOnceEngine)
