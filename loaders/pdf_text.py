"""A PDF's text layer as the plain text the ``nisc-budget-pdftext`` loaders read.

pdfminer.six's layout analysis (its default parameters) groups the characters of each
page into text lines and text boxes; the text is every box's lines in pdfminer's
reading order, one text line per printed line, a blank line after each box and pages
in page order, three blank lines between two pages (as in the bundled texts: the
measure-page loader starts a page after three blank lines). Nothing is normalised: the
loaders apply NFKC themselves, and the line numbers of every figure refer to this text,
which `policykg add` keeps in the corpus.

Refused, each with a :class:`~policykg.errors.LoaderError` naming the file: a file that
is not a PDF, a truncated PDF (no ``%%EOF`` marker at its end), a password-protected
one, one pdfminer cannot parse, a PDF without a text layer (scanned pages: run OCR
first) and a text layer without a Unicode mapping (pdfminer prints ``(cid:123)``).
"""

from __future__ import annotations

import io
import re
import struct
import zlib

from pdfminer.high_level import extract_pages
from pdfminer.layout import LAParams, LTTextContainer, LTTextLine
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.psparser import PSException
from policykg.errors import LoaderError

__all__ = ["MAX_PDF_BYTES", "PAGE_BREAK", "pdf_to_text"]

#: PDFs larger than this are refused before parsing (bounded memory and time).
MAX_PDF_BYTES = 100 * 1024 * 1024
#: Blank lines between the text of two pages.
PAGE_BREAK = 3
_UNMAPPED = re.compile(r"\(cid:\d+\)")
#: A text layer where more lines than this share hold unmapped glyphs is refused.
_UNMAPPED_SHARE = 0.05


def pdf_to_text(data: bytes, source: str) -> str:
    """The text of a PDF, one printed line per line (see the module docstring).

    >>> pdf_to_text(b"not a pdf", "x.pdf")
    Traceback (most recent call last):
    ...
    policykg.errors.LoaderError: x.pdf:0: not a PDF file (no %PDF- header): 'not a pdf'
    """
    if len(data) > MAX_PDF_BYTES:
        raise LoaderError(source, 0, f"{len(data)} bytes", f"PDF larger than {MAX_PDF_BYTES} bytes refused")
    if b"%PDF-" not in data[:1024]:
        raise LoaderError(source, 0, _shown(data[:20]), "not a PDF file (no %PDF- header)")
    if b"%%EOF" not in data[-1024:]:
        raise LoaderError(source, 0, _shown(data[-20:]), "truncated PDF: no %%EOF marker at its end")
    lines: list[str] = []
    pages = 0
    try:
        for page in extract_pages(io.BytesIO(data), laparams=LAParams()):
            pages += 1
            page_start = True
            for box in page:
                if not isinstance(box, LTTextContainer):
                    continue
                box_lines = [line.get_text().rstrip("\r\n") for line in box if isinstance(line, LTTextLine)]
                box_lines = [t for t in box_lines if t.strip()]
                if box_lines:
                    if page_start and lines:  # the previous page's last box ended with one blank line
                        lines.extend([""] * (PAGE_BREAK - 1))
                    page_start = False
                    lines.extend(box_lines)
                    lines.append("")
    except PDFPasswordIncorrect as e:
        raise LoaderError(source, 0, type(e).__name__, "password-protected PDF: cannot read it without the "
                                                       "password (save an unprotected copy)") from e
    except PDFEncryptionError as e:
        raise LoaderError(source, 0, str(e)[:80], "encrypted PDF that cannot be decrypted") from e
    # pdfminer reads damaged files leniently and then fails deep inside with plain Python errors
    except (PSException, ValueError, KeyError, TypeError, IndexError, AttributeError, AssertionError, zlib.error,
            struct.error) as e:
        raise LoaderError(source, 0, f"{type(e).__name__}: {e}"[:80], "corrupt PDF: pdfminer cannot parse it") from e
    if not any(line.strip() for line in lines):
        raise LoaderError(source, 0, f"{pages} page(s)", "PDF without a text layer (scanned pages?): no text "
                                                         "to read; run OCR first")
    unmapped = [n for n, line in enumerate(lines, 1) if _UNMAPPED.search(line)]
    if len(unmapped) > _UNMAPPED_SHARE * sum(1 for line in lines if line.strip()):
        raise LoaderError(source, unmapped[0], lines[unmapped[0] - 1][:60],
                          f"the PDF's text layer has no Unicode mapping for its glyphs ({len(unmapped)} lines)")
    return "\n".join(lines)


def _shown(raw: bytes) -> str:
    return raw.decode("ascii", "backslashreplace")
