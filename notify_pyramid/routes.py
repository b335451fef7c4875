"""Every route of the API, by family.

Route names are dotted: the family, the resource, then the action. Views
attach to these names in ``views/``; each view declares its auth level.
"""

#: where SMS providers post delivery receipts; a receipt commits statement
#: by statement, outside any request transaction (``pyramid_tm`` begins
#: none for these paths)
MMG_RECEIPT_PATH = "/notifications/sms/mmg"
FIRETEXT_RECEIPT_PATH = "/notifications/sms/firetext"
RECEIPT_PATHS = frozenset({MMG_RECEIPT_PATH, FIRETEXT_RECEIPT_PATH})


def includeme(config):
    config.add_route("status", "/_status")

    # delivery receipts from SMS providers; route order matters: these
    # must stay before any /notifications/{notification_id} pattern
    config.add_route("receipts.mmg", MMG_RECEIPT_PATH)
    config.add_route("receipts.firetext", FIRETEXT_RECEIPT_PATH)

    # admin API: services, API keys, guest lists, templates, statistics
    service = "/service/{service_id}"
    for name, method, pattern in (
        ("admin.services.create", "POST", "/service"),
        ("admin.services.get", "GET", service),
        ("admin.services.update", "POST", service),
        ("admin.api_keys.create", "POST", service + "/api-key"),
        ("admin.api_keys.list", "GET", service + "/api-keys"),
        (
            "admin.api_keys.revoke",
            "POST",
            service + "/api-key/revoke/{key_id}",
        ),
        ("admin.guest_list.update", "POST", service + "/guest-list"),
        ("admin.templates.create", "POST", service + "/template"),
        ("admin.templates.get", "GET", service + "/template/{template_id}"),
        (
            "admin.templates.update",
            "POST",
            service + "/template/{template_id}",
        ),
        (
            "admin.statistics.notifications",
            "GET",
            service + "/notifications/statistics",
        ),
        ("admin.statistics.usage_daily", "GET", service + "/usage/daily"),
    ):
        config.add_route(name, pattern, request_method=method)

    # the public sending API: v2 (the official clients' API) and v1 send;
    # the POST-only routes let other methods fall through to the id routes
    config.add_route(
        "v2.notifications.sms", "/v2/notifications/sms", request_method="POST"
    )
    config.add_route(
        "v2.notifications.email",
        "/v2/notifications/email",
        request_method="POST",
    )
    config.add_route("v2.notifications.list", "/v2/notifications")
    config.add_route("v2.notifications.get", "/v2/notifications/{id}")
    config.add_route("v2.templates.list", "/v2/templates")
    config.add_route("v2.template.get", "/v2/template/{id}")
    config.add_route(
        "v2.template.version", "/v2/template/{id}/version/{version}"
    )
    config.add_route("v2.template.preview", "/v2/template/{id}/preview")
    config.add_route(
        "v1.notifications.sms", "/notifications/sms", request_method="POST"
    )
    config.add_route(
        "v1.notifications.email",
        "/notifications/email",
        request_method="POST",
    )
    config.add_route("v1.notifications.get", "/notifications/{id}")

    # the OpenAPI document of the public and receipt routes
    config.add_route("openapi", "/v2/openapi.json")
