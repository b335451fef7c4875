"""The baselines the API's rates are set beside, served by waitress.

``main``, the hello-world the API's rates are divided by, shows what
Pyramid and waitress cost on their own: one route, one view, a JSON
renderer, no tweens and no database.

``floor_main`` shows the least a request that touches the database can
cost on the stack the API is built on, with none of the API's own work
(no authentication, parsing, validation, logging or metrics):

- ``GET /transaction``: ``pyramid_tm`` and ``pyramid_retry`` around the
  view, a SQLAlchemy session joined to the request's transaction by
  zope.sqlalchemy, one ``SELECT 1`` through it, and the commit: the
  shape of a send, whose one INSERT commits with the request;
- ``GET /statement``: one ``SELECT 1`` on a pooled connection in
  autocommit mode, outside any transaction: the shape of a receipt.
"""

import sqlalchemy
from pyramid.config import Configurator
from sqlalchemy.orm import sessionmaker
from zope.sqlalchemy import register

SELECT_ONE = sqlalchemy.text("SELECT 1")


def hello(request):
    return {"hello": "world"}


def main(global_config, **settings):
    with Configurator(settings=settings) as config:
        config.add_route("hello", "/")
        config.add_view(hello, route_name="hello", renderer="json")
    return config.make_wsgi_app()


def in_transaction(request):
    request.dbsession.execute(SELECT_ONE).scalar()
    return {"result": "success"}


def one_statement(request):
    with request.registry["autocommit"].connect() as connection:
        connection.execute(SELECT_ONE).scalar()
    return {"result": "success"}


def floor_main(global_config, **settings):
    settings = {
        **settings,
        "tm.manager_hook": "pyramid_tm.explicit_manager",
        "tm.annotate_user": "false",
    }
    url = settings["sqlalchemy.url"]
    engine = sqlalchemy.create_engine(url)
    factory = sessionmaker(bind=engine)
    with Configurator(settings=settings) as config:
        config.include("pyramid_tm")
        config.include("pyramid_retry")
        config.registry["autocommit"] = sqlalchemy.create_engine(
            url, isolation_level="AUTOCOMMIT"
        )

        def dbsession(request):
            session = factory()
            # as the API's sessions do, so that the request commits
            register(
                session,
                initial_state="changed",
                transaction_manager=request.tm,
            )
            return session

        config.add_request_method(dbsession, reify=True)
        config.add_route("transaction", "/transaction")
        config.add_view(
            in_transaction, route_name="transaction", renderer="json"
        )
        config.add_route("statement", "/statement")
        config.add_view(one_statement, route_name="statement", renderer="json")
    return config.make_wsgi_app()
