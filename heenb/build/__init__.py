"""The build layer: the report plan, the build record, the worker pool, warm kernels, the
papermill runner and the HTML exporter. `heenb.build.engine.build` is the entry point."""
