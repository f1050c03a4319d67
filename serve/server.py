"""``policykg serve``: a read-only SPARQL 1.1 Protocol endpoint over the built graph.

Routes:

* ``/sparql`` — the SPARQL 1.1 Protocol: ``GET ?query=``, ``POST`` URL-encoded
  (``query=``) or direct (``Content-Type: application/sparql-query``), with
  ``default-graph-uri`` / ``named-graph-uri`` (graphs of the store; nothing is
  fetched). Results by content negotiation (``Accept``) or ``?format=``: SPARQL
  JSON, XML, CSV, TSV for SELECT/ASK; Turtle, N-Triples, JSON-LD, RDF/XML for
  CONSTRUCT/DESCRIBE; 406 when none fits. Without a query: the SPARQL 1.1
  Service Description (Turtle, or N-Triples/JSON-LD by Accept).
* ``/`` — the editor page (YASGUI, bundled offline; :mod:`.page`), the named queries as a gallery.
* ``/static/…`` — the page's files (serve/static/: YASGUI, the page's script and style), with
  ``Cache-Control`` and ``ETag``.
* ``/draw?iri=…&iri=…[&depth=1]`` — the entity view's diagram of up to 50 entity IRIs (a
  query result's), the self-contained page of ``policykg viz`` (run in a query worker).
* ``/queries`` — the named queries (JSON); ``/queries/<name>?param=value…`` runs one
  with the CLI's runner (parameters bound as RDF terms; see :mod:`.named_route`).
* ``/id/…`` — entity pages: HTML, or Turtle / N-Triples / JSON-LD by ``Accept`` or a
  ``.ttl`` / ``.nt`` / ``.jsonld`` suffix; 404 for an IRI the graph lacks (see :mod:`.entity`);
  ``/queries/entity/<name>.rq`` the SPARQL behind them.
* ``/ontology`` — the vocabulary as HTML (anchors ``#ClassName``), Turtle, N-Triples or JSON-LD.

Links and the service description use the configured public ``base`` (``serve --base``),
never the request's Host header.
* ``/search?q=…`` — entities by any part of any name, JSON or an HTML list (see :mod:`.search`).

Status codes: 400 malformed query or request (the parser's message); 403 SPARQL
Update or SERVICE (read-only, no network); 405 other methods; 406 no acceptable
format; 413 query over 1 MB; 415 unknown POST body type; 422 more result rows
than ``--max-rows`` (never a silently truncated result); 429 the client has
``--per-client`` queries running and 8 more waiting already (``Retry-After``); 503 query longer than
``--timeout`` (the worker running it is killed: see :mod:`.pool`), or no worker
free for the client within the timeout (``Retry-After``); 500 a
worker died under a query (e.g. out of memory; it is replaced).

Who runs when (:mod:`.scheduler`): each query that needs a worker waits for one on
the event loop (a future, not a thread), at most ``--per-client`` of one client
(its remote address; ``X-Forwarded-For`` only from ``--trust-proxy`` addresses)
running at once per lane, handed out fairly; named queries and entity pages have
``--reserved`` workers of their own that ad-hoc SPARQL never gets. The body is
read and the request checked before a query waits, so a slow sender holds no worker.

Memory: one request holds at most its body (1 MB, read as it arrives) and one worker, whose
address space is capped at ``--worker-memory`` MiB (RLIMIT_AS); its answer, which the server
holds while sending it, was built inside that cap. The whole endpoint stays under
``(--workers + --reserved + 1 spare) × --worker-memory`` for the workers, plus the server
process (~110 MB with the bundled graph) and the answers being sent.
Every error body is a one-line ``text/plain`` message. CORS: any origin may
read (no credentials), so browser clients such as YASGUI work. The pages and
static files carry a strict Content-Security-Policy (:mod:`.csp`) and
``X-Content-Type-Options: nosniff``.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import socket
import urllib.parse
from pathlib import Path

import pyoxigraph as ox
import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from policykg.errors import PolicyKGError, QueryError
from policykg.graph.store import default_build_dir
from policykg.serve.entity import RDF_SUFFIXES, EntityNotFound, entity_query_text, pick_format
from policykg.serve.csp import PAGE_CSP, inline_csp, security_headers
from policykg.serve.named import query_index
from policykg.serve.ontology import load_ontology
from policykg.serve.pool import Job, QueryPool
from policykg.serve.page import MAX_DRAW, render_page
from policykg.serve.protocol import (FORMAT_ALIASES, GRAPH_FORMATS, RESULT_FORMATS, BadRequest, Forbidden,
                                     NotAcceptable, QueryTimeout, TooManyRows, WorkerFailed, accepted, query_pairs)
from policykg.serve.scheduler import Busy, Lane, Scheduler, client_key
from policykg.serve.search import search_endpoint

log = logging.getLogger(__name__)

__all__ = ["create_app", "is_loopback", "serve", "MAX_QUERY_BYTES"]

MAX_QUERY_BYTES = 1_000_000
_PROTOCOL_PARAMS = {"query", "default-graph-uri", "named-graph-uri", "format", "output"}
SD = "http://www.w3.org/ns/sparql-service-description#"
_FORMATS_NS = "http://www.w3.org/ns/formats/"
_SD_FORMATS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
               "Turtle", "N-Triples", "JSON-LD", "RDF_XML")


#: HTTP status of each error a query can end in (subclasses before their bases).
_STATUS = ((EntityNotFound, 404), (NotAcceptable, 406), (TooManyRows, 422), (QueryTimeout, 503), (WorkerFailed, 500),
           (Forbidden, 403),
           (QueryError, 400))
_POOL_ERRORS = (*(cls for cls, _ in _STATUS), Busy)


def _failed(error: Exception) -> PlainTextResponse:
    """The one-line answer to a query that ended in ``error`` (one of _POOL_ERRORS)."""
    if isinstance(error, Busy):
        return _text(error.status, str(error), headers={"Retry-After": str(error.retry_after)})
    return _text(next(status for cls, status in _STATUS if isinstance(error, cls)), str(error))


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def is_loopback(host: str) -> bool:
    """Whether ``host`` binds to the loopback interface only.

    >>> is_loopback("127.0.0.1"), is_loopback("::1"), is_loopback("localhost"), is_loopback("0.0.0.0")
    (True, True, True, False)
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _text(status: int, message: str, headers: dict[str, str] | None = None) -> PlainTextResponse:
    return PlainTextResponse(message.rstrip() + "\n", status_code=status, headers=headers)


