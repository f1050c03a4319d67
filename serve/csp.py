"""Security headers of the endpoint's pages (``/``, ``/draw``) and static files.

The editor page has no inline script (its script is ``/static/editor.js``), so
``script-src 'self'`` holds. YASGUI needs no ``'unsafe-eval'`` (its bundled JSON
polyfill has an ``eval``, used only where ``JSON.parse`` is missing). It does need
``style-src 'unsafe-inline'``: YASR's table column resizer (column-resizer) adds a
``<style>`` element at run time (found with ``style-src 'self'``: a style-src-elem
violation at its ``createStyle``); element styles set from script (CodeMirror,
DataTables) are not inline styles. Styles only: no inline script runs. The diagram page of ``/draw`` is the
self-contained page of ``policykg viz`` (vis-network inline): its inline scripts
and styles are allowed by their sha256 hashes, nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import re

__all__ = ["PAGE_CSP", "inline_csp", "security_headers"]

_COMMON = ("default-src 'self'; connect-src 'self'; img-src 'self' data:; font-src 'self' data:; "
           "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
#: The policy of ``/`` and of the static files: nothing but this endpoint.
PAGE_CSP = f"{_COMMON}; script-src 'self'; style-src 'self' 'unsafe-inline'"
_INLINE = {"script": re.compile(r"<script>(.*?)</script>", re.S), "style": re.compile(r"<style>(.*?)</style>", re.S)}


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def inline_csp(page: str) -> str:
    """The policy of a self-contained page: its inline ``<script>`` and ``<style>`` elements by hash.

    >>> inline_csp("<style>b{}</style><script>alert(1)</script>").split("; ")[-2:]
    ["script-src 'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='", "style-src 'sha256-7yqHVAesot11p6HczDsgKRipvI5UPgs97z80zNXlans='"]
    """
    scripts = " ".join(sorted({_hash(s) for s in _INLINE["script"].findall(page)})) or "'none'"
    styles = " ".join(sorted({_hash(s) for s in _INLINE["style"].findall(page)})) or "'none'"
    return f"{_COMMON}; script-src {scripts}; style-src {styles}"


def security_headers(csp: str) -> dict[str, str]:
    """The headers every page and static file carries."""
    return {"Content-Security-Policy": csp, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}
