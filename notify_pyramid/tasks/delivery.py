"""Tasks that hand notifications to providers, and simulate test receipts.

A hand-off is made at most once per attempt. The task first claims the
notification (``created`` to ``sending``) in a transaction of its own that
commits before any provider is called, so a duplicate delivery of the task
or a second worker finds nothing to do. Then:

- the provider takes it: it stays ``sending`` until a receipt arrives;
- the provider clearly refuses it: the next provider by priority is
  tried; when none takes it the claim is released and the task retried
  with backoff, ending as ``technical-failure`` after the last attempt;
- the provider does not answer in time: the outcome is unknown, so it
  stays ``sending``, and :func:`check_sending` hands it to the same
  provider again, with the same reference, only if no receipt has arrived
  once the grace period is over.
"""

import datetime
import logging
import uuid

from notify_statsd import statsd

from ..dao.delivery import (
    dao_claim_notification,
    dao_claim_resend,
    dao_fail_unsent_notification,
    dao_release_claim,
    dao_switch_provider,
)
from ..dao.notifications import dao_fetch_notification
from ..models import Service
from ..models.api_key import KEY_TYPE_TEST
from ..models.meta import utcnow
from ..models.notification import (
    CREATED,
    DELIVERED,
    PERMANENT_FAILURE,
    SENDING,
    TEMPORARY_FAILURE,
)
from ..notifications.content import notification_content
from ..providers import Email, ProviderError, ProviderTimeout, Sms
from . import celery_app, names, task_transaction

logger = logging.getLogger(__name__)

SMS_TYPE = "sms"
EMAIL_TYPE = "email"

#: recipients whose simulated receipt is a failure; any other is delivered
SIMULATED_SMS_FAILURES = {
    "7700900003": TEMPORARY_FAILURE,
    "7700900002": PERMANENT_FAILURE,
}
SIMULATED_EMAIL_FAILURES = {
    "temp-fail@simulator.notify": TEMPORARY_FAILURE,
    "perm-fail@simulator.notify": PERMANENT_FAILURE,
}


def simulated_status(notification_type: str, recipient: str) -> str:
    """Return the receipt status a test key's notification gets."""
    if notification_type == SMS_TYPE:
        digits = "".join(c for c in recipient if c.isdigit())
        for ending, status in SIMULATED_SMS_FAILURES.items():
            if digits.endswith(ending):
                return status
        return DELIVERED
    return SIMULATED_EMAIL_FAILURES.get(recipient.strip().lower(), DELIVERED)


def _providers(registry, notification_type: str) -> list:
    providers = registry["providers"]
    if notification_type == SMS_TYPE:
        return providers.sms.ordered()
    return [providers.email]


def _provider_named(registry, notification_type: str, name: str):
    providers = registry["providers"]
    if notification_type == SMS_TYPE:
        return providers.sms.get(name)
    email = providers.email
    return email if email.name == name else None


def _record_error(registry, notification_type: str, client) -> None:
    if notification_type == SMS_TYPE:
        registry["providers"].sms.health.record_error(client.name)


def _build_message(session, notification, registry) -> Sms | Email:
    service = session.get(Service, notification.service_id)
    content = notification_content(
        session, notification, registry["encryptor"]
    )
    reference = str(notification.id)
    if notification.notification_type == SMS_TYPE:
        return Sms(
            reference=reference,
            to=notification.normalised_to or notification.to,
            body=content.body,
            sender=service.sms_sender,
            international=notification.international,
        )
    domain = registry.settings["email.from_domain"]
    return Email(
        reference=reference,
        to=notification.normalised_to or notification.to,
        subject=content.subject or "",
        body=content.body,
        from_address=f"{service.email_from}@{domain}",
        from_name=service.name,
    )


def _send(client, message: Sms | Email) -> None:
    if isinstance(message, Sms):
        client.send_sms(message)
    else:
        client.send_email(message)


def _parse_id(notification_id: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(notification_id))
    except ValueError:
        logger.error(
            "Task given an invalid notification id",
            extra={"notification_id": notification_id},
        )
        return None


