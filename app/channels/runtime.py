"""What the channels need for the life of the server process, built once and on first use.

The assistant (models, checkpointer, retriever) costs seconds to build, and most requests (the staff
API, health checks) never need it, so it is built when the first resident connects, on a worker
thread, and closed with the app. From then on the process also sweeps, once a minute, for messages a
stopped process stored but never answered (`app.channels.sweeper`), and, when a Slack-compatible
webhook is configured, raises and sends staff alerts (an escalation past its SLA; `app.alerts`): the
alerts table makes each one go once, however many processes sweep.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session, sessionmaker

from agents.assistant.runner import Accepted
from agents.plan_review.graph import ReviewGraph
from app.alerts.service import AlertReport, raise_and_send
from app.channels import sweeper
from app.channels.broker import Broker
from app.channels.chat import Answered, ChatService
from app.channels.limits import HELLO_TIMEOUT_SECONDS, ResidentLimits
from app.channels.sms import SmsService
from app.channels.sweeper import SWEEP_EVERY_SECONDS
from app.channels.turn_processes import TurnProcesses, turn_processes
from app.channels.turns import TurnRunner, turn_workers
from app.config import Settings
from app.deps import portfolio_today
from app.keys import chat_secret
from app.outreach.settings import SlackSettings

THREADS_PER_PROCESS = 3
"""Threads waiting on turns in worker processes, per worker: a worker finishing one turn finds the next
already queued. At 100 turns/s on two cores, one 30 s run each on a noisy host: 3 per worker, p95 120 ms;
2 per worker, p95 360 ms."""

_log = logging.getLogger(__name__)


class ChannelRuntime:
    def __init__(
        self,
        *,
        settings: Settings,
        sessions: sessionmaker[Session],
        broker: Broker,
        today: Callable[[], date] | None = None,
    ) -> None:
        """`today`: a clock of the caller's (tests, demos of a past day); None for the portfolio's own day,
        which worker processes can read for themselves (`app.deps.portfolio_today`)."""
        self.settings = settings
        self.sessions = sessions
        self.broker = broker
        self.today = today or (lambda: portfolio_today(settings))
        self._own_clock = today is not None
        self.limits = ResidentLimits()
        self.hello_timeout = HELLO_TIMEOUT_SECONDS
        self._stack = ExitStack()
        self._chat: tuple[ChatService, TurnRunner] | None = None
        self._sms: SmsService | None = None
        self._warming: asyncio.Task[tuple[ChatService, TurnRunner]] | None = None
        self._sweeping: asyncio.Task[None] | None = None
        self._building = asyncio.Lock()
        self.sweep_every = SWEEP_EVERY_SECONDS
        self.slack = SlackSettings()
        self.turn_processes: TurnProcesses | None = None

    async def chat(self) -> tuple[ChatService, TurnRunner]:
        """The chat service and its turn runner, built on first use."""
        if self._chat is None:
            async with self._building:
                if self._chat is None:
                    self._chat = await asyncio.to_thread(self._build_chat)
                    # The models, vocabularies and caches just loaded live as long as the process:
                    # moved out of the collector's sight, a full collection no longer walks millions
                    # of them (it took 200-560 ms here, a stall of every socket and turn).
                    gc.freeze()
                    self._sweeping = asyncio.create_task(self._sweep_forever(self._chat[1]))
        return self._chat

    def warm_up(self) -> None:
        """Build the assistant in the background now, rather than when the first resident connects."""
        self._warming = asyncio.create_task(self.chat())

    async def sms(self) -> SmsService:
        """The SMS bridge, around the same assistant as the chat."""
        if self._sms is None:
            service, _ = await self.chat()
            self._sms = SmsService(
                settings=self.settings, sessions=self.sessions, assistant=service.assistant
            )
        return self._sms

    async def review_graph(self) -> ReviewGraph | None:
        """The payment-plan review graph staff decisions resume (the assistant's)."""
        service, _ = await self.chat()
        return service.assistant.review_graph

    async def sweep_once(self, runner: TurnRunner) -> int:
        """Answer the messages a stopped process left unanswered (`app.channels.sweeper`); how many."""
        claimed = await runner.run_blocking(lambda: sweeper.sweep(self.sessions))
        for accepted in claimed:
            _log.warning(
                "answering message %s of conversation %s, left unanswered by a stopped process",
                accepted.seq,
                accepted.conversation_id,
            )
            runner.submit(accepted)
        return len(claimed)

    async def alert_once(self) -> AlertReport | None:
        """Raise and send staff alerts (`app.alerts`), or None when no webhook is configured."""
        if not self.slack.configured:
            return None
        report = await asyncio.to_thread(
            raise_and_send,
            self.sessions,
            self.slack,
            now=datetime.now(UTC),
            public_url=self.settings.DOORSTEP_PUBLIC_URL,
        )
        if line := report.summary():
            _log.info("%s", line)
        return report

    async def _sweep_forever(self, runner: TurnRunner) -> None:
        while True:
            try:
                await self.sweep_once(runner)
            except Exception:  # the database may be briefly away; the next sweep tries again
                _log.exception("sweeping unanswered messages failed")
            await self.alert_once()  # never raises: a failure is logged and tried again next time
            await asyncio.sleep(self.sweep_every)

    def _build_chat(self) -> tuple[ChatService, TurnRunner]:
        from agents.assistant.factory import open_assistant

        assistant = self._stack.enter_context(open_assistant(self.settings, self.sessions, today=self.today))
        pool = self.turn_processes = self._start_turn_processes(assistant.planner.name)
        service = ChatService(
            sessions=self.sessions,
            assistant=assistant,
            secret=chat_secret(self.settings),
            documents_dir=self.settings.documents_dir,
            read_ahead=pool is None,  # a worker reads the message itself
        )
        answer: Callable[[Accepted], Answered] = service.answer
        workers = turn_workers(self.settings.DOORSTEP_TURN_WORKERS, assistant.planner.name)
        if pool is not None:
            # A thread per turn in flight waits on the pool, so a few more than the workers keep every
            # worker busy while the server stores the next message and publishes the last reply.
            answer, workers = pool.answer, pool.processes * THREADS_PER_PROCESS
        runner = TurnRunner(answer, broker=self.broker, workers=workers)
        self._stack.callback(runner.close)
        return service, runner

    def _start_turn_processes(self, planner: str) -> TurnProcesses | None:
        """The worker processes that answer turns, started; None to answer on this process's threads
        (none configured, or they could not start: residents are answered either way)."""
        if self._own_clock:  # a caller's clock cannot cross to another process
            return None
        processes = turn_processes(
            self.settings.DOORSTEP_TURN_PROCESSES,
            planner=planner,
            environment=self.settings.ENVIRONMENT,
            cores=os.cpu_count(),
        )
        if not processes:
            return None
        pool = TurnProcesses(self.settings, processes, sessions=self.sessions)
        try:
            started = pool.start()
        except Exception:
            _log.exception("the turn worker processes did not start: answering turns on threads")
            pool.close()
            return None
        self._stack.callback(pool.close)
        _log.info("chat turns answered by %d worker processes (%s)", processes, started)
        return pool

    async def close(self) -> None:
        if self._sweeping is not None:
            self._sweeping.cancel()
            await asyncio.gather(self._sweeping, return_exceptions=True)
        if self._warming is not None:
            await asyncio.gather(self._warming, return_exceptions=True)
        if self._chat is not None:
            await self._chat[1].drain()
        self._stack.close()
