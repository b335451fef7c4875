"""Template rendering: placeholders, conditionals and SMS fragments.

A placeholder is written ``((name))`` and is replaced by the value given
for it; ``((name??text))`` shows ``text`` when the value for ``name`` is
one of yes, y, true, t, 1, include or show (in any case), and nothing
otherwise. Names match case-insensitively, ignoring spaces, ``_`` and
``-``. A name with no value, or a null one, is missing personalisation.

Parsing a template costs more than filling it in, and a template version
never changes, so parsed templates are kept by ``(id, version)``.
"""

import dataclasses
import functools
import math
import re
import threading
import uuid
from collections.abc import Mapping
from typing import Any

from ..errors import BadRequestError

SMS_CHAR_COUNT_LIMIT = 918

_PLACEHOLDER = re.compile(r"\(\(([^()]+)\)\)")
_IGNORED_IN_NAMES = str.maketrans("", "", " _-")
_SHOW_VALUES = frozenset({"yes", "y", "true", "t", "1", "include", "show"})

# the GSM 03.38 alphabet: the basic set costs one septet a character,
# the extension table two
_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENSION = frozenset("^{}\\[~]|€\f")


def normalise_name(name: str) -> str:
    """Return the form of a placeholder name that matching compares."""
    return name.lower().translate(_IGNORED_IN_NAMES)


@dataclasses.dataclass(frozen=True)
class Placeholder:
    """One ``((...))`` in a template."""

    name: str
    key: str
    conditional_text: str | None = None


@dataclasses.dataclass(frozen=True)
class ParsedText:
    """Literal text and placeholders, in order."""

    parts: tuple[str | Placeholder, ...]

    @functools.cached_property
    def placeholders(self) -> tuple[Placeholder, ...]:
        return tuple(p for p in self.parts if isinstance(p, Placeholder))

    def render(self, values: Mapping[str, Any]) -> str:
        """Fill in ``values`` (keyed by normalised name).

        A placeholder without a value is left as written.
        """
        out = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            value = values.get(part.key)
            if part.conditional_text is not None:
                if value is not None and _shows(value):
                    out.append(part.conditional_text)
                elif value is None:
                    out.append(f"(({part.name}??{part.conditional_text}))")
            elif value is None:
                out.append(f"(({part.name}))")
            else:
                out.append(_as_text(value))
        return "".join(out)


def parse_text(text: str) -> ParsedText:
    """Split ``text`` into literal text and placeholders."""
    parts: list[str | Placeholder] = []
    position = 0
    for match in _PLACEHOLDER.finditer(text):
        if match.start() > position:
            parts.append(text[position : match.start()])
        inner = match.group(1)
        name, separator, conditional = inner.partition("??")
        name = name.strip()
        if not normalise_name(name):
            # "(( ))" names nothing: it is text
            parts.append(match.group(0))
        else:
            parts.append(
                Placeholder(
                    name=name,
                    key=normalise_name(name),
                    conditional_text=conditional if separator else None,
                )
            )
        position = match.end()
    if position < len(text):
        parts.append(text[position:])
    return ParsedText(tuple(parts))


@dataclasses.dataclass(frozen=True)
class ParsedTemplate:
    """A template version's content and subject, parsed once."""

    template_type: str
    content: ParsedText
    subject: ParsedText | None

    @functools.cached_property
    def placeholder_names(self) -> tuple[str, ...]:
        """Every placeholder name, subject first, as first written."""
        seen: dict[str, str] = {}
        texts = (
            [self.subject, self.content] if self.subject else [self.content]
        )
        for text in texts:
            for placeholder in text.placeholders:
                seen.setdefault(placeholder.key, placeholder.name)
        return tuple(seen.values())

    def missing(self, values: Mapping[str, Any]) -> list[str]:
        """Return the names that have no value in ``values``."""
        names = self.placeholder_names
        return [n for n in names if values.get(normalise_name(n)) is None]


@dataclasses.dataclass(frozen=True)
class Rendered:
    """A template filled in."""

    body: str
    subject: str | None


class _ParsedCache:
    # a small LRU: template versions are immutable, so entries never go
    # stale, and the bound keeps a service with many templates in check
    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: dict[tuple, ParsedTemplate] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple, build) -> ParsedTemplate:
        entry = self._entries.get(key)
        if entry is not None:
            return entry
        entry = build()
        with self._lock:
            if len(self._entries) >= self.size:
                self._entries.pop(next(iter(self._entries)))
            self._entries[key] = entry
        return entry

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


PARSED_TEMPLATES = _ParsedCache(size=4096)


def parsed_template(
    template_id: uuid.UUID,
    version: int,
    template_type: str,
    content: str,
    subject: str | None,
) -> ParsedTemplate:
    """Return the parsed form of one template version, cached."""

    def build() -> ParsedTemplate:
        return ParsedTemplate(
            template_type=template_type,
            content=parse_text(content),
            subject=parse_text(subject)
            if template_type == "email" and subject is not None
            else None,
        )

    return PARSED_TEMPLATES.get((template_id, version), build)


def personalisation_values(
    personalisation: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """Return ``personalisation`` keyed by normalised name."""
    if not personalisation:
        return {}
    return {normalise_name(k): v for k, v in personalisation.items()}


def render(
    template: ParsedTemplate, personalisation: Mapping[str, Any] | None
) -> Rendered:
    """Fill ``template`` in; placeholders without values stay as written."""
    values = personalisation_values(personalisation)
    body = template.content.render(values).strip()
    subject = None
    if template.subject is not None:
        subject = " ".join(template.subject.render(values).split())
    return Rendered(body=body, subject=subject)


def check_personalisation(
    template: ParsedTemplate, personalisation: Mapping[str, Any] | None
) -> None:
    """Raise BadRequestError naming every placeholder without a value."""
    missing = template.missing(personalisation_values(personalisation))
    if missing:
        raise BadRequestError(
            "Missing personalisation: {}".format(", ".join(missing))
        )


def render_for_sending(
    template: ParsedTemplate, personalisation: Mapping[str, Any] | None
) -> Rendered:
    """Fill ``template`` in, refusing missing values and empty messages.

    Raises BadRequestError ``Missing personalisation: a, b`` naming every
    missing value, or ``Your message is empty.``.
    """
    check_personalisation(template, personalisation)
    rendered = render(template, personalisation)
    if not rendered.body:
        raise BadRequestError("Your message is empty.")
    return rendered


def check_sms_length(body: str) -> None:
    """Raise BadRequestError if ``body`` is too long for a text message."""
    length = len(body)
    if length > SMS_CHAR_COUNT_LIMIT:
        raise BadRequestError(
            "Your message is too long. Text messages cannot be longer than "
            f"{SMS_CHAR_COUNT_LIMIT} characters. Your message is {length} "
            "characters long."
        )


def sms_fragment_count(body: str) -> int:
    """Return how many SMS fragments ``body`` is sent as.

    A message in the GSM-7 alphabet takes 160 characters in one fragment
    and 153 in each of several (extension characters count twice); any
    other message is sent as UCS-2, 70 and 67 (UTF-16 code units).
    """
    if all(c in _GSM_BASIC or c in _GSM_EXTENSION for c in body):
        length = len(body) + sum(c in _GSM_EXTENSION for c in body)
        return 1 if length <= 160 else math.ceil(length / 153)
    length = len(body.encode("utf-16-le")) // 2
    return 1 if length <= 70 else math.ceil(length / 67)


def _shows(value: Any) -> bool:
    return str(value).strip().lower() in _SHOW_VALUES


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "\n".join(f"* {_as_text(item)}" for item in value)
    return str(value)