async def _read_body(request: Request) -> bytes:
    """The request body, read as it arrives and refused (413) as soon as it passes MAX_QUERY_BYTES:
    a large or endless body never sits in memory whole."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_QUERY_BYTES:
        raise _Refused(413, f"the request body is over {MAX_QUERY_BYTES} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_QUERY_BYTES:
            raise _Refused(413, f"the request body is over {MAX_QUERY_BYTES} bytes")
    return bytes(body)


def query_items(request: Request) -> list[tuple[str, str]]:
    """The URL's query parameters, strictly decoded (protocol.query_pairs); _Refused (400) otherwise."""
    try:
        return query_pairs(request.url.query)
    except BadRequest as e:
        raise _Refused(400, str(e)) from e


async def _operation(request: Request) -> tuple[dict[str, list[str]], str | None]:
    """The protocol parameters and the query text of a GET or POST; _Refused on a bad request."""
    params: dict[str, list[str]] = {}
    for key, value in query_items(request):
        params.setdefault(key, []).append(value)
    query = None
    if request.method == "POST":
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        body = await _read_body(request)
        if ctype == "application/sparql-update":
            raise _Refused(403, "SPARQL Update is refused: this endpoint is read-only")
        if ctype == "application/x-www-form-urlencoded":
            try:  # parsed here: starlette's form parser needs python-multipart
                pairs = urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True,
                                               strict_parsing=False, max_num_fields=100, errors="strict")
            except (UnicodeDecodeError, ValueError) as e:
                raise _Refused(400, f"unreadable URL-encoded body: {e}") from e
            for key, value in pairs:
                params.setdefault(key, []).append(value)
        elif ctype == "application/sparql-query":
            try:
                query = body.decode("utf-8")
            except UnicodeDecodeError as e:
                raise _Refused(400, f"the query is not UTF-8: {e}") from e
        else:
            raise _Refused(415, "POST a query as application/sparql-query or application/x-www-form-urlencoded "
                                f"(query=…), not {ctype or 'a body without Content-Type'}")
    if "update" in params:
        raise _Refused(403, "SPARQL Update is refused: this endpoint is read-only")
    if "query" in params:
        if query is not None or len(params["query"]) > 1:
            raise _Refused(400, "give exactly one query")
        query = params["query"][0]
    unknown = sorted(set(params) - _PROTOCOL_PARAMS)
    if query is None and unknown:
        raise _Refused(400, f"unknown operation (parameters {', '.join(unknown)}); "
                            "this endpoint answers SPARQL queries: query=…")
    return params, query


