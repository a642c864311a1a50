"""The manager digest: per property, what is owed and how old, fees posted, payment plans, escalations
against their SLA, and what to expect in the coming month.

`facts` queries plain facts out of the database; `build` turns them into the digest by pure functions;
`email` renders it as a plain-text and HTML email from the templates beside it; `service` puts them
together (`make_digest`, and `digest_json` for the inbox page).
"""
