"""Profiles and decisions: what `eprof profile` and `eprof decide` do, over HTTP."""

from __future__ import annotations

from fastapi import APIRouter, Request

from eprof.agent.extractors import run_profile
from eprof.agent.profile import load_profile, profile_path, save_profile
from eprof.agent.schema import OperatingProfile
from eprof.agent.staleness import profile_staleness
from eprof.service.audit import note_versions
from eprof.service.deps import ERRORS, EnterpriseId, Reader, ServiceDep, Writer
from eprof.service.schema import ProfileRequest
from eprof.risk.run import DecisionRecord, decide_profile

router = APIRouter(prefix="/api/enterprises", tags=["profiles and decisions"], responses=ERRORS)


def _note_profile(request: Request, profile: OperatingProfile) -> None:
    note_versions(request, extractor=profile.extractor, prompt=profile.prompt, prompt_hash=profile.prompt_hash,
                  llm_model=profile.model, profile_schema=profile.schema_version)


@router.get("/{enterprise_id}/profile", response_model=OperatingProfile)
def get_profile(enterprise_id: EnterpriseId, request: Request, service: ServiceDep, _: Reader) -> OperatingProfile:
    """The saved, verified profile (404 until one was run)."""
    profile = load_profile(service.settings, enterprise_id)
    _note_profile(request, profile)
    return profile


@router.post("/{enterprise_id}/profile", response_model=OperatingProfile)
def run_profile_now(enterprise_id: EnterpriseId, body: ProfileRequest, request: Request, service: ServiceDep, _: Writer) -> OperatingProfile:
    """Extract, verify and save the profile now (offline, or through the configured LLM)."""
    profile = run_profile(service.settings, enterprise_id, body.extractor, body.prompt, searcher=service.searcher)
    save_profile(profile, profile_path(service.settings, enterprise_id))
    service.sessions.forget(enterprise_id)
    _note_profile(request, profile)
    return profile


@router.get("/{enterprise_id}/decision", response_model=DecisionRecord)
def get_decision(enterprise_id: EnterpriseId, request: Request, service: ServiceDep, _: Reader) -> DecisionRecord:
    """PD, grade, approve / refer / decline, knock-outs and reason codes with their evidence,
    from the saved profile, the service's risk model and its policy."""
    profile = load_profile(service.settings, enterprise_id)
    _note_profile(request, profile)
    record = decide_profile(profile, service.model, service.policy)
    record = record.model_copy(update={"staleness": profile_staleness(service.settings, enterprise_id, service.searcher.store.enterprise(enterprise_id))})
    note_versions(request, risk_model=record.decision.model_version, policy=record.decision.policy_version)
    return record
