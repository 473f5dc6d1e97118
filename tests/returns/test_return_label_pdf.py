"""Return label PDF: the text read back (pdftotext), the barcode read back from the rendered page like a
scanner would, markup in addresses printed as text with nothing fetched."""

import io
import subprocess
from datetime import date
from unittest import mock

import pytest
from PIL import Image

from oms import pdf
from returns.labels import LabelData, barcode_modules, barcode_svg, return_label_html, return_label_pdf

from .code128_reader import dark_segments_of_row, decode_runs


def text_of(data: bytes) -> str:
    assert data.startswith(b"%PDF")
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


def page_image(data: bytes, dpi: int = 300) -> Image.Image:
    pgm = subprocess.run(
        ["pdftoppm", "-gray", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile"],
        input=data,
        capture_output=True,
        check=True,
    ).stdout
    return Image.open(io.BytesIO(pgm)).convert("L")


def scan_barcode(image: Image.Image, dpi: int = 300) -> str:
    """Like a line scanner: try rows from the top, cut each at quiet zones (4 mm of white), and return the
    first stretch that decodes as Code128."""
    width, height = image.size
    pixels = image.load()
    quiet = round(4 / 25.4 * dpi)
    for y in range(0, height, 4):
        for runs in dark_segments_of_row([pixels[x, y] for x in range(width)], quiet):
            if len(runs) < 25:
                continue
            try:
                return decode_runs(runs)
            except ValueError:
                continue
    raise AssertionError("no readable Code128 barcode on the page")


def label(**overrides) -> LabelData:
    values = {
        "return_number": "RR-000123",
        "order_number": "ORD-2026-00042",
        "shop_name": "Harbour Goods",
        "shop_address": ["Returns desk", "Kade 1", "", "1011 AB Amsterdam"],
        "customer_name": "Anna de Vries",
        "customer_address": ["Prinsengracht 9", "1016 GB Amsterdam", "NL"],
        "issued_on": date(2026, 11, 30),
        "units": 3,
    }
    return LabelData(**(values | overrides))


def test_the_label_prints_both_addresses_the_numbers_and_the_units():
    # when
    text = text_of(return_label_pdf(label()))
    # then
    for expected in (
        "RETURN",
        "RR-000123",
        "ORD-2026-00042",
        "Harbour Goods",
        "Returns desk",
        "1011 AB Amsterdam",
        "Anna de Vries",
        "Prinsengracht 9",
        "1016 GB Amsterdam",
        "30 Nov 2026",
    ):
        assert expected in text
    assert text.index("Harbour Goods") < text.index("Anna de Vries")  # "To" (the shop) above "From"
    assert text.count("\f") == 1  # one page


@pytest.mark.parametrize("number", ["RR-000123", "RET-2026-000001", "R7", "RR-999999-ABC"])
def test_the_barcode_scans_back_as_the_return_number(number):
    # given the page rendered as a 300 dpi grey image, as a scanner sees the printed label
    image = page_image(return_label_pdf(label(return_number=number)))
    # then one row across the bars decodes, checksum and stop code included, to the number
    assert scan_barcode(image) == number


def test_the_svg_bars_are_the_librarys_pattern_for_the_value():
    # given
    svg = str(barcode_svg("RR-000123"))
    # then the dark rects, read left to right, are exactly the runs of '1' in the library's modules
    import re

    widths = [float(w) for w in re.findall(r'<rect x="[\d.]+mm" y="[\d.]+mm" width="([\d.]+)mm"', svg)]
    modules = barcode_modules("RR-000123")
    ones = [len(run) for run in re.findall(r"1+", modules)]
    assert [round(w / 0.4) for w in widths] == ones
    assert "<?xml" not in svg and "DOCTYPE" not in svg and "style=" not in svg


@pytest.mark.parametrize("bad", ["", "RR\n1", "RÉ-1"])
def test_a_value_that_is_not_printable_ascii_gets_no_barcode(bad):
    with pytest.raises(ValueError):
        barcode_svg(bad)


def test_markup_in_an_address_prints_as_text_and_the_fetcher_is_never_asked():
    # given
    evil = '<img src="http://attacker.example/x.png"><link rel=stylesheet href=http://attacker.example/s.css>'
    data = label(
        customer_name=evil,
        customer_address=["<img src=http://attacker.example/y.png>"],
        shop_address=['<svg><image href="http://attacker.example/z.png"/></svg>'],
    )
    # when
    with mock.patch.object(pdf.StaticOnlyFetcher, "fetch", autospec=True, wraps=pdf.fetcher().fetch) as spy:
        rendered = return_label_pdf(data)
    # then only the project's static stylesheets could have been asked for: nothing outside them
    assert all(call.args[1].startswith(pdf.PDF_BASE_URL + "static/") for call in spy.call_args_list)
    text = text_of(rendered).replace("\n", "")
    assert 'img src="http://attacker.example/x.png"' in text and "<img src=http://attacker.example/y.png>" in text
    assert "&lt;" in return_label_html(data)


def test_the_fetcher_refuses_an_outside_url_even_if_a_label_asked_for_one():
    with pytest.raises(pdf.FetchRefused):
        pdf.fetcher().fetch("http://attacker.example/x.png")
    with mock.patch.object(pdf.StaticOnlyFetcher, "fetch", autospec=True, side_effect=pdf.FetchRefused) as spy:
        pdf.render_pdf('<img src="http://attacker.example/x.png">')
    assert [call.args[1] for call in spy.call_args_list] == ["http://attacker.example/x.png"]
