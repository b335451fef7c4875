"""The request class of the application."""

from pyramid.request import Request


class NotifyRequest(Request):
    """A Pyramid request that keeps bodies up to 1 MiB in memory.

    ``pyramid_retry`` copies each body so that a retried request can read
    it again; WebOb would spill any body over 10 KiB to a temporary file
    that nothing closes. API bodies are small, and the servers refuse
    anything over 1 MiB (waitress's ``max_request_body_size``).
    """

    request_body_tempfile_limit = 1024 * 1024


def includeme(config):
    config.set_request_factory(NotifyRequest)
