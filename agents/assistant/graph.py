"""The assistant graph. `build_graph(checkpointer=...)` compiles it; tests compile their own."""

from __future__ import annotations

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from agents.assistant import nodes
from agents.assistant.context import AssistantContext
from agents.assistant.state import AssistantState

AssistantGraph = CompiledStateGraph[AssistantState, AssistantContext, AssistantState, AssistantState]


def build_graph(checkpointer: BaseCheckpointSaver | None = None) -> AssistantGraph:
    graph = StateGraph(AssistantState, context_schema=AssistantContext)
    graph.add_node("guard", nodes.guard)
    graph.add_node("plan", nodes.plan)
    graph.add_node("act", nodes.act)
    graph.add_node("answer", nodes.answer)
    graph.add_node("escalate", nodes.escalate_turn)

    graph.add_edge(START, "guard")
    graph.add_conditional_edges("guard", nodes.after_guard)
    graph.add_conditional_edges("plan", nodes.after_plan)
    graph.add_conditional_edges("act", nodes.after_act)
    graph.add_conditional_edges("answer", nodes.after_answer)
    graph.add_edge("escalate", END)
    return graph.compile(checkpointer=checkpointer)
