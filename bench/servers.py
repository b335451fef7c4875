"""Starting servers for a benchmark: generated ini files, pserve children.

Every server is a ``pserve`` child process of its own on a free loopback
port, configured by an ini file written into the run's temporary folder,
and logging into a file beside it.
"""

import configparser
import contextlib
import http.client
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT = 60


def free_port() -> int:
    """Return a loopback port that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_ini(
    path: Path, app: dict, port: int, threads: int, log_path: Path
) -> Path:
    """Write a pserve ini: ``app`` settings, waitress, logging to a file.

    Logging is as in production: the application's own logger at INFO,
    everything else at WARN.
    """
    config = configparser.RawConfigParser()
    config.optionxform = str
    config["app:main"] = app
    config["server:main"] = {
        "use": "egg:waitress#main",
        "listen": f"127.0.0.1:{port}",
        "threads": str(threads),
        "clear_untrusted_proxy_headers": "true",
    }
    config["loggers"] = {"keys": "root, notify_pyramid"}
    config["handlers"] = {"keys": "file"}
    config["formatters"] = {"keys": "generic"}
    config["logger_root"] = {"level": "WARN", "handlers": "file"}
    config["logger_notify_pyramid"] = {
        "level": "INFO",
        "handlers": "",
        "qualname": "notify_pyramid",
    }
    config["handler_file"] = {
        "class": "FileHandler",
        "args": repr((str(log_path), "a")),
        "level": "NOTSET",
        "formatter": "generic",
    }
    config["formatter_generic"] = {
        "format": "%(asctime)s %(levelname)-5.5s [%(name)s] %(message)s"
    }
    with path.open("w") as file:
        config.write(file)
    return path


class Server:
    """A ``pserve`` child process serving one ini file on one port."""

    def __init__(
        self,
        ini: Path,
        port: int,
        ready_path: str,
        switch_interval: float | None = None,
    ):
        self.ini = ini
        self.switch_interval = switch_interval
        self.port = port
        self.ready_path = ready_path
        self.output = ini.with_suffix(".out")
        self.process = None

    def start(self) -> "Server":
        command = [sys.executable, "-m", "pyramid.scripts.pserve", self.ini]
        if self.switch_interval is not None:
            # how long a thread may hold the GIL while another waits for it
            command = [
                sys.executable,
                "-c",
                "import sys; from pyramid.scripts.pserve import main; "
                f"sys.setswitchinterval({self.switch_interval!r}); "
                "sys.exit(main(sys.argv))",
                str(self.ini),
            ]
        with self.output.open("w") as output:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        self._wait_until_ready()
        return self

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"server {self.ini.name} exited:\n{self.tail()}"
                )
            with contextlib.suppress(OSError):
                connection = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=2
                )
                connection.request("GET", self.ready_path)
                status = connection.getresponse().status
                connection.close()
                if status == 200:
                    return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server {self.ini.name} never answered")

    def tail(self) -> str:
        return self.output.read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextlib.contextmanager
def running(servers: list[Server]):
    """Start ``servers``, yield them, and stop them however the block ends."""
    started = []
    try:
        for server in servers:
            started.append(server.start())
        yield servers
    finally:
        for server in started:
            server.stop()


@contextlib.contextmanager
def fixed_answer_server():
    """Run :mod:`bench.fixed_server` in a child process; yield its port."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.fixed_server", str(port)], cwd=ROOT
    )
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("no fixed-answer server") from None
                time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
