"""Run one call in a forked child, so that a crash of the query engine is an error, not the end of policykg.

pyoxigraph is Rust: most of its panics surface as ``PanicException``, but some abort
the whole process (a panic that cannot unwind through the extension's ``extern "C"``
boundary; the issue's ``ORDER BY ?o ?s`` sort panic dumped core, exit 134). A query an
analyst wrote runs in a child forked from the process that already holds the store
(copy-on-write: nothing is reloaded), so if the engine aborts the child, the parent
says so in one line and exits with the usage/query code.

Only ``fork`` can do this cheaply (the child shares the loaded in-memory store);
:func:`isolated` falls back to calling in-process where ``fork`` is missing.

>>> isolated(sum, [1, 2, 3])
6
>>> try:
...     isolated(os.abort)
... except QueryError as e:
...     print(e)
the query engine crashed under this query (signal SIGABRT) and nothing was answered; this is a bug of the engine (pyoxigraph): try --backend rdflib
"""

from __future__ import annotations

import faulthandler
import os
import pickle
import resource
import signal
import sys
from collections.abc import Callable
from typing import TypeVar

from rdflib.query import Result

from policykg.errors import PolicyKGError, QueryError

T = TypeVar("T")


def isolated(fn: Callable[..., T], *args: object) -> T:
    """``fn(*args)`` evaluated in a forked child; its result (or its policykg error) comes back pickled.

    A child killed by a signal or exiting without an answer raises :class:`QueryError`
    naming the signal. Errors other than policykg's own come back as ``QueryError`` with
    their first line.
    """
    if not hasattr(os, "fork"):  # pragma: no cover - not on Linux
        return fn(*args)
    sys.stdout.flush()
    sys.stderr.flush()
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child (coverage is not collected after fork)
        os.close(read_fd)
        try:
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # an engine abort leaves no core file behind
            faulthandler.disable()  # nor a Python stack dump (pytest's, for one) on the terminal
            try:
                payload = ("ok", fn(*args))
            except PolicyKGError as e:
                payload = ("policykg", e)
            except BaseException as e:  # noqa: BLE001 - the parent reports it in one line
                payload = ("other", f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:300])
            data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_fd, "wb") as out:
                out.write(data)
        finally:
            os._exit(0)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status) or not data:
        cause = (f"signal {signal.Signals(os.WTERMSIG(status)).name}" if os.WIFSIGNALED(status)
                 else f"exit code {os.waitstatus_to_exitcode(status)}")
        raise QueryError(f"the query engine crashed under this query ({cause}) and nothing was answered; "
                         "this is a bug of the engine (pyoxigraph): try --backend rdflib")
    kind, value = pickle.loads(data)
    if kind == "ok":
        return value
    if kind == "policykg":
        raise value
    raise QueryError(f"the query engine failed on this query: {value}")


def _rows(fn: Callable[..., Result], args: tuple) -> tuple:
    result = fn(*args)  # rdflib's Result does not pickle: its parts do
    return result.type, result.vars, result.bindings, getattr(result, "askAnswer", None)


def isolated_result(fn: Callable[..., Result], *args: object) -> Result:
    """:func:`isolated` for a call returning a SPARQL ``Result`` (rebuilt in the parent)."""
    kind, variables, bindings, ask = isolated(_rows, fn, args)
    result = Result(kind)
    if kind == "ASK":
        result.askAnswer = ask
    else:
        result.vars, result.bindings = variables, bindings
    return result
