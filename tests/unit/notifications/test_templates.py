import uuid

import pytest

from notify_pyramid.errors import BadRequestError
from notify_pyramid.notifications.templates import (
    PARSED_TEMPLATES,
    check_sms_length,
    parse_text,
    parsed_template,
    render,
    render_for_sending,
    sms_fragment_count,
)


def template(content, subject=None, template_type=None):
    template_type = template_type or ("email" if subject else "sms")
    return parsed_template(uuid.uuid4(), 1, template_type, content, subject)


@pytest.mark.parametrize(
    "given",
    [
        {"first_name": "Jo"},
        {"First Name": "Jo"},
        {"FIRST-NAME": "Jo"},
        {"firstname": "Jo"},
        {" first _ name ": "Jo"},
    ],
)
def test_names_match_ignoring_case_spaces_underscores_and_dashes(given):
    assert render(template("Hi ((First_Name))"), given).body == "Hi Jo"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("yes", True),
        ("Y", True),
        ("true", True),
        ("T", True),
        ("1", True),
        (1, True),
        (True, True),
        ("include", True),
        ("SHOW", True),
        ("no", False),
        ("", False),
        (0, False),
        (False, False),
        ("maybe", False),
    ],
)
def test_conditional_text_is_shown_for_truthy_words_only(value, shown):
    rendered = render(template("A((extra??, and more)) end"), {"extra": value})
    assert rendered.body == ("A, and more end" if shown else "A end")


def test_missing_personalisation_names_every_missing_value_in_order():
    parsed = template("((b)) ((a)) ((b)) ((c??x))", subject="((Sub ject))")
    with pytest.raises(BadRequestError) as excinfo:
        render_for_sending(parsed, {"a": "1", "c": None})
    assert excinfo.value.message == "Missing personalisation: Sub ject, b, c"


def test_extra_personalisation_is_ignored():
    rendered = render_for_sending(
        template("Hi ((name))"), {"name": "Jo", "x": 1}
    )
    assert rendered.body == "Hi Jo"


def test_empty_message_is_refused():
    with pytest.raises(BadRequestError) as excinfo:
        render_for_sending(template("  ((x??text))  "), {"x": "no"})
    assert excinfo.value.message == "Your message is empty."


def test_email_subject_is_rendered_on_one_line():
    rendered = render(
        template("Body", subject="Dear\n((name))  !"), {"name": "Jo"}
    )
    assert rendered.subject == "Dear Jo !"


def test_values_that_are_not_strings_are_written_as_text():
    rendered = render(
        template("((n)) ((b)) ((l))"), {"n": 3, "b": True, "l": ["x", "y"]}
    )
    assert rendered.body == "3 true * x\n* y"


def test_placeholder_without_a_value_stays_as_written_when_rendering():
    assert render(template("Hi ((name))"), {}).body == "Hi ((name))"


def test_empty_brackets_are_text():
    parsed = parse_text("a (( )) b")
    assert parsed.placeholders == ()


def test_parsed_templates_are_cached_by_id_and_version():
    template_id = uuid.uuid4()
    first = parsed_template(template_id, 1, "sms", "((a))", None)
    again = parsed_template(template_id, 1, "sms", "((a))", None)
    other = parsed_template(template_id, 2, "sms", "((b))", None)
    assert again is first
    assert other.placeholder_names == ("b",)


def test_cache_is_bounded():
    for version in range(PARSED_TEMPLATES.size + 10):
        parsed_template(uuid.uuid4(), version, "sms", "x", None)
    assert len(PARSED_TEMPLATES._entries) == PARSED_TEMPLATES.size


@pytest.mark.parametrize(
    ("body", "fragments"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("[" * 80, 1),
        ("[" * 81, 2),
        ("é" * 160, 1),
        ("ŵ" * 70, 1),
        ("ŵ" * 71, 2),
        ("ŵ" * 134, 2),
        ("ŵ" * 135, 3),
        ("😀" * 35, 1),
        ("😀" * 36, 2),
    ],
)
def test_sms_fragments(body, fragments):
    assert sms_fragment_count(body) == fragments


def test_sms_of_918_characters_is_allowed():
    check_sms_length("a" * 918)


def test_sms_longer_than_918_characters_is_refused():
    with pytest.raises(BadRequestError) as excinfo:
        check_sms_length("a" * 919)
    assert excinfo.value.message == (
        "Your message is too long. Text messages cannot be longer than 918 "
        "characters. Your message is 919 characters long."
    )
