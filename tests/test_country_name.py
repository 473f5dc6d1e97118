import pytest
from django.template import Context, Template


@pytest.mark.parametrize(
    ("code", "shown"),
    [("NL", "Netherlands"), ("de", "Germany"), (" BE ", "Belgium"), ("ZZ", "ZZ"), ("", ""), (None, "")],
)
def test_country_name_shows_the_name_or_what_was_stored(code, shown):
    rendered = Template("{% load oms_format %}{{ code|country_name }}").render(Context({"code": code}))
    assert rendered == shown
