"""oms.pdf: shared fonts and stylesheets, and a fetcher that serves only the project's static files."""

import subprocess
from unittest import mock

import pytest

from oms import pdf


def text_of(data: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


def test_render_pdf_gives_a_pdf_with_the_text():
    data = pdf.render_pdf("<h1>Packing slip</h1><p>Hello &amp; welcome</p>")
    assert data.startswith(b"%PDF")
    assert "Packing slip" in text_of(data) and "Hello & welcome" in text_of(data)


def test_render_pdfs_and_batch():
    one, two = pdf.render_pdfs(["<p>first</p>", "<p>second</p>"])
    assert "first" in text_of(one) and "second" in text_of(two)
    with mock.patch.object(pdf, "render_pdf", wraps=pdf.render_pdf) as render:
        batch = pdf.render_pdf_batch(["<p>first</p>", "<p>second</p>", "<p>third</p>"])
    assert render.call_count == 1  # one document, one layout pass: not three renders joined
    pages = text_of(batch).split("\f")
    assert ["first" in page for page in pages[:3]] == [True, False, False]
    assert "second" in pages[1] and "third" in pages[2] and len([p for p in pages if p.strip()]) == 3
    with pytest.raises(ValueError):
        pdf.render_pdf_batch([])


def test_renders_from_many_threads_at_once_each_give_their_pdf():
    """The dev server and a thread-pool worker render from threads; the shared fonts allow one render at a time
    (without the lock, 20 threads issuing invoices aborted the process in pydyf now and then)."""
    from tests.threads import run_each

    results = run_each(*(lambda n=n: pdf.render_pdf(f"<h1>Slip {n}</h1>" + "<p>line</p>" * 40) for n in range(12)))
    assert all(isinstance(data, bytes) and data.startswith(b"%PDF") for data in results), results
    assert sorted(text_of(data).split()[1] for data in results) == sorted(str(n) for n in range(12))


def test_fonts_and_stylesheets_are_shared():
    assert pdf.font_config() is pdf.font_config()
    assert pdf.stylesheet("oms/pdf.css") is pdf.stylesheet("oms/pdf.css")


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/x.png",
        "https://oms-static.invalid/static/../../../etc/passwd",
        "file:///etc/passwd",
        "data:image/png;base64,AAAA",
        "https://oms-static.invalid/media/secret/../../etc/passwd",
        "https://oms-static.invalid/media/orders/export.csv",
        "https://oms-static.invalid/static/oms/pdf.css?x=1",
    ],
)
def test_fetcher_refuses_everything_but_static_files(url):
    assert pdf.resolve_static_url(url) is None
    with pytest.raises(pdf.FetchRefused):
        pdf.fetcher().fetch(url)


def test_fetcher_serves_a_static_file():
    response = pdf.fetcher().fetch(pdf.PDF_BASE_URL + "static/oms/pdf.css")
    assert b"@page" in response.read()


def test_markup_in_data_never_reaches_the_fetcher():
    """Escaped text stays text: no image or stylesheet of a customer's is fetched (and a raw one would be refused)."""
    from django.utils.html import escape

    evil = '<img src="http://attacker.example/x.png"><img src="file:///etc/passwd"><b>bold</b>'
    with mock.patch.object(pdf.StaticOnlyFetcher, "fetch", autospec=True, side_effect=pdf.FetchRefused) as spy:
        data = pdf.render_pdf(f"<p>{escape(evil)}</p>")
    assert spy.call_count == 0
    assert '<img src="http://attacker.example/x.png">' in text_of(data).replace("\n", "")
    with mock.patch.object(pdf.StaticOnlyFetcher, "fetch", autospec=True, side_effect=pdf.FetchRefused) as spy:
        pdf.render_pdf(evil)  # unescaped, the fetcher is asked and refuses: nothing is opened
    assert {call.args[1] for call in spy.call_args_list} == {"http://attacker.example/x.png", "file:///etc/passwd"}
