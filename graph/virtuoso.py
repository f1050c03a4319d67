"""A throwaway OpenLink Virtuoso 7 on loopback, for tests, CI and benchmarks.

Debian's ``virtuoso-opensource-7-bin`` ships only the binaries (``virtuoso-t``,
``isql-vt``), no ``virtuoso.ini``: this module writes a minimal one in a
temporary folder, starts the server on two free loopback ports (SQL and HTTP),
waits until its SPARQL endpoint answers, and stops it on exit::

    from policykg.graph.virtuoso import virtuoso_server

    with virtuoso_server() as v:          # or virtuoso_server(Path("/tmp/x"))
        v.sparql_url                      # http://127.0.0.1:PORT/sparql (anonymous, read)
        v.gsp_url                         # http://127.0.0.1:PORT/sparql-graph-crud-auth (digest auth)
        v.user, v.password                # a dedicated user that may write (SPARQL_UPDATE)
        v.isql("SELECT 1;")               # run SQL as dba, returns isql's output
        v.load_nquads(Path("build/policykg.nq"))   # bulk load (ld_dir + rdf_loader_run)
        v.graph_counts()                  # {graph IRI: triples} via the SPARQL endpoint

Security: both ports bind to 127.0.0.1 only; dba's default password is replaced
by a random one at start; anonymous SPARQL can read but not write (Virtuoso's
"nobody" user lacks SPARQL_UPDATE); Graph Store writes go through the
digest-authenticated endpoint as a dedicated user granted SPARQL_UPDATE and
nothing else. Runs as root (CI) or as any user.

``python graph/virtuoso.py [DIR]`` starts one in the foreground and prints its
URLs and credentials, until Ctrl-C.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

__all__ = ["Virtuoso", "VirtuosoError", "find_binaries", "free_port", "virtuoso_server"]

#: Where Debian installs the binaries (``apt-get install virtuoso-opensource-7-bin``).
SERVER_NAMES = ("virtuoso-t",)
ISQL_NAMES = ("isql-vt", "isql")

_INI = """\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{isql_port}
LiteMode = 0
DisableUnixSocket = 1
DisableTcpSocket = 0
ServerThreads = 20
CheckpointInterval = 60
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
DirsAllowed = ., {d}/load
DefaultIsolation = 2

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {d}/www
MaxClientConnections = {http_threads}
ServerThreads = {http_threads}
EnabledDavVSP = 0
HTTPProxyEnabled = 0

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
MaxQueryCostEstimationTime = 400
"""


class VirtuosoError(RuntimeError):
    """Virtuoso is not installed, did not start, or refused a command (the message says which)."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago.

    >>> 1024 <= free_port() <= 65535
    True
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_binaries() -> tuple[Path, Path]:
    """``(virtuoso-t, isql-vt)``; VirtuosoError naming the Debian package if either is missing."""
    server = next((shutil.which(n) for n in SERVER_NAMES if shutil.which(n)), None)
    isql = next((shutil.which(n) for n in ISQL_NAMES if shutil.which(n)), None)
    if server is None or isql is None:
        raise VirtuosoError("Virtuoso 7 is not installed (need virtuoso-t and isql-vt): "
                            "apt-get install virtuoso-opensource-7-bin")
    return Path(server), Path(isql)