def _job(params: dict[str, list[str]], query: str, accept_header: str | None) -> Job:
    if len(query.encode("utf-8")) > MAX_QUERY_BYTES:
        raise _Refused(413, f"the query is over {MAX_QUERY_BYTES} bytes")
    # updates, SERVICE and unparsable or too deeply nested queries are refused by the worker, from the
    # parsed query (protocol.check_query), off the event loop
    wanted = (params.get("format") or params.get("output") or [None])[0]
    if wanted:
        media = FORMAT_ALIASES.get(wanted.lower(), wanted.lower())
        if media not in RESULT_FORMATS and media not in GRAPH_FORMATS:
            raise _Refused(406, f"unknown format {wanted!r}; use one of {', '.join(FORMAT_ALIASES)}")
        accept = (media,)
    else:
        accept = accepted(accept_header)
    if not accept:
        raise _Refused(406, "no acceptable result format; this endpoint gives "
                            + ", ".join((*RESULT_FORMATS, *GRAPH_FORMATS)))
    graphs = {key: tuple(params.get(key, ())) for key in ("default-graph-uri", "named-graph-uri")}
    for key, iris in graphs.items():
        for iri in iris:
            try:
                ox.NamedNode(iri)
            except ValueError as e:
                raise _Refused(400, f"{key} {iri[:200]!r} is not an IRI ({e})") from e
    return Job(query, accept, graphs["default-graph-uri"], graphs["named-graph-uri"])


def service_description(endpoint: str, graphs: dict[str, int]) -> list[ox.Triple]:
    """The SPARQL 1.1 Service Description of the endpoint, as triples."""
    sd = lambda local: ox.NamedNode(SD + local)  # noqa: E731
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    void_triples = ox.NamedNode("http://rdfs.org/ns/void#triples")
    integer = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
    service, dataset, default = ox.BlankNode(), ox.BlankNode(), ox.BlankNode()
    out = [
        ox.Triple(service, rdf_type, sd("Service")),
        ox.Triple(service, sd("endpoint"), ox.NamedNode(endpoint)),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")),
        ox.Triple(service, sd("defaultEntailmentRegime"), ox.NamedNode("http://www.w3.org/ns/entailment/Simple")),
        ox.Triple(service, ox.NamedNode("http://purl.org/dc/terms/title"),
                  ox.Literal("policykg: Japanese government cybersecurity policy knowledge graph (read-only)")),
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(dataset, rdf_type, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default),
        ox.Triple(default, rdf_type, sd("Graph")),  # the merge of the named graphs
    ]
    out += [ox.Triple(service, sd("resultFormat"), ox.NamedNode(_FORMATS_NS + f)) for f in _SD_FORMATS]
    for name, count in sorted(graphs.items()):
        named, graph = ox.BlankNode(), ox.BlankNode()
        out += [ox.Triple(dataset, sd("namedGraph"), named), ox.Triple(named, rdf_type, sd("NamedGraph")),
                ox.Triple(named, sd("name"), ox.NamedNode(name)), ox.Triple(named, sd("graph"), graph),
                ox.Triple(graph, rdf_type, sd("Graph")),
                ox.Triple(graph, void_triples, ox.Literal(str(count), datatype=integer))]
    return out


#: the static files' folder, and the media type of each suffix
STATIC = Path(__file__).parent / "static"
_STATIC_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
                 ".txt": "text/plain; charset=utf-8", "": "text/plain; charset=utf-8"}
_ID = "https://w3id.org/policykg/id/"


def static_files() -> dict[str, tuple[bytes, str, str]]:
    """Every file under serve/static/: path -> (bytes, media type, ETag)."""
    out = {}
    for path in sorted(STATIC.rglob("*")):
        if path.is_file() and path.suffix in _STATIC_TYPES:
            body = path.read_bytes()
            out[path.relative_to(STATIC).as_posix()] = (body, _STATIC_TYPES[path.suffix],
                                                        '"' + hashlib.sha256(body).hexdigest()[:32] + '"')
    return out