def deliver(task, notification_id: str, notification_type: str) -> None:
    """Hand a ``created`` notification to a provider, at most once.

    ``task`` is the bound Celery task, retried when no provider takes the
    notification.
    """
    nid = _parse_id(notification_id)
    if nid is None:
        return
    registry = celery_app.registry
    settings = registry.settings
    extra = {"notification_id": notification_id}
    clients = _providers(registry, notification_type)

    with task_transaction(registry) as session:
        notification = dao_fetch_notification(session, nid)
        if notification is None:
            logger.warning("Notification to deliver not found", extra=extra)
            return
        if notification.notification_type != notification_type:
            logger.error("Notification queued on the wrong task", extra=extra)
            return
        if notification.status != CREATED:
            logger.info(
                "Notification already handed off",
                extra={**extra, "status": notification.status},
            )
            return
        is_test = notification.key_type == KEY_TYPE_TEST
        message = None
        if not is_test:
            try:
                message = _build_message(session, notification, registry)
            except Exception:
                logger.exception("Could not render notification", extra=extra)
                message = None
    if message is None and not is_test:
        with task_transaction(registry) as session:
            dao_fail_unsent_notification(session, nid, utcnow())
        return

    # committed before any provider is called: a duplicate task or a
    # second worker finds the notification no longer "created"
    with task_transaction(registry) as session:
        claimed = dao_claim_notification(
            session, nid, clients[0].name, utcnow()
        )
    if not claimed:
        logger.info("Notification claimed by another task", extra=extra)
        return

    if is_test:
        simulate_receipt.apply_async(args=[notification_id])
        return

    previous = clients[0]
    for client in clients:
        if client is not previous:
            with task_transaction(registry) as session:
                switched = dao_switch_provider(
                    session, nid, previous.name, client.name, utcnow()
                )
            if not switched:
                logger.warning(
                    "Notification changed during hand-off", extra=extra
                )
                return
            previous = client
        try:
            _send(client, message)
        except ProviderTimeout:
            _record_error(registry, notification_type, client)
            check_sending.apply_async(
                args=[notification_id, client.name, 1],
                countdown=settings["delivery.grace_period_seconds"],
            )
            return
        except ProviderError:
            _record_error(registry, notification_type, client)
            continue
        logger.info(
            "Notification handed to provider",
            extra={**extra, "provider": client.name},
        )
        return

    # no provider took it, so nothing was sent: it can wait for a retry
    with task_transaction(registry) as session:
        released = dao_release_claim(session, nid, previous.name, utcnow())
    if not released:
        logger.warning("Notification changed during hand-off", extra=extra)
        return
    retries = task.request.retries or 0
    if retries + 1 >= settings["delivery.max_attempts"]:
        with task_transaction(registry) as session:
            dao_fail_unsent_notification(session, nid, utcnow())
        logger.error("No provider took the notification", extra=extra)
        return
    countdown = settings["delivery.retry_backoff_seconds"] * 2**retries
    logger.warning(
        "No provider took the notification; retrying",
        extra={**extra, "countdown": countdown},
    )
    raise task.retry(countdown=countdown, max_retries=None)


@celery_app.task(name=names.DELIVER_SMS, bind=True)
@statsd(namespace="tasks")
def deliver_sms(self, notification_id: str) -> None:
    """Hand a text message to the first SMS provider that takes it."""
    deliver(self, notification_id, SMS_TYPE)


@celery_app.task(name=names.DELIVER_EMAIL, bind=True)
@statsd(namespace="tasks")
def deliver_email(self, notification_id: str) -> None:
    """Hand an email to the email provider."""
    deliver(self, notification_id, EMAIL_TYPE)


@celery_app.task(name=names.CHECK_SENDING, bind=True)
@statsd(namespace="tasks")
def check_sending(self, notification_id: str, provider: str, attempt: int):
    """Hand an unanswered notification to ``provider`` again, if need be.

    Does nothing when a receipt has arrived (the notification is no
    longer ``sending`` with ``provider``). Runs when the grace period after
    the hand-off is over; run earlier, it waits for the rest of it.
    """
    nid = _parse_id(notification_id)
    if nid is None:
        return
    registry = celery_app.registry
    settings = registry.settings
    grace = datetime.timedelta(
        seconds=settings["delivery.grace_period_seconds"]
    )
    extra = {"notification_id": notification_id, "provider": provider}

    with task_transaction(registry) as session:
        notification = dao_fetch_notification(session, nid)
        if (
            notification is None
            or notification.status != SENDING
            or notification.sent_by != provider
        ):
            logger.info("Receipt arrived: no second hand-off", extra=extra)
            return
        now = utcnow()
        due = notification.sent_at + grace
        if now < due:
            if self.request.is_eager:
                # delayed tasks need a worker: in-process, nothing waits
                logger.info("Second hand-off needs a worker", extra=extra)
            else:
                self.apply_async(
                    args=[notification_id, provider, attempt],
                    countdown=(due - now).total_seconds() + 1,
                )
            return
        notification_type = notification.notification_type
        message = _build_message(session, notification, registry)

    client = _provider_named(registry, notification_type, provider)
    if client is None:
        logger.error("Provider no longer configured", extra=extra)
        return

    with task_transaction(registry) as session:
        now = utcnow()
        claimed = dao_claim_resend(session, nid, provider, now - grace, now)
    if not claimed:
        logger.info("Second hand-off claimed by another task", extra=extra)
        return

    logger.warning("No receipt after the grace period: resending", extra=extra)
    try:
        _send(client, message)
    except (ProviderTimeout, ProviderError):
        _record_error(registry, notification_type, client)
        if attempt + 1 >= settings["delivery.max_attempts"]:
            # a receipt may still come; if not, the timeout sweep ends it
            logger.warning("Giving up handing off again", extra=extra)
            return
        check_sending.apply_async(
            args=[notification_id, provider, attempt + 1],
            countdown=settings["delivery.grace_period_seconds"],
        )
        return
    logger.info("Notification handed to provider again", extra=extra)


@celery_app.task(name=names.SIMULATE_RECEIPT)
@statsd(namespace="tasks")
def simulate_receipt(notification_id: str) -> None:
    """Apply the receipt a test key's notification gets, by recipient.

    Goes through the same receipt processing as providers' callbacks.
    """
    from ..receipts.process import apply_receipt

    nid = _parse_id(notification_id)
    if nid is None:
        return
    with task_transaction() as session:
        notification = dao_fetch_notification(session, nid)
        if notification is None:
            logger.warning(
                "Notification to simulate not found",
                extra={"notification_id": notification_id},
            )
            return
        status = simulated_status(
            notification.notification_type, notification.to
        )
        apply_receipt(session, notification.sent_by, nid, status)
