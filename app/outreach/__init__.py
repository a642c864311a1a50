"""Outreach: the messages the delinquency ladder's steps call for, drafted, approved and sent.

`drafts` makes one draft per fired message step (reminder, second notice, formal notice) from the
templates in `templates/`; `sending` sends what may go now (the property's rollout mode, quiet hours, the
opt-out registry, do-not-contact and readiness re-checked just before each send) and records every
attempt; `approvals` is staff approving, editing or rejecting a draft, audited with who decided.
"""
