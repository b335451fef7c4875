"""The domain: the rules a notification must pass to be sent."""
