"""Delivery receipts from SMS providers: parsing, mapping, applying.

Each provider module turns a receipt body into a :class:`~.process.Receipt`
carrying the status in this service's words; :mod:`.process` applies it
to the notification as a compare-and-set, so that receipts delivered more
than once or out of order move a status forward or not at all.
"""
