"""The kernel manager report runs use: IPC sockets instead of TCP ports.

Kernels started at once by parallel workers each pick free TCP ports, and two
can pick the same one before either binds it (the known ZMQ port race). With
IPC transport each kernel's sockets are files named after its own connection
file, unique per kernel, so there is nothing to race for; it also keeps
kernel traffic off the network.
"""

from __future__ import annotations

from jupyter_client.manager import AsyncKernelManager
from traitlets import default


class IPCKernelManager(AsyncKernelManager):
    """An AsyncKernelManager whose kernels talk over IPC sockets."""

    @default("transport")
    def _default_transport(self) -> str:
        return "ipc"
