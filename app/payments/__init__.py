"""Payments from the processor (Stripe): signed webhooks in, ledger lines out.

- `stripe_events`: reading a verified delivery into an `Observation` of one payment (pure).
- `state`: a payment as a state machine whose facts only grow, and the ledger lines they call for (pure).
- `matching`: which lease a payment belongs to (metadata, then the customer mapping).
- `ingest`: one delivery, in one transaction: the event id, the payment's new state, its ledger lines.
- `exceptions`: the queue of payments staff must look at (no lease found, chargebacks, conflicts).
"""
