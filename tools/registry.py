"""Every tool the assistant may call, with its argument and result models, in one place.

Planners see names, descriptions and argument schemas. The graph runs a tool with the conversation's
`ResidentContext`, which no planner can write: identity and scope stay below the model.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from pydantic import BaseModel

from tools.context import ResidentContext
from tools.escalation import EscalateArgs, escalate
from tools.lease import LeaseTermsArgs, get_lease_terms
from tools.ledger import (
    ActivityArgs,
    ExplainChargeArgs,
    NextDueArgs,
    NoArgs,
    PaymentStatusArgs,
    explain_charge,
    get_balance,
    get_deposit,
    get_next_due,
    get_payment_status,
    get_recent_activity,
)
from tools.plans import ProposePlanArgs, propose_payment_plan
from tools.policies import SearchPoliciesArgs, search_policies
from tools.results import ToolResult


@dataclass(frozen=True)
class ToolSpec:
    name: str
    args: type[BaseModel]
    run: Callable[[ResidentContext, Any], ToolResult]

    @cached_property
    def result(self) -> type[ToolResult]:
        """The result model, read from the function's return annotation (once: answers re-read results)."""
        returned = inspect.signature(self.run, eval_str=True).return_annotation
        assert isinstance(returned, type) and issubclass(returned, ToolResult)
        return returned

    @property
    def description(self) -> str:
        return inspect.cleandoc(self.run.__doc__ or "")

    def call(self, ctx: ResidentContext, arguments: dict[str, Any]) -> ToolResult:
        """Validate the planner's arguments and run the tool for the conversation's resident."""
        return self.run(ctx, self.args.model_validate(arguments))

    def openai_schema(self) -> dict[str, Any]:
        schema = self.args.model_json_schema()
        schema.pop("title", None)
        schema.pop("description", None)
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": schema},
        }


TOOLS: dict[str, ToolSpec] = {
    spec.name: spec
    for spec in (
        ToolSpec("get_balance", NoArgs, get_balance),
        ToolSpec("get_recent_activity", ActivityArgs, get_recent_activity),
        ToolSpec("get_next_due", NextDueArgs, get_next_due),
        ToolSpec("get_lease_terms", LeaseTermsArgs, get_lease_terms),
        ToolSpec("explain_charge", ExplainChargeArgs, explain_charge),
        ToolSpec("get_payment_status", PaymentStatusArgs, get_payment_status),
        ToolSpec("get_deposit", NoArgs, get_deposit),
        ToolSpec("search_policies", SearchPoliciesArgs, search_policies),
        ToolSpec("propose_payment_plan", ProposePlanArgs, propose_payment_plan),
        ToolSpec("escalate", EscalateArgs, escalate),
    )
}
