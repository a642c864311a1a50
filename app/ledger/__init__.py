"""The ledger domain: pure functions over plain entries, and the service that posts them."""
