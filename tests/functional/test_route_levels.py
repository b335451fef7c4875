"""Every view of the real app declares one of the three auth levels."""

from pyramid.security import NO_PERMISSION_REQUIRED

from notify_pyramid.security import ADMIN, SERVICE

LEVELS = {NO_PERMISSION_REQUIRED, SERVICE, ADMIN}


def route_views(app):
    """Yield ``(route name, view name, permission)`` as proutes sees them."""
    introspector = app.registry.introspector
    for route in introspector.get_category("routes"):
        for related in route["related"]:
            if related.category_name != "views":
                continue
            view = related
            permissions = [
                p["value"]
                for p in introspector.related(view)
                if p.category_name == "permissions"
            ]
            yield (
                route["introspectable"]["name"],
                getattr(view["callable"], "__name__", repr(view["callable"])),
                permissions[0] if permissions else None,
            )


def test_every_routed_view_declares_an_auth_level(app):
    views = list(route_views(app))
    assert views, "the app registered no routed views"
    undeclared = [
        (route, view, permission)
        for route, view, permission in views
        if permission not in LEVELS
    ]
    assert undeclared == []


def test_every_route_has_a_view(app):
    introspector = app.registry.introspector
    viewless = [
        route["introspectable"]["name"]
        for route in introspector.get_category("routes")
        if not any(r.category_name == "views" for r in route["related"])
    ]
    assert viewless == []


def test_status_is_public(app):
    assert ("status", "get_status", NO_PERMISSION_REQUIRED) in list(
        route_views(app)
    )


def test_the_walk_finds_a_view_that_declares_nothing(app_settings, dbengine):
    from tests.functional.test_security import make_probe_app

    probe = make_probe_app({**app_settings, "dbengine": dbengine})
    found = {route: permission for route, _, permission in route_views(probe)}
    assert found["forgotten.probe"] is None
    assert found["v2.probe"] == SERVICE
    assert found["admin.probe"] == ADMIN
