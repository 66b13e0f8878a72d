"""The kernels report runs use: IPC sockets, and one warm kernel reused for many reports.

Kernels started at once by parallel workers each pick free TCP ports, and two
can pick the same one before either binds it (the known ZMQ port race). With
IPC transport each kernel's sockets are files with a random name of their own
(:class:`IPCKernelManager`), so there is nothing to race for; it also keeps
kernel traffic off the network.

Starting a kernel and importing pandas and matplotlib costs most of a report's
run, so a build worker keeps one :class:`WarmKernel`: started once, with the
report modules imported, and put back to a fresh kernel's state before each
report (:mod:`heenb.publish.kernel_state`). Papermill runs each report in it through
nbclient, which uses a kernel manager it is given and leaves its kernel
running; the manager hands every caller the same client, so reuse leaks no
sockets or heartbeat threads. After a failure the worker replaces the kernel.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import tempfile
import time
import uuid
from pathlib import Path

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from traitlets import default

KERNEL_NAME = "python3"


def warm_up_code(imports: tuple[str, ...] = ()) -> str:
    """Code a new kernel runs once: the reports' imports (from the plan's ``imports``), then a
    record of the state to restore before each report."""
    modules = ", ".join(["heenb.publish.kernel_state", *imports])
    return f"import {modules}\nheenb.publish.kernel_state.snapshot()"


#: As nbclient starts kernels: history in memory, so parallel kernels share no SQLite file.
KERNEL_ARGUMENTS = ["--HistoryManager.hist_file=:memory:"]


class KernelSetupError(RuntimeError):
    """The kernel did not start, or its warm-up or reset code failed."""


class IPCKernelManager(AsyncKernelManager):
    """An AsyncKernelManager whose kernels talk over IPC sockets."""

    @default("transport")
    def _default_transport(self) -> str:
        return "ipc"

    @default("ip")
    def _default_ip(self) -> str:
        # The sockets' path prefix. jupyter_client's default, "kernel-ipc" in the working
        # folder, would be shared by every kernel started from one folder.
        return os.path.join(tempfile.gettempdir(), f"heenb-kernel-{uuid.uuid4().hex}-ipc")


class _SharedClient(AsyncKernelClient):
    """A client whose channels start once, however many runs ask to start them."""

    def start_channels(self, *args, **kwargs) -> None:
        if not self.channels_running:
            super().start_channels(*args, **kwargs)


class SharedClientKernelManager(IPCKernelManager):
    """Hands every caller (each papermill run) the same, already started client."""

    _shared = None

    @default("client_factory")
    def _default_client_factory(self) -> type:
        return _SharedClient

    def client(self, **kwargs) -> _SharedClient:
        if self._shared is None:
            self._shared = super().client(**kwargs)
        return self._shared


class WarmKernel:
    """One kernel with the report modules imported, reset between reports.

    Creating one starts the kernel and sends it the warm-up ``imports`` without
    waiting, so the caller can do other work (import papermill) meanwhile; the
    first :meth:`reset` waits for them. Pass :attr:`manager` to
    ``papermill.execute_notebook(..., km=manager)`` after :meth:`reset`.
    """

    def __init__(self, imports: tuple[str, ...] = (), startup_timeout: float = 60):
        self.startup_timeout = startup_timeout
        self.manager = SharedClientKernelManager(kernel_name=KERNEL_NAME)
        run_sync(self.manager.start_kernel)(extra_arguments=KERNEL_ARGUMENTS)
        self.client = self.manager.client()
        self.client.start_channels()
        self._warm_up: str | None = self.client.execute(warm_up_code(imports), silent=True)

    def reset(self, cwd: Path, timeout: float = 60) -> None:
        """Make the kernel as a fresh one, working in ``cwd``, for the next report."""
        if self._warm_up:
            self._await(self._warm_up, self.startup_timeout)
            self._warm_up = None
        code = (
            f"import heenb.publish.kernel_state\nheenb.publish.kernel_state.restore({str(cwd)!r})"
        )
        self._await(self.client.execute(code, silent=True), timeout)

    def _await(self, request: str, timeout: float) -> None:
        """Wait for the reply to ``request`` (set-up code run silently); raise if it failed."""
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                reply = run_sync(self.client.get_shell_msg)(timeout=min(remaining, 1))
            except queue.Empty:
                if not run_sync(self.manager.is_alive)():
                    raise KernelSetupError("The kernel died while being set up.") from None
                continue
            if reply["parent_header"].get("msg_id") != request:
                continue  # a reply to an earlier request
            content = reply["content"]
            if content["status"] != "ok":
                raise KernelSetupError(
                    f"Kernel set-up failed: {content.get('ename')}: {content.get('evalue')}"
                )
            return
        raise KernelSetupError(f"The kernel did not finish setting up in {timeout} s.")

    def close(self) -> None:
        """Kill the kernel and remove its connection and socket files; safe to repeat."""
        self.client.stop_channels()
        process = self.manager.provisioner.process if self.manager.provisioner else None
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # its own session: kernel and children
            process.wait()
        self.manager.cleanup_connection_file()
        self.manager.cleanup_ipc_files()