@dataclass(frozen=True)
class Virtuoso:
    """A running throwaway Virtuoso (see :func:`virtuoso_server`)."""

    workdir: Path
    http_port: int
    isql_port: int
    user: str  # may write through the Graph Store endpoint (SPARQL_UPDATE)
    password: str
    dba_password: str
    isql_bin: Path
    pid: int

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def sparql_url(self) -> str:
        """The SPARQL 1.1 Protocol endpoint (anonymous, read only)."""
        return f"{self.base_url}/sparql"

    @property
    def gsp_url(self) -> str:
        """The SPARQL 1.1 Graph Store HTTP Protocol endpoint (HTTP digest auth as ``user``)."""
        return f"{self.base_url}/sparql-graph-crud-auth"

    @property
    def log_path(self) -> Path:
        return self.workdir / "virtuoso.log"

    def isql(self, sql: str, *, timeout: float = 600) -> str:
        """Run SQL statements (``;``-terminated) as dba; VirtuosoError with isql's message on error."""
        return _isql(self.isql_bin, self.isql_port, "dba", self.dba_password, sql, timeout=timeout)

    def load_nquads(self, path: Path, *, timeout: float = 1800) -> None:
        """Bulk-load an N-Quads file (each quad into its own graph) with Virtuoso's bulk loader."""
        path = Path(path)
        if not path.is_file():
            raise VirtuosoError(f"no N-Quads file at {path}")
        load_dir = self.workdir / "load"
        load_dir.mkdir(exist_ok=True)
        for old in load_dir.iterdir():
            old.unlink()
        target = load_dir / "data.nq"
        try:
            os.link(path, target)  # same file system: no copy
        except OSError:
            shutil.copyfile(path, target)
        # ld_dir registers the file (.nq: N-Quads, the graph argument is only a default);
        # rdf_loader_run loads it; the load list records errors in ll_error.
        self.isql("DELETE FROM DB.DBA.load_list;\n"
                  f"ld_dir('{load_dir}', 'data.nq', 'urn:policykg:default');\n"
                  "rdf_loader_run();\ncheckpoint;\n", timeout=timeout)
        out = self.isql("SELECT ll_file, ll_error FROM DB.DBA.load_list WHERE ll_error IS NOT NULL;")
        if "data.nq" in out:
            raise VirtuosoError(f"bulk load of {path} failed: {out.strip()}")
        target.unlink()

    def sparql_select(self, query: str, *, timeout: float = 120) -> list[dict[str, str]]:
        """Rows of a SELECT on the anonymous endpoint, each ``{var: value}`` (values as strings)."""
        data = urllib.parse.urlencode({"query": query}).encode()
        req = urllib.request.Request(self.sparql_url, data=data, headers={
            "Accept": "application/sparql-results+json",
            "Content-Type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                body = json.loads(r.read().decode("utf-8"))
        except urllib.error.HTTPError as e:
            raise VirtuosoError(f"Virtuoso answered {e.code}: {e.read().decode('utf-8', 'replace')[:500]}") from e
        return [{k: v["value"] for k, v in b.items()} for b in body["results"]["bindings"]]

    def graph_counts(self, prefix: str = "") -> dict[str, int]:
        """Triples per named graph whose IRI starts with ``prefix`` (Virtuoso's system graphs excluded)."""
        rows = self.sparql_select(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
            f"FILTER(STRSTARTS(STR(?g), {_sparql_string(prefix)})) }} GROUP BY ?g")
        return {r["g"]: int(r["n"]) for r in rows
                if not r["g"].startswith(("http://www.openlinksw.com/", "http://localhost:", "virtrdf:"))}


def _sparql_string(text: str) -> str:
    """A SPARQL string literal.

    >>> _sparql_string('a"b\\\\')
    '"a\\\\"b\\\\\\\\"'
    """
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _isql(isql_bin: Path, port: int, user: str, password: str, sql: str, *, timeout: float) -> str:
    try:
        proc = subprocess.run(
            [str(isql_bin), f"127.0.0.1:{port}", user, password, "VERBOSE=OFF", "BANNER=OFF", "PROMPT=OFF"],
            input=sql, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as e:
        raise VirtuosoError(f"isql did not finish in {timeout:g} s: {sql[:200]!r}") from e
    if proc.returncode != 0 or "*** Error" in proc.stderr or "*** Error" in proc.stdout:
        raise VirtuosoError(f"isql failed (exit {proc.returncode}) on {sql[:200]!r}: "
                            f"{(proc.stderr or proc.stdout).strip()[:1000]}")
    return proc.stdout


def _wait_ready(url: str, proc: subprocess.Popen, log_path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    probe = url + "?" + urllib.parse.urlencode({"query": "ASK {}"})
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise VirtuosoError(f"virtuoso-t exited with {proc.returncode} while starting; "
                                f"its log ({log_path}) ends with:\n{_tail(log_path)}")
        try:
            with urllib.request.urlopen(probe, timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.25)
    raise VirtuosoError(f"Virtuoso did not answer on {url} within {timeout:g} s; log:\n{_tail(log_path)}")


def _tail(path: Path, n: int = 15) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-n:])
    except OSError:
        return "(no log)"


@contextmanager
def virtuoso_server(workdir: Path | None = None, *, user: str = "policykg", buffers: int = 40000,
                    http_threads: int = 16, start_timeout: float = 90) -> Iterator[Virtuoso]:
    """Start a fresh Virtuoso in ``workdir`` (default: a new temporary folder, removed afterwards).

    ``buffers``: 8 KiB pages of cache (40000 ≈ 320 MiB), enough for a few million quads.
    Raises VirtuosoError if Virtuoso is missing or does not start within ``start_timeout`` s.
    """
    server_bin, isql_bin = find_binaries()
    owned = workdir is None
    work = Path(tempfile.mkdtemp(prefix="policykg-virtuoso-")) if owned else Path(workdir)
    work.mkdir(parents=True, exist_ok=True)
    if (work / "virtuoso.db").exists():
        raise VirtuosoError(f"{work} already holds a Virtuoso database; give an empty folder")
    (work / "www").mkdir(exist_ok=True)
    (work / "load").mkdir(exist_ok=True)
    proc = None
    try:
        for attempt in range(3):  # a port taken between free_port() and bind: try other ports
            http_port, isql_port = free_port(), free_port()
            ini = work / "virtuoso.ini"
            ini.write_text(_INI.format(d=work.resolve(), isql_port=isql_port, http_port=http_port,
                                       buffers=buffers, dirty=buffers * 3 // 4, http_threads=http_threads),
                           encoding="utf-8")
            with open(work / "stdout.log", "ab") as out:
                proc = subprocess.Popen([str(server_bin), "+foreground", "+configfile", str(ini)], cwd=work,
                                        stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                        start_new_session=True)
            try:
                _wait_ready(f"http://127.0.0.1:{http_port}/sparql", proc, work / "virtuoso.log", start_timeout)
                break
            except VirtuosoError:
                _stop(proc)
                if attempt == 2 or "Address already in use" not in _tail(work / "virtuoso.log", 40):
                    raise
                for f in work.glob("virtuoso*"):
                    if f.suffix != ".ini":
                        f.unlink()
        dba_password, password = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        _isql(isql_bin, isql_port, "dba", "dba",
              f"USER_CHANGE_PASSWORD('dba', 'dba', '{dba_password}');", timeout=60)
        v = Virtuoso(work.resolve(), http_port, isql_port, user, password, dba_password, isql_bin, proc.pid)
        v.isql(f"DB.DBA.USER_CREATE('{user}', '{password}');\nGRANT SPARQL_UPDATE TO \"{user}\";\n")
        log.info("Virtuoso up: %s (pid %d, folder %s)", v.sparql_url, proc.pid, work)
        yield v
    finally:
        if proc is not None:
            _stop(proc)
        if owned:
            shutil.rmtree(work, ignore_errors=True)


def _stop(proc: subprocess.Popen, grace: float = 30) -> None:
    """SIGTERM (Virtuoso shuts down cleanly on it), then SIGKILL after ``grace`` seconds."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def main(argv: list[str]) -> int:  # pragma: no cover - manual use
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    signal.signal(signal.SIGINT, signal.default_int_handler)  # also when started in the background
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # SystemExit: the with block stops Virtuoso
    workdir = Path(argv[0]) if argv else None
    with virtuoso_server(workdir) as v:
        print(f"SPARQL endpoint:   {v.sparql_url}\nGraph Store (GSP): {v.gsp_url}\n"
              f"writer (digest):   {v.user} / {v.password}\ndba:               dba / {v.dba_password}\n"
              f"folder:            {v.workdir}\nCtrl-C (or SIGTERM) stops it.", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
