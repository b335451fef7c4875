"""Console scripts; each takes the ini file as its first argument."""
