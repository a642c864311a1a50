"""Alerts to staff in a Slack-compatible incoming webhook: an account entering the legal queue and an
escalation passing its SLA.

`detect` finds the events that have no alert yet and `messages` writes each one (pure: unit, property,
amount short as the ladder read it from the ledger, days late, a link to the inbox; no resident's name,
phone or email); `store` records it (`staff_alerts`, unique per event, so re-runs and other processes
never alert twice); `delivery` POSTs it with retries, backoff and a bounded timeout; `service` ties them
together for the commands, after their own work has committed, so an alert never blocks a run.
"""
