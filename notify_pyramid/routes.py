"""Every route of the API, by family.

Route names are dotted: the family, the resource, then the action. Views
attach to these names in ``views/``; each view declares its auth level.
"""


def includeme(config):
    config.add_route("status", "/_status")

    # delivery receipts from SMS providers; route order matters: these
    # must stay before any /notifications/{notification_id} pattern
    config.add_route("receipts.mmg", "/notifications/sms/mmg")
    config.add_route("receipts.firetext", "/notifications/sms/firetext")
