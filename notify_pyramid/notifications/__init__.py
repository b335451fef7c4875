"""The domain of sending: templates, recipients, persist-and-queue.

Views call into this package; it never reads the request, and it reads
and writes rows only through ``notify_pyramid.dao``.
"""
