"""``GET /search?q=…``: the entities whose names hold a text, as JSON or a small HTML list.

The same ranking as ``policykg search`` and ``policykg.open().search``
(:class:`policykg.queries.search.SearchIndex`), read once from the built graph in
the server process (a few hundred names) the first time the route is asked.
JSON (``{"query": …, "hits": […]}``) for ``Accept: application/json`` or
``?format=json``; otherwise an HTML list whose hits link to their entity pages
(``/id/measure/<key>``). ``limit`` (1–100, default 20). An empty ``q``, one over
200 characters, or a bad ``limit`` or ``format`` is a 400 with a one-line
``text/plain`` message.
"""

from __future__ import annotations

import html
import json
import threading
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response

from policykg.errors import QueryError
from policykg.graph.backends import Backend, open_store
from policykg.queries.search import SearchIndex
from policykg.serve.protocol import BadRequest, media_ranges, query_pairs

__all__ = ["MAX_LIMIT", "search_endpoint", "wants_json"]

#: Most hits one request may ask for.
MAX_LIMIT = 100


def wants_json(accept: str | None) -> bool:
    """Whether the client prefers JSON to HTML (no header, or ``*/*``: HTML).

    >>> wants_json("application/json"), wants_json("text/html,application/xhtml+xml,*/*;q=0.8"), wants_json(None)
    (True, False, False)
    >>> wants_json("text/html;q=0.5, application/json")
    True
    """
    best_json = best_html = 0.0
    for media, q in media_ranges(accept):
        if media in ("application/json", "application/*") or media.endswith("+json"):
            best_json = max(best_json, q)
        elif media in ("text/html", "application/xhtml+xml", "text/*", "*/*"):
            best_html = max(best_html, q)
    return best_json > best_html


def _page(text: str, hits: list[dict[str, str]]) -> str:
    items = []
    for h in hits:
        names = " / ".join(html.escape(n) for n in (h["label_ja"], h["label_en"]) if n)
        via = "" if h["matched"] in (h["label_ja"], h["label_en"]) else f" — {html.escape(h['matched'])}"
        items.append(f'<li><a href="{html.escape(h["path"], quote=True)}">{names}</a> '
                     f'<small>{html.escape(h["kind"])}, {html.escape(h["match"])}{via}</small></li>')
    listed = "<ol>\n" + "\n".join(items) + "\n</ol>" if items else "<p>No entity has a name containing this text.</p>"
    return ("<!DOCTYPE html>\n<html lang=\"ja\">\n<head><meta charset=\"utf-8\">"
            f"<title>policykg search: {html.escape(text)}</title></head>\n<body>\n"
            f"<h1>「{html.escape(text)}」: {len(hits)} hit{'' if len(hits) == 1 else 's'}</h1>\n{listed}\n"
            "</body>\n</html>\n")


def search_endpoint(build_dir: Path):
    """The ``/search`` handler over the built graph in ``build_dir``."""
    lock = threading.Lock()
    held: list[SearchIndex] = []

    def index() -> SearchIndex:
        with lock:
            if not held:
                held.append(SearchIndex.from_store(open_store(build_dir, Backend.OXIGRAPH)))
            return held[0]

    async def search(request: Request) -> Response:
        try:
            params = dict(query_pairs(request.url.query))  # the last of a repeated parameter, as starlette's
        except BadRequest as e:
            return PlainTextResponse(f"{e}\n", 400)
        text = params.get("q", "")
        fmt = params.get("format")
        try:
            limit = int(params.get("limit", "20"))
        except ValueError:
            return PlainTextResponse(f"limit must be a whole number, not {params.get('limit')!r}\n", 400)
        if not 1 <= limit <= MAX_LIMIT:
            return PlainTextResponse(f"limit must be between 1 and {MAX_LIMIT}\n", 400)
        if fmt not in (None, "json", "html"):
            return PlainTextResponse(f"unknown format {fmt!r}; use json or html\n", 400)
        try:
            hits = [h.as_dict() for h in (await run_in_threadpool(index)).search(text, limit=limit)]
        except QueryError as e:
            return PlainTextResponse(f"{e}\n", 400)
        if fmt == "json" or (fmt is None and wants_json(request.headers.get("accept"))):
            body = json.dumps({"query": text.strip(), "hits": hits}, ensure_ascii=False, indent=2) + "\n"
            return Response(body, media_type="application/json; charset=utf-8")
        return HTMLResponse(_page(text.strip(), hits))

    return search
