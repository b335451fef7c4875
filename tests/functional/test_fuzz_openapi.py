"""Requests built from the OpenAPI document, against a live server.

schemathesis generates valid and invalid requests for every documented
operation; each must be answered without a server error and with a body
the document describes. Service routes get a fresh, valid token for every
request; ids, recipients and personalisation are sometimes real ones, so
that requests get past validation into the code that sends and reads.
"""

import time

import pytest
import requests
import schemathesis
import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from notifications_python_client.authentication import create_jwt_token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from notify_pyramid.models import get_tm_session
from notify_pyramid.openapi import build_document
from tests import factories

SCHEMA = schemathesis.openapi.from_dict(build_document())
OPERATIONS = {
    f"{method.upper()} {path}": SCHEMA[path][method.upper()]
    for path, item in build_document()["paths"].items()
    for method in item
}
CHECKS = [not_a_server_error, response_schema_conformance]

#: per operation; the whole module takes well under a minute
FUZZ = settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)

VALID_PHONES = ["07700900123", "+447700900456", "07700 900789"]
VALID_EMAILS = ["someone@example.com", "perm-fail@simulator.notify"]


class World:
    """The committed rows the fuzzed requests may point at."""

    def __init__(self, session_factory):
        manager = transaction.TransactionManager(explicit=True)
        with manager:
            session = get_tm_session(session_factory, manager)
            service = factories.create_service(
                session,
                sms_sender="NOTIFYTEST",
                email_from="fuzz.service",
                message_limit=100_000,
                permissions=["sms", "email", "international_sms"],
            )
            sms = factories.create_template(session, service, "sms")
            email = factories.create_template(session, service, "email")
            api_key, self.secret = factories.create_api_key(session, service)
            sent = factories.create_notification(session, sms, api_key)
            self.service_id = str(service.id)
            self.template_ids = [str(sms.id), str(email.id)]
            self.notification_id = str(sent.id)

    def token(self) -> str:
        # tokens are good for 30 seconds: sign one for every request
        return create_jwt_token(self.secret, self.service_id)


@pytest.fixture
def world(committed):
    return World(committed)


def realistic(data, case, world: World) -> None:
    """Swap in, half of the time, values that get past validation."""
    if not data.draw(st.booleans(), label="realistic"):
        return
    params = case.path_parameters or {}
    is_template = "/template/" in case.operation.path
    if "id" in params:
        ids = world.template_ids if is_template else [world.notification_id]
        params["id"] = data.draw(st.sampled_from(ids), label="id")
    if "version" in params:
        params["version"] = 1

    body = case.body
    if not isinstance(body, dict):
        return
    email = case.operation.path.endswith("/email")
    template_id = world.template_ids[1 if email else 0]
    choices = {
        "template_id": template_id,
        "template": template_id,
        "phone_number": VALID_PHONES,
        "email_address": VALID_EMAILS,
        "to": VALID_EMAILS if email else VALID_PHONES,
        "CID": [world.notification_id],
    }
    if "receipts" in case.operation.definition.raw["tags"]:
        choices["reference"] = [world.notification_id]
    for field, values in choices.items():
        if field in body:
            if isinstance(values, str):
                values = [values]
            body[field] = data.draw(st.sampled_from(values), label=field)
    if is_template or "template" in body or "template_id" in body:
        body["personalisation"] = {
            "name": data.draw(st.text(max_size=20), label="name")
        }
        # options this service does not offer are refused by design
        for option in ("sms_sender_id", "email_reply_to_id"):
            body.pop(option, None)
        body.pop("scheduled_for", None)


def needs_token(case) -> bool:
    return bool(case.operation.definition.raw.get("security"))


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_fuzzed_requests_get_documented_answers(live_server, world, label):
    operation = OPERATIONS[label]
    strategy = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )
    session = requests.Session()
    started = time.monotonic()

    @FUZZ
    @given(data=st.data())
    def fuzz(data):
        case = data.draw(strategy, label="case")
        realistic(data, case, world)
        headers = {}
        if needs_token(case):
            headers["Authorization"] = f"Bearer {world.token()}"
        case.call_and_validate(
            base_url=live_server,
            session=session,
            headers=headers,
            checks=CHECKS,
            timeout=10,
        )

    try:
        fuzz()
    finally:
        session.close()
    assert time.monotonic() - started < 60
