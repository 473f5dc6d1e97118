"""PDF rendering for every document (invoices, credit notes, packing slips): HTML in, bytes out.

One `FontConfiguration` for the process and the base stylesheets parsed once (both are costly to build:
font discovery and CSS parsing would otherwise take most of a one-page render).

WeasyPrint fetches images and stylesheets through `StaticOnlyFetcher`, which serves only the project's
static files (and the shop logo among the uploads) and refuses everything else: no network, no
`file://` path, no `data:` from a customer's text. Documents are rendered with the virtual base URL
`PDF_BASE_URL`, so `{% static "oms/x.png" %}` ("/static/oms/x.png") resolves to it; the `.invalid`
domain never resolves, so even a fetcher bug could not reach the network.

    from oms.pdf import render_pdf, render_pdfs, render_pdf_batch
    pdf = render_pdf(html)                     # one document
    pdfs = render_pdfs([html1, html2])         # one PDF per document
    pdf = render_pdf_batch([body1, body2])     # bodies as ONE document, one render (a batch to print)
"""

import logging
import mimetypes
import threading
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

PDF_BASE_URL = "https://oms-static.invalid/"
BASE_STYLESHEETS = ("oms/pdf.css",)
# Uploads a document may show: the shop logo only (ShopSettings.logo uploads to "shop/").
MEDIA_PREFIXES = ("shop/",)


class FetchRefused(ValueError):
    """A document asked for a resource outside the static files; WeasyPrint skips it with a warning."""


def _inside(root: Path, relative: str) -> Path | None:
    """`root/relative` when it stays inside `root` (no `..` escape, no symlink out), else None."""
    try:
        candidate = (root / relative).resolve()
        candidate.relative_to(root.resolve())
    except (ValueError, OSError):
        return None
    return candidate if candidate.is_file() else None


def resolve_static_url(url: str) -> Path | None:
    """The file a document URL names, when it is a static file or an allowed upload; None otherwise."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}/" != PDF_BASE_URL or parts.query:
        return None
    path = unquote(parts.path).lstrip("/")
    static_prefix = settings.STATIC_URL.strip("/") + "/"
    media_prefix = settings.MEDIA_URL.strip("/") + "/"
    if path.startswith(static_prefix):
        relative = path[len(static_prefix) :]
        if ".." in Path(relative).parts:
            return None
        found = finders.find(relative)
        return Path(found) if found else None
    if path.startswith(media_prefix):
        relative = path[len(media_prefix) :]
        if relative.startswith(MEDIA_PREFIXES):
            return _inside(Path(settings.MEDIA_ROOT), relative)
    return None


class StaticOnlyFetcher(URLFetcher):
    """Serves static files (and the shop logo) from disk; refuses every other URL without opening it."""

    def fetch(self, url, headers=None):
        path = resolve_static_url(url)
        if path is None:
            logger.warning("PDF: refused to fetch %.200s", url)
            raise FetchRefused(f"Documents may only use the project's static files, not {url[:200]!r}.")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})


@lru_cache(maxsize=1)
def font_config() -> FontConfiguration:
    return FontConfiguration()


@lru_cache(maxsize=1)
def fetcher() -> StaticOnlyFetcher:
    return StaticOnlyFetcher()


@lru_cache(maxsize=16)
def stylesheet(static_path: str) -> CSS:
    """A static stylesheet, parsed once per process."""
    found = finders.find(static_path)
    if not found:
        raise FileNotFoundError(f"Static stylesheet {static_path!r} not found.")
    return CSS(filename=found, font_config=font_config(), url_fetcher=fetcher())


def _document(html: str, stylesheets: Iterable[str]):
    sheets = [stylesheet(path) for path in stylesheets]
    return HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=fetcher()).render(
        stylesheets=sheets, font_config=font_config()
    )


# One render at a time per process: the fonts (Pango, fontconfig) are shared by every render of the process
# (`font_config`), and rendering from several threads at once aborted the process ("Fatal Python error:
# Aborted" in pydyf, seen with 20 threads issuing invoices whose PDF tasks ran in-process). Threads are the
# dev server's and a thread-pool worker's; the deployed workers and web processes are single-threaded.
_rendering = threading.Lock()


def render_pdf(html: str, *, stylesheets: Iterable[str] = BASE_STYLESHEETS) -> bytes:
    """One HTML document as PDF bytes."""
    with _rendering:
        return _document(html, stylesheets).write_pdf()


def render_pdfs(htmls: Iterable[str], *, stylesheets: Iterable[str] = BASE_STYLESHEETS) -> list[bytes]:
    """One PDF per HTML document, sharing the fonts and parsed stylesheets."""
    sheets = tuple(stylesheets)
    return [render_pdf(html, stylesheets=sheets) for html in htmls]


def render_pdf_batch(bodies: Iterable[str], *, stylesheets: Iterable[str] = BASE_STYLESHEETS) -> bytes:
    """Several documents' body HTML as ONE PDF, each starting on a new page: one HTML document, one layout
    pass. Rendering each and joining the pages would pay the per-render cost once per document (a batch
    of 500 slips rendered one by one took about 7x 500 bare renders)."""
    bodies = list(bodies)
    if not bodies:
        raise ValueError("render_pdf_batch needs at least one document.")
    first, *rest = bodies
    html = f"<section>{first}</section>" + "".join(f'<section style="break-before: page">{b}</section>' for b in rest)
    return render_pdf(f"<!doctype html><html><body>{html}</body></html>", stylesheets=stylesheets)
