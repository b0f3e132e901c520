"""`{% same_for_everyone %}…{% end_same_for_everyone %}`: markup that is identical for every request in
one language — links reversed from the URL configuration, translated labels, static file URLs — rendered
once per process, language and script prefix, then reused.

The page shell (base.html) reversed 20-odd URLs and looked up 30-odd translations on every page; on the
ledger page that was a fifth of the template's time, for output that only changes with the language. The
block is rendered WITHOUT the page's variables (`context.new()`): a variable inside it renders empty, so
nothing that depends on the user, the request or the page can be held and shown to someone else — put
such things (the CSRF token, the user's name, the current path) between blocks. What the block may use
is what depends only on the active language and the deployment: {% url %} without variable arguments,
{% translate %}, {% static %}, {% get_current_language %}. The URL configuration, the translation
catalogues and the static manifest are loaded once per process, so nothing held here goes stale.
tests/test_shell_markup.py checks that a variable in the block renders empty and that each language
gets its own markup."""

from django import template
from django.urls import get_script_prefix
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()


class SameForEveryoneNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist
        self.held: dict[tuple[str | None, str], str] = {}

    def render(self, context):
        key = (get_language(), get_script_prefix())
        html = self.held.get(key)
        if html is None:
            # a context without the page's variables on purpose (see the module docstring); the template and
            # the escaping setting carry over
            html = self.held[key] = self.nodelist.render(context.new())
        return mark_safe(html)  # noqa: S308 — rendered by the template engine, which escaped it


@register.tag
def same_for_everyone(parser, token):
    nodelist = parser.parse(("end_same_for_everyone",))
    parser.delete_first_token()
    return SameForEveryoneNode(nodelist)