def draw_request(request: Request) -> tuple[tuple[str, ...], int]:
    """The IRIs and depth of a ``/draw`` request; _Refused (400) unless 1–50 entity IRIs, depth 1–3."""
    iris, depth = [], "1"
    for key, value in query_items(request):
        if key == "iri":
            iris.append(value.strip())
        elif key == "depth":
            depth = value
        else:
            raise _Refused(400, f"unknown parameter {key!r}; /draw takes iri (repeatable) and depth")
    if not iris or len(iris) > MAX_DRAW:
        raise _Refused(400, f"give 1 to {MAX_DRAW} entity IRIs (iri=…), not {len(iris)}")
    outside = [i for i in iris if not i.startswith(_ID)]
    if outside:
        raise _Refused(400, f"not an entity IRI (under {_ID}): {outside[0]}")
    if depth not in ("1", "2", "3"):
        raise _Refused(400, f"depth is 1, 2 or 3, not {depth!r}")
    return tuple(dict.fromkeys(iris)), int(depth)


class _SecurityHeaders:
    """Every response without its own policy gets the page policy (entity pages, /ontology, /search,
    errors): nothing but this endpoint may be loaded, no script but its own files, and nosniff."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for key, value in security_headers(PAGE_CSP).items():
                    headers.setdefault(key, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(pool: QueryPool, page_html: str | None = None, *, base: str = "http://127.0.0.1:8000/",
               draw=None, per_client: int = 1) -> Starlette:
    """The ASGI app answering on ``/sparql``, ``/``, ``/id/…``, ``/ontology``, ``/search``, ``/static/…`` and
    ``/draw`` with ``pool`` (started).

    ``base`` is the server's public URL (``serve --base``): the service description names
    ``<base>sparql``, and pages link to paths under its path.
    ``draw``: a module-level function ``(build_dir, iris, depth) -> (body, media type, nodes)``
    for ``/draw`` (policykg.viz.draw.draw_page, handed in by the CLI); without it ``/draw`` is 404.
    ``per_client``: queries of one client that run at once in each lane (:mod:`.scheduler`); a
    client's queries wait for a worker at most the pool's timeout.
    """
    base = base if base.endswith("/") else base + "/"
    prefix = urllib.parse.urlsplit(base).path or "/"
    ontology = load_ontology(prefix)
    scheduler = Scheduler({Lane.GENERAL: pool.workers, Lane.RESERVED: pool.reserved}, per_client=per_client,
                          wait=pool.timeout)

    async def run(request: Request, job: Job, lane: Lane):
        """``job``'s Answer once the scheduler gives this client a worker (Busy, or the pool's errors)."""
        async with scheduler.slot(client_key(request.client.host if request.client else None), lane) as slot:
            return await run_in_threadpool(pool.run, job, slot.worker_lane, slot)

    async def sparql(request: Request) -> Response:
        try:
            params, query = await _operation(request)
            if query is None:
                wanted = [m for m in accepted(request.headers.get("accept")) if m in GRAPH_FORMATS]
                if not wanted:
                    raise _Refused(406, "the service description is given as " + ", ".join(GRAPH_FORMATS))
                endpoint = base + "sparql"  # the configured base: never the Host header
                body = ox.serialize(service_description(endpoint, pool.graphs), format=GRAPH_FORMATS[wanted[0]],
                                    prefixes={"sd": SD, "void": "http://rdfs.org/ns/void#",
                                              "formats": _FORMATS_NS})
                return Response(body, media_type=_content_type(wanted[0]))
            job = _job(params, query, request.headers.get("accept"))
            answer = await run(request, job, Lane.GENERAL)
        except _Refused as e:
            return _text(e.status, str(e))
        except _POOL_ERRORS as e:
            return _failed(e)
        return Response(answer.body, media_type=_content_type(answer.media_type),
                        headers={"X-PolicyKG-Rows": str(answer.rows),
                                 "X-PolicyKG-Seconds": f"{answer.seconds:.4f}"})

    async def named(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in index:
            return _text(404, f"no named query {name!r}; GET /queries lists them")
        params: list[tuple[str, str]] = []
        wanted = None
        try:
            items = query_items(request)
        except _Refused as e:
            return _text(e.status, str(e))
        for key, value in items:
            if key in ("format", "output"):
                wanted = value
            elif any(k == key for k, _ in params):
                return _text(400, f"parameter {key!r} given twice")
            else:
                params.append((key, value))
        if wanted:
            accept: tuple[str, ...] = (FORMAT_ALIASES.get(wanted.lower(), wanted.lower()),)
        else:
            accept = accepted(request.headers.get("accept"))
        try:
            answer = await run(request, Job("", accept, named=name, params=tuple(params)), Lane.RESERVED)
        except _POOL_ERRORS as e:
            return _failed(e)
        return Response(answer.body, media_type=_content_type(answer.media_type),
                        headers={"X-PolicyKG-Rows": str(answer.rows)})

    async def queries(request: Request) -> Response:
        return JSONResponse(index)

    async def entity(request: Request) -> Response:
        path = request.path_params["path"]
        media = pick_format(request.headers.get("accept"))
        if not media and not any(path.endswith(suffix) for suffix in RDF_SUFFIXES):
            return _text(406, "an entity is given as text/html, text/turtle, application/n-triples or "
                              "application/ld+json")
        try:
            answer = await run(request, Job("", (media or "text/html",), entity=path, prefix=prefix), Lane.RESERVED)
        except _POOL_ERRORS as e:
            return _failed(e)
        return Response(answer.body, media_type=_content_type(answer.media_type),
                        headers={"Vary": "Accept", "X-PolicyKG-Rows": str(answer.rows)})

    async def entity_query(request: Request) -> Response:
        name = request.path_params["name"].removesuffix(".rq")
        try:
            return PlainTextResponse(entity_query_text(name), media_type="application/sparql-query")
        except KeyError:
            return _text(404, f"no entity query {name!r}")

    async def vocabulary(request: Request) -> Response:
        suffix = request.path_params.get("suffix")
        if suffix is not None:
            media = RDF_SUFFIXES.get("." + suffix)
            if media is None:
                return _text(404, f"the ontology is given as {', '.join('/ontology' + s for s in RDF_SUFFIXES)}")
        else:
            media = pick_format(request.headers.get("accept"))
        if not media:
            return _text(406, "the ontology is given as text/html, text/turtle, application/n-triples or "
                              "application/ld+json")
        if media == "text/html":
            return HTMLResponse(ontology.html_page, headers={"Vary": "Accept"})
        return Response(ontology.body(media), media_type=_content_type(media), headers={"Vary": "Accept"})

    async def page(request: Request) -> Response:
        return HTMLResponse(page_html if page_html is not None else _page(), headers=security_headers(PAGE_CSP))

    async def static(request: Request) -> Response:
        found = files.get(request.path_params["path"])
        if found is None:
            return _text(404, "no such file")
        body, media, etag = found
        headers = {**security_headers(PAGE_CSP), "ETag": etag, "Cache-Control": "public, max-age=86400"}
        if etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        return Response(body, media_type=media, headers=headers)

    async def draw_route(request: Request) -> Response:
        if draw is None:
            return _text(404, "/draw is not available here (policykg serve provides it)")
        try:
            iris, depth = draw_request(request)
            answer = await run(request, Job("", ("text/html",), call=(draw, (iris, depth))), Lane.GENERAL)
        except _Refused as e:
            return _text(e.status, str(e))
        except _POOL_ERRORS as e:
            return _failed(e)
        body = answer.body.decode("utf-8")
        return HTMLResponse(body, headers={**security_headers(inline_csp(body)), "X-PolicyKG-Nodes": str(answer.rows)})

    middleware = [Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST", "OPTIONS"],
                             allow_headers=["Accept", "Content-Type"],
                             expose_headers=["X-PolicyKG-Rows", "X-PolicyKG-Seconds"], max_age=600),
                  Middleware(_SecurityHeaders)]
    index = query_index()
    files = static_files()
    routes = [Route("/sparql", sparql, methods=["GET", "POST"]), Route("/", page, methods=["GET"]),
              Route("/queries", queries, methods=["GET"]), Route("/queries/{name}", named, methods=["GET"]),
              Route("/queries/entity/{name}", entity_query, methods=["GET"]),
              Route("/id/{path:path}", entity, methods=["GET"]), Route("/ontology", vocabulary, methods=["GET"]),
              Route("/ontology.{suffix}", vocabulary, methods=["GET"])]
    routes.append(Route("/search", search_endpoint(pool.build_dir), methods=["GET"]))
    routes += [Route("/static/{path:path}", static, methods=["GET"]), Route("/draw", draw_route, methods=["GET"])]
    return Starlette(routes=routes, middleware=middleware)


def re_http(url: str) -> bool:
    """Whether ``url`` is an absolute http(s) URL with a host.

    >>> re_http("https://kg.example.org/policykg/"), re_http("kg.example.org"), re_http("ftp://x/")
    (True, False, False)
    """
    parts = urllib.parse.urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _content_type(media: str) -> str:
    return f"{media}; charset=utf-8" if media.startswith("text/") or "json" in media or "xml" in media else media


def _page() -> str:
    return render_page()


def _check_port(host: str, port: int) -> None:
    """A clear error, before the graph is loaded, when ``host:port`` cannot be listened on."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        with socket.socket(infos[0][0], socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(infos[0][4])
    except OSError as e:
        raise PolicyKGError(f"cannot listen on {host}:{port}: {e.strerror or e}") from e


