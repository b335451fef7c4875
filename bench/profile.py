"""Sampling a server under load with py-spy, and reading the samples.

``py-spy`` is optional (``pip install py-spy``); without it, profiling
is skipped. Samples are kept in py-spy's "raw" format, one collapsed
stack per line followed by its count, which :func:`summarize` reads.
"""

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

# "function (path/to/module.py:123)" -> function and module path
_FRAME = re.compile(r"^(?P<function>.*) \((?P<path>[^:()]+)(?::\d+)?\)$")


def py_spy() -> str | None:
    """Return the py-spy command beside this Python, or on the PATH."""
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


def record(pid: int, seconds: float, output: Path) -> subprocess.Popen:
    """Start sampling process ``pid`` for ``seconds`` into ``output``."""
    return subprocess.Popen(
        [
            py_spy(),
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(max(1, round(seconds))),
            "--rate",
            "250",
            "--format",
            "raw",
            "--nonblocking",
            "--output",
            str(output),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def short_frame(frame: str) -> str:
    """Return ``module.function`` for a py-spy frame, paths shortened."""
    match = _FRAME.match(frame.strip())
    if match is None:
        return frame.strip()
    path = match["path"]
    for marker in ("site-packages/", "lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
    path = path.removesuffix(".py").replace("/", ".")
    return f"{path}.{match['function']}"


def summarize(path: Path, top: int = 25) -> list[tuple[str, float, float]]:
    """Return the ``top`` functions by share of samples that include them.

    The ten with the most samples of their own follow, if not among them.
    Each entry is ``(function, inclusive share, self share)``; shares are
    of all samples of threads that were not idle.
    """
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples = int(count)
        frames = [short_frame(frame) for frame in stack.split(";")]
        if not frames:
            continue
        total += samples
        for name in set(frames):
            inclusive[name] += samples
        own[frames[-1]] += samples
    if not total:
        return []
    ranked = [name for name, _ in inclusive.most_common(top)]
    ranked += [name for name, _ in own.most_common(10) if name not in ranked]
    return [
        (name, inclusive[name] / total, own[name] / total) for name in ranked
    ]
