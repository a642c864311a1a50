"""Collections: readiness and the delinquency ladder (issue #12, points 3 and 4).

- `config`: the ladder's settings, defaults and per-property overrides.
- `position`: where an account stands against a period's rent in cleared money (pure).
- `facts`: everything readiness and the ladder decide on, gathered at the edge (`AccountFacts`).
- `readiness`: the eight classes, with reasons and a documented precedence (pure).
- `ladder`: the steps of a period on two clocks, and whether each fires today (pure).
- `notice_rules`: each state's formal-notice rules; `notices`: templates to PDF.
- `run`: `run_collections`, one idempotent day of the ladder; `holds`: staff holds and blocks.
- `views`: readiness and what changed, the steps fired, the legal queue (for staff and outreach).
- `simulate`: a month of the demo portfolio replayed in a throwaway database, with its figures.
"""

from app.collections.readiness import Readiness, classify_readiness
from app.collections.run import run_collections

__all__ = ["Readiness", "classify_readiness", "run_collections"]