def serve(build_dir: Path | None, *, host: str = "127.0.0.1", port: int = 8000, workers: int = 3,
          timeout: float = 10.0, max_rows: int = 10_000, allow_remote: bool = False, worker_memory: int = 2048,
          announce=lambda message: None, base: str | None = None, chart=None, draw=None, reserved: int = 2,
          per_client: int = 1, trust_proxy: tuple[str, ...] = ()) -> None:
    """Run the endpoint until interrupted. A non-loopback ``host`` needs ``allow_remote``.

    ``base``: the public URL the server is reached at (default ``http://HOST:PORT/``);
    ``chart(store, kind, iri)``: draws the entity pages' budget charts (``policykg.viz.chart.entity_chart_svg``);
    ``draw``: the function behind ``/draw`` (see :func:`create_app`);
    ``workers``: general query workers (ad-hoc SPARQL, /draw); ``reserved``: workers kept for named
    queries and entity pages; ``per_client``: queries of one client running at once per lane
    (:mod:`.scheduler` says what this guarantees);
    ``worker_memory``: MiB of address space per query worker (0: no cap) — with the 1 MB body
    limit, what one request can make the endpoint hold: one worker's cap (its answer was built in
    it), so the workers together stay under ``(workers + reserved + 1 spare) × worker_memory``;
    ``trust_proxy``: addresses of reverse proxies whose ``X-Forwarded-For`` names the client (by
    default none: the client is the address that connected, so nobody can pose as many clients).
    """
    if not is_loopback(host) and not allow_remote:
        raise PolicyKGError(f"--host {host} would expose the endpoint beyond this machine; "
                            "add --allow-remote if that is intended")
    if timeout <= 0 or max_rows <= 0 or workers <= 0 or reserved < 0 or per_client <= 0:
        raise QueryError("--timeout, --max-rows, --workers and --per-client must be positive, --reserved at least 0")
    _check_port(host, port)
    shown = f"[{host}]" if ":" in host else host
    if base is not None and not re_http(base):
        raise QueryError(f"--base {base!r} is not an http(s) URL")
    base = base or f"http://{shown}:{port}/"
    pool = QueryPool(build_dir or default_build_dir(), workers=workers, reserved=reserved, timeout=timeout,
                     max_rows=max_rows, memory_mb=worker_memory, chart=chart).start()
    try:
        app = create_app(pool, _page(), base=base, draw=draw, per_client=per_client)
        # uvicorn would take X-Forwarded-For from 127.0.0.1 by default: on loopback anyone could pose
        # as any client, so proxy headers are read only from the addresses given
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                                proxy_headers=bool(trust_proxy), forwarded_allow_ips=list(trust_proxy) or None)
        server = uvicorn.Server(config)
        cap = f"at most {worker_memory:,} MiB each" if worker_memory else "no memory cap"
        spare = f" and {pool.spares} spare" if pool.spares else ""
        announce(f"policykg SPARQL endpoint: http://{shown}:{port}/sparql  (query page: http://{shown}:{port}/)\n"
                 f"{sum(pool.graphs.values())} triples in {len(pool.graphs)} named graphs; "
                 f"{workers} general + {reserved} reserved workers{spare} ({cap}), timeout {timeout:g} s, "
                 f"at most {max_rows} rows, {per_client} running per client; Ctrl-C stops")
        server.run()
    finally:
        pool.close()
