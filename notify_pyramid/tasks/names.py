"""Task names: the contract between the API that queues and the worker."""

DELIVER_SMS = "deliver-sms"
DELIVER_EMAIL = "deliver-email"
SIMULATE_RECEIPT = "simulate-receipt"
TIMEOUT_NOTIFICATIONS = "timeout-notifications"
PURGE_NOTIFICATIONS = "purge-notifications"
CHECK_SENDING = "check-sending"
REQUEUE_CREATED = "requeue-created"
