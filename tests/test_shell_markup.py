"""The page shell's markup held per language ({% same_for_everyone %}, chuxin/core/templatetags/shell.py)
never carries one request's data to another, and follows the language."""

from django.template import engines
from django.utils import translation


def _template(text):
    return engines["django"].from_string("{% load i18n shell %}" + text)


def test_a_variable_inside_the_block_renders_empty():
    t = _template("[{% same_for_everyone %}{{ name }}{% end_same_for_everyone %}]{{ name }}")
    assert t.render({"name": "张三"}) == "[]张三"


def test_what_was_held_is_not_shown_with_another_requests_data():
    t = _template("{% same_for_everyone %}{% url 'todo' %}{% end_same_for_everyone %} {{ name }}")
    assert t.render({"name": "张三"}) == t.render({"name": "张三"})
    assert t.render({"name": "李四"}).endswith(" 李四")
    assert "张三" not in t.render({"name": "李四"})


def test_each_language_gets_its_own_markup():
    t = _template('{% same_for_everyone %}{% translate "Log out" %}{% end_same_for_everyone %}')
    with translation.override("zh-hans"):
        chinese = t.render({})
    with translation.override("en"):
        english = t.render({})
    with translation.override("zh-hans"):
        again = t.render({})
    assert (chinese, english, again) == ("退出登录", "Log out", "退出登录")


def test_the_shell_shows_the_user_and_the_language_switch(client, guangdong_office):
    client.force_login(guangdong_office)
    html = client.get("/ledger/units/440000/").content.decode()
    assert guangdong_office.username in html or guangdong_office.get_full_name() in html
    assert 'aria-current="true">简体中文' in html
    client.cookies["django_language"] = "en"
    html = client.get("/ledger/units/440000/").content.decode()
    assert ">Log out</button>" in html and 'aria-current="true">English' in html
