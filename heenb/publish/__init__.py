"""The publishing engine: the build record, the worker pool, warm kernels, the papermill
runner and the lock. `heenb.publish.engine.build` is the entry point; the plan it runs is
:mod:`heenb.plan` and pages are rendered by :mod:`heenb.render`."""
