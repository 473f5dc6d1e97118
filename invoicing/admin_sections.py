"""Extra sections of the invoice page that other invoicing parts bring (e.g. the document access log).

    from invoicing.admin_sections import register_section
    register_section("access-log", "Document access", lambda request, invoice: "<table>…</table>")

A section renders to safe HTML (escape what it shows); the invoice page lists the sections in registration order.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    render: Callable  # render(request, invoice) -> str (safe HTML)


SECTIONS: dict[str, Section] = {}


def register_section(key: str, title: str, render: Callable) -> None:
    SECTIONS[key] = Section(key, title, render)
