"""The domain: templates, recipients, limits, persist-and-queue."""
