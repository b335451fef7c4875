"""API servers in child processes, as production runs them.

Each is ``pserve`` on a generated ini file listening on a free loopback
port; tests that need several API processes sharing one database start
several.
"""

import contextlib
import pathlib
import socket
import subprocess
import sys
import time

import requests

PSERVE = str(pathlib.Path(sys.executable).with_name("pserve"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_ini(path: pathlib.Path, settings: dict, port: int) -> pathlib.Path:
    """Write an ini file serving ``settings`` on ``port``."""
    lines = ["[app:main]", "use = egg:notify-pyramid"]
    lines += [f"{key} = {value}" for key, value in settings.items()]
    lines += [
        "",
        "[server:main]",
        "use = egg:waitress#main",
        f"listen = 127.0.0.1:{port}",
        "threads = 8",
        "",
        "[loggers]",
        "keys = root",
        "[handlers]",
        "keys = console",
        "[formatters]",
        "keys = generic",
        "[logger_root]",
        "level = WARN",
        "handlers = console",
        "[handler_console]",
        "class = StreamHandler",
        "args = (sys.stderr,)",
        "level = NOTSET",
        "formatter = generic",
        "[formatter_generic]",
        "format = %%(levelname)s %%(name)s %%(message)s",
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def wait_until_up(url: str, process: subprocess.Popen, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        with contextlib.suppress(requests.ConnectionError):
            if requests.get(f"{url}/_status", timeout=2).ok:
                return
        time.sleep(0.1)
    raise RuntimeError(f"server at {url} did not start")


@contextlib.contextmanager
def api_processes(tmp_path: pathlib.Path, settings: dict, count: int = 1):
    """Start ``count`` API processes; yield their base URLs."""
    processes = []
    urls = []
    try:
        for n in range(count):
            port = free_port()
            ini = write_ini(tmp_path / f"api{n}.ini", settings, port)
            process = subprocess.Popen(
                [PSERVE, str(ini)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            processes.append(process)
            urls.append(f"http://127.0.0.1:{port}")
        for url, process in zip(urls, processes, strict=True):
            wait_until_up(url, process)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stderr is not None:
                process.stderr.close()
