"""Rendering e-mail templates in a restricted engine.

Templates are edited by staff, so they render with their own Engine: no template loaders (no
include/extends of project templates), no tag libraries beyond the built-ins, and a context of
plain JSON data only (strings, numbers, lists, dicts), never model instances whose methods a
template could call.
"""

import json
from functools import lru_cache

from django.core.serializers.json import DjangoJSONEncoder
from django.template import Context, Engine, TemplateSyntaxError

from ..defaults import DEFAULTS
from ..models import EmailTemplate

_TEXT_ENGINE = Engine(dirs=[], app_dirs=False, loaders=[], libraries={}, autoescape=False, string_if_invalid="")
_HTML_ENGINE = Engine(dirs=[], app_dirs=False, loaders=[], libraries={}, autoescape=True, string_if_invalid="")


def template_errors(*, subject: str, body_text: str, body_html: str) -> dict[str, str]:
    """Field name -> syntax error message, for each part that does not compile."""
    errors = {}
    for field, source, engine in (
        ("subject", subject, _TEXT_ENGINE),
        ("body_text", body_text, _TEXT_ENGINE),
        ("body_html", body_html, _HTML_ENGINE),
    ):
        try:
            engine.from_string(source or "")
        except TemplateSyntaxError as exc:
            errors[field] = f"Template syntax error: {exc}"
    return errors


def plain_context(context: dict) -> dict:
    """The context as JSON data: what a staff-edited template may see."""
    return json.loads(json.dumps(context, cls=DjangoJSONEncoder))


@lru_cache(maxsize=128)
def _compiled(source: str, html: bool):
    """Compiled templates, reused across renders: compiling costs more than rendering, and a template's
    text only changes when staff save it (a new text is a new cache key)."""
    return (_HTML_ENGINE if html else _TEXT_ENGINE).from_string(source)


def render_parts(*, subject: str, body_text: str, body_html: str, context: dict) -> tuple[str, str, str]:
    data = plain_context(context)
    rendered_subject = _compiled(subject, False).render(Context(data, autoescape=False))
    text = _compiled(body_text, False).render(Context(data, autoescape=False))
    html = _compiled(body_html, True).render(Context(data)) if body_html.strip() else ""
    return " ".join(rendered_subject.split())[:250], text.strip() + "\n", html


def html_template_error(source: str) -> str | None:
    """The syntax error of a staff-edited HTML template (e.g. an invoice layout), or None."""
    try:
        _HTML_ENGINE.from_string(source or "")
    except TemplateSyntaxError as exc:
        return f"Template syntax error: {exc}"
    return None


def html_render(source: str, context: dict) -> str:
    """Render a staff-edited HTML template in the restricted engine (autoescaped, JSON data only)."""
    return _compiled(source, True).render(Context(plain_context(context)))


def email_render(*, kind: str, context: dict, extra_note: str | None = None) -> tuple[str, str, str]:
    """(subject, text, html) of the `kind` e-mail for `context`; `extra_note` is a staff note to the customer
    (None: the one in `context`, if any). Raises what a broken template raises (TemplateSyntaxError...)."""
    template = EmailTemplate.objects.filter(kind=kind).values("subject", "body_text", "body_html").first()
    # A missing row must not lose the e-mail: fall back to the default text.
    parts = template or DEFAULTS[kind]
    if extra_note is not None:
        context = {**context, "extra_note": extra_note}
    return render_parts(**parts, context=context)


def messages_with_subject_preview(messages) -> list:
    """For staff lists: each message the worker has not rendered yet gets the subject the current template
    gives it (`Message.subject_display`). One query for the templates, whatever the number of messages."""
    messages = list(messages)
    kinds = {message.kind for message in messages if not message.rendered_at}
    if not kinds:
        return messages
    subjects = dict(EmailTemplate.objects.filter(kind__in=kinds).values_list("kind", "subject"))
    for message in messages:
        if message.rendered_at:
            continue
        source = subjects.get(message.kind, DEFAULTS[message.kind]["subject"])
        try:
            text = _compiled(source, False).render(Context(plain_context(message.context), autoescape=False))
            message.subject_preview = " ".join(text.split())[:250]
        except Exception:
            message.subject_preview = "(the template has an error)"
    return messages
