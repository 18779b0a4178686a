"""Q&A sessions kept between requests, so a follow-up question ("and in 2023?") keeps its context.

A session belongs to one enterprise and one caller; the newest MAX_SESSIONS are kept. A session
is dropped when its enterprise gets new documents or a new profile, because it caches both.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from eprof.agent.qa import Mode
from eprof.workflows.qa_session import QASession
from eprof.kernel.config import Settings
from eprof.retrieval.search import Searcher
from eprof.risk.artifact import ScorecardModel
from eprof.risk.policy import Policy

MAX_SESSIONS = 64


@dataclass
class Conversation:
    session_id: str
    owner: str
    session: QASession
    lock: threading.Lock = field(default_factory=threading.Lock)
    """One question at a time per session: QASession keeps the turns in order."""


class Sessions:
    def __init__(self, settings: Settings, searcher: Searcher, model: ScorecardModel, policy: Policy):
        self.settings, self.searcher, self.model, self.policy = settings, searcher, model, policy
        self._lock = threading.Lock()
        self._open: OrderedDict[str, Conversation] = OrderedDict()

    def get_or_open(self, enterprise_id: str, owner: str, session_id: str | None, mode: Mode | None) -> Conversation:
        """The caller's session for this enterprise, or a new one (an unknown id starts afresh)."""
        with self._lock:
            found = self._open.get(session_id or "")
            if found and found.owner == owner and found.session.enterprise_id == enterprise_id and mode in (None, found.session.mode):
                self._open.move_to_end(found.session_id)
                return found
        opened = Conversation(secrets.token_urlsafe(12), owner, QASession(
            self.settings, enterprise_id, mode, searcher=self.searcher, model=self.model, policy=self.policy))
        with self._lock:
            self._open[opened.session_id] = opened
            while len(self._open) > MAX_SESSIONS:
                self._open.popitem(last=False)
        return opened

    def forget(self, enterprise_id: str) -> None:
        with self._lock:
            for key in [k for k, c in self._open.items() if c.session.enterprise_id == enterprise_id]:
                del self._open[key]
