"""The late-payment risk score: how likely a lease's next rent is to be late, and why.

A logistic regression over payment-history features that pure functions compute from the ledger
(`history`, `features`), fitted with a time-based split (earlier months train, the latest months are
held out) and kept as plain numbers in a JSON file under the data directory (`store`), so every score
can be taken apart into the features that drove it (`model`). Scoring and outreach use payment
behaviour only: nothing about who a resident is.

- `history`: a lease's months, each on time or late, from its ledger lines.
- `features`: what the model sees on a day, and each feature in plain words.
- `dataset`: one example per lease and due month, split by time.
- `model`: fitting, scoring, reasons; `evaluation`: AUC, Brier score, reliability by decile.
- `store`: the fitted model as JSON, keyed by the data and code that shaped it.
- `queries`, `service`: the database edge; `outreach`: pre-due reminders ordered by risk.
"""
