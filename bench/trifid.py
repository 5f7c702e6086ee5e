"""Trifid (Zazuko's Linked Data server) in front of an Oxigraph server, as a peer in the serving benchmark.

``install()`` puts the pinned ``trifid`` npm package under bench/work/trifid/ (once), ``start()``
serves an embedded store folder with ``oxigraph serve-read-only`` and Trifid on 127.0.0.1, and
``stop()`` ends both. Trifid dereferences the IRI path itself: with the data minted under
``http://127.0.0.1:8000/``, ``GET http://127.0.0.1:PORT/id/aed/...`` answers the description of
``http://127.0.0.1:8000/id/aed/...`` with every IRI rewritten to the Trifid host.

Configuration (bench/work/trifid/config.json, written by ``start()``): the entity renderer queries
Oxigraph directly (``globals.endpoints.default``; the stock Docker configuration goes through
Trifid's own ``/query`` proxy instead, one more HTTP hop), with the default ``ASK`` + ``DESCRIBE``
queries and redirects not followed; ``/query`` is the SPARQL proxy to the same endpoint. Logging is
at ``warn`` and OpenTelemetry is off (``OTEL_SDK_DISABLED``), as there is no collector.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work"
TRIFID_DIR = WORK / "trifid"
TRIFID_VERSION = "5.3.0"
OXIGRAPH = Path(sys.executable).parent / "oxigraph"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _installed_version(directory: Path) -> str | None:
    try:
        manifest = json.loads((directory / "node_modules" / "trifid" / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest.get("version")


def install(directory: Path = TRIFID_DIR) -> Path | None:
    """Install ``trifid@TRIFID_VERSION`` under ``directory`` unless it is there already; its server.js,
    or None (with a message) when node or npm is missing or the install fails."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        print("Trifid skipped: needs node and npm (Debian packages nodejs, npm)", file=sys.stderr)
        return None
    server = directory / "node_modules" / "trifid" / "server.js"
    if _installed_version(directory) == TRIFID_VERSION and server.exists():
        return server
    directory.mkdir(parents=True, exist_ok=True)
    manifest = {"name": "itsutsuboshi-bench-trifid", "private": True, "dependencies": {"trifid": TRIFID_VERSION}}
    (directory / "package.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    print(f"installing trifid@{TRIFID_VERSION} with npm into {directory} …", file=sys.stderr)
    done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--omit=dev", "--loglevel=error"],
                          cwd=directory, capture_output=True, text=True)
    if done.returncode != 0 or _installed_version(directory) != TRIFID_VERSION:
        print(f"Trifid skipped: npm install failed\n{done.stderr[-2000:]}", file=sys.stderr)
        return None
    return server


@dataclass
class Trifid:
    """A running Trifid and the Oxigraph server behind it."""

    url: str
    endpoint: str
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def pids(self) -> list[int]:
        """The process ids of both servers (each the leader of its own process group)."""
        return [p.pid for p in self.processes]


def config(port: int, endpoint: str, base: str) -> dict:
    """Trifid's configuration: entity renderer and SPARQL proxy on ``endpoint``, ``base`` rewritten."""
    return {
        "server": {"listener": {"host": "127.0.0.1", "port": port}, "logLevel": "warn", "logFormat": "json"},
        "globals": {"datasetBaseUrl": base, "endpoints": {"default": {"url": endpoint}}},
        "plugins": {
            "entity-renderer": {"module": "@zazuko/trifid-entity-renderer", "config": {"ignorePaths": ["/query"]}},
            "sparql-proxy": {"module": "@zazuko/trifid-plugin-sparql-proxy", "paths": ["/query"],
                             "config": {"endpointUrl": endpoint, "rewrite": True}},
        },
    }


def _answers(url: str, headers: dict[str, str] | None = None) -> bool:
    try:
        urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=2).read()
    except urllib.error.HTTPError:
        return True  # any HTTP status: the server is listening and routing
    except OSError:
        return False
    return True


def _wait(process: subprocess.Popen, url: str, log: Path, deadline: float) -> None:
    while not _answers(url):
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited ({process.returncode}):\n{_tail(log)}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer in time:\n{_tail(log)}")
        time.sleep(0.1)


def _tail(log: Path) -> str:
    try:
        return log.read_text(encoding="utf-8", errors="replace")[-2000:]
    except OSError:
        return ""


def start(store: Path, base: str, server: Path, *, port: int | None = None, timeout: float = 60) -> Trifid:
    """Serve ``store`` (read-only) with Oxigraph and Trifid on 127.0.0.1; return once both answer."""
    port = port or _free_port()
    sparql_port = _free_port()
    endpoint = f"http://127.0.0.1:{sparql_port}/query"
    directory = server.parents[2]
    config_path = directory / "config.json"
    config_path.write_text(json.dumps(config(port, endpoint, base), indent=2) + "\n", encoding="utf-8")
    running = Trifid(f"http://127.0.0.1:{port}", endpoint)
    deadline = time.monotonic() + timeout
    try:
        log = directory / "oxigraph.log"
        with open(log, "w", encoding="utf-8") as out:
            running.processes.append(subprocess.Popen(
                [str(OXIGRAPH), "serve-read-only", "--location", str(store), "--bind", f"127.0.0.1:{sparql_port}",
                 "--union-default-graph"], stdout=out, stderr=subprocess.STDOUT, start_new_session=True))
        _wait(running.processes[0], endpoint + "?query=ASK%7B%7D", log, deadline)
        log = directory / "trifid.log"
        with open(log, "w", encoding="utf-8") as out:
            running.processes.append(subprocess.Popen(
                ["node", str(server), "--config", str(config_path)], cwd=directory, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True, env={**os.environ, "OTEL_SDK_DISABLED": "true"}))
        _wait(running.processes[1], running.url + "/query?query=ASK%7B%7D", log, deadline)
    except BaseException:
        stop(running)
        raise
    return running


def stop(running: Trifid) -> None:
    """Terminate Trifid then Oxigraph (each a process group); kill what is still there after 5 s."""
    for process in reversed(running.processes):
        if process.poll() is not None:
            continue
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
        except ProcessLookupError:
            process.wait(5)


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":  # manual check: python bench/trifid.py STORE_DIR
    found = install()
    if found is None:
        sys.exit(2)
    for wanted in (signal.SIGINT, signal.SIGTERM):
        signal.signal(wanted, _interrupted)
    trifid = start(Path(sys.argv[1]), "http://127.0.0.1:8000/", found)
    print(f"Trifid on {trifid.url} (SPARQL {trifid.endpoint}); Ctrl-C stops it", flush=True)
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        stop(trifid)
