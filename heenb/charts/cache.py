"""Charts drawn again from the same inputs are encoded once.

A local office's provider funnel plots appear on its page and on each of its STPs'
pages: 138 of the 310 charts of a full build repeat one on another page. Encoding
a chart for a page (drawing it at 200 dpi and quantising it) is most of its cost,
so each chart function is wrapped by :func:`keyed`, which gives the chart it
returns a :attr:`~heenb.charts.figure.Chart.key`: a hash of the function, its
arguments (data frames with their ``attrs``), matplotlib's settings, the code of
heenb's layers up to the charts (formatting, funnel limits and SPC draw into
them) and the versions of matplotlib, Pillow and numpy. Equal keys
mean equal inputs, so equal pictures. :meth:`Chart.to_html` then reads the
encoded image from :func:`encoded` (this process's memory, then the cache folder,
``$HEENB_CACHE/charts``, shared by a build's workers and by later builds) and
stores what it had to encode with :func:`keep`. Chart functions return their charts
undrawn (``Chart(drawing=...)``): a chart read from the cache is never drawn either.

Arguments that cannot be pickled leave the chart without a key (it is simply
encoded). A file of the cache that is not a whole PNG is ignored; files are
written under a temporary name and renamed, so a reader never sees half of one.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
from collections import OrderedDict
from pathlib import Path

from heenb import paths
from heenb.files import temporary_beside

#: Encoded charts kept in this process (a warm kernel builds many pages).
MEMORY_CHARTS = 256
_PNG_START, _PNG_END = b"\x89PNG\r\n\x1a\n", b"IEND\xaeB`\x82"
_memory: OrderedDict[str, bytes] = OrderedDict()


def folder() -> Path:
    """Where encoded charts are kept: ``charts`` beside the mart cache (``$HEENB_CACHE``)."""
    return paths.mart_root().parent / "charts"


#: The parts of heenb above the charts' layer: a chart cannot import them (tests/test_layers.py),
#: so their code cannot change a chart's pixels.
_ABOVE_CHARTS = {"report", "render", "publish", "scaffold.py", "cli.py", "templates"}


@functools.lru_cache(maxsize=1)
def code_version() -> bytes:
    """What else decides a chart's pixels: the code of heenb's layers up to the charts (the
    charts themselves, formatting, funnel limits, SPC, ...) and the libraries drawing."""
    import matplotlib
    import numpy
    import PIL

    digest = hashlib.sha256(
        f"{matplotlib.__version__} {PIL.__version__} {numpy.__version__}".encode()
    )
    for relative, path in code_files():
        digest.update(relative.encode() + path.read_bytes())
    return digest.digest()


def code_files() -> list[tuple[str, Path]]:
    """heenb's source files up to the charts' layer, by their path in the package."""
    package = Path(__file__).resolve().parents[1]
    return [
        (str(path.relative_to(package)), path)
        for path in sorted(package.rglob("*.py"))
        if path.relative_to(package).parts[0] not in _ABOVE_CHARTS
    ]


def input_key(function, args: tuple, kwargs: dict) -> str:
    """The key of a chart made by ``function(*args, **kwargs)``; "" when an argument cannot
    be pickled."""
    import matplotlib

    settings = sorted((name, repr(value)) for name, value in matplotlib.rcParams.items())
    try:
        pickled = pickle.dumps(
            (function.__module__, function.__qualname__, args, sorted(kwargs.items()), settings),
            protocol=5,
        )
    except Exception:  # noqa: BLE001 - whatever cannot be pickled is simply not cached
        return ""
    return hashlib.sha256(code_version() + pickled).hexdigest()


def keyed(function):
    """Wrap a chart function so the chart it returns carries its :func:`input_key`."""

    @functools.wraps(function)
    def chart_with_key(*args, **kwargs):
        chart = function(*args, **kwargs)
        chart.key = input_key(function, args, kwargs)
        return chart

    return chart_with_key


def encoded(key: str) -> bytes | None:
    """The encoded chart kept under ``key``, if any (memory first, then the folder)."""
    png = _memory.get(key)
    if png is not None:
        _memory.move_to_end(key)
        return png
    try:
        png = (folder() / f"{key}.png").read_bytes()
    except OSError:
        return None
    if not (png.startswith(_PNG_START) and png.endswith(_PNG_END)):
        return None
    _remember(key, png)
    return png


def keep(key: str, png: bytes) -> None:
    """Keep an encoded chart under ``key``; a folder that cannot be written costs only time."""
    _remember(key, png)
    target = folder() / f"{key}.png"
    with contextlib.suppress(OSError):
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = temporary_beside(target)
        try:
            temporary.write_bytes(png)
            os.replace(temporary, target)
        finally:
            temporary.unlink(missing_ok=True)


def _remember(key: str, png: bytes) -> None:
    _memory[key] = png
    _memory.move_to_end(key)
    while len(_memory) > MEMORY_CHARTS:
        _memory.popitem(last=False)
