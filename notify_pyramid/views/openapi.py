"""The OpenAPI document of the public API, for anyone to read."""

import copy
import functools

from pyramid.security import NO_PERMISSION_REQUIRED
from pyramid.view import view_config

from ..openapi import build_document
from .urls import base_url


@functools.cache
def _document() -> dict:
    return build_document()


@view_config(
    route_name="openapi",
    request_method="GET",
    renderer="json",
    permission=NO_PERMISSION_REQUIRED,
)
def get_openapi(request):
    """Answer the OpenAPI 3.1 document, its server being this host."""
    document = copy.copy(_document())
    document["servers"] = [{"url": base_url(request)}]
    return document
