"""The analyst workbench over HTTP: the financial spread, the credit memo download, the portfolio
and its watch-list (what `eprof profile`, `eprof memo` and `eprof portfolio` give)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Response

from eprof.workflows.memo import build_memo, render
from eprof.agent.profile import load_profile
from eprof.agent.spread import Spread, build_spread
from eprof.kernel.contract import Contract
from eprof.workflows.portfolio import PortfolioRow, portfolio, set_watched
from eprof.service.deps import ERRORS, EnterpriseId, Reader, ServiceDep, Writer
from eprof.risk.run import decide_profile

router = APIRouter(prefix="/api", tags=["workbench"], responses=ERRORS)
MEDIA = {"pdf": "application/pdf", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "md": "text/markdown; charset=utf-8"}


class Watch(Contract):
    watched: bool


@router.get("/enterprises/{enterprise_id}/spread", response_model=Spread)
def get_spread(enterprise_id: EnterpriseId, service: ServiceDep, _: Reader) -> Spread:
    """Every year the saved profile's figures give, key lines and ratios, year-on-year change."""
    return build_spread(load_profile(service.settings, enterprise_id))


@router.get("/enterprises/{enterprise_id}/memo", response_class=Response)
def get_memo(enterprise_id: EnterpriseId, service: ServiceDep, _: Reader,
             format: Literal["pdf", "xlsx", "md"] = Query("pdf")) -> Response:  # noqa: A002 - the query parameter's name
    """The credit memo of the saved profile and the service's decision, as a file."""
    profile = load_profile(service.settings, enterprise_id)
    record = decide_profile(profile, service.model, service.policy)
    body = render(build_memo(profile, record), format)
    name = f"{enterprise_id}-memo.{format}"
    return Response(body, media_type=MEDIA[format], headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/portfolio", response_model=list[PortfolioRow])
def get_portfolio(service: ServiceDep, _: Reader) -> list[PortfolioRow]:
    """Every enterprise with grade, PD, decision, limit, red flags, last document and watch mark."""
    return portfolio(service.settings, service.searcher.store.enterprises(), service.model, service.policy)


@router.put("/portfolio/watch/{enterprise_id}", response_model=list[str])
def put_watch(enterprise_id: EnterpriseId, body: Watch, service: ServiceDep, _: Writer) -> list[str]:
    """Mark or unmark one enterprise on the watch-list; returns the list."""
    return sorted(set_watched(service.settings, enterprise_id, body.watched))
