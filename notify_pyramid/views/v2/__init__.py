"""The v2 public API, compatible with GOV.UK Notify's clients."""
