"""A Pyramid hello-world: the baseline the API's rates are divided by.

Served by waitress with the same settings as the API, it shows what
Pyramid and waitress cost on their own: one route, one view, a JSON
renderer, no tweens and no database.
"""

from pyramid.config import Configurator


def hello(request):
    return {"hello": "world"}


def main(global_config, **settings):
    with Configurator(settings=settings) as config:
        config.add_route("hello", "/")
        config.add_view(hello, route_name="hello", renderer="json")
    return config.make_wsgi_app()
