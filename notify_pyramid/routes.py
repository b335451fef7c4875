"""Every route of the API, by family.

Route names are dotted: the family, the resource, then the action. Views
attach to these names in ``views/``; each view declares its auth level.
"""


def includeme(config):
    config.add_route("status", "/_status")

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
