"""The domain: the rules of notifications, apart from HTTP and SQL."""
