"""Versioned prompt files and their loader.

A prompt lives at `prompts/<task>/v<N>.md`: front matter between `---` lines, then the body.
The front matter is flat `key: value` lines (lists as `[a, b]`):

    id, version, model (optional default), temperature, response_schema, variables, changelog

The body is split into chat messages by lines that read exactly `## system`, `## user` or
`## assistant`. Placeholders are `{{ name }}`; single braces are literal, so JSON examples need
no escaping. Substitution is one pass: a value that itself contains `{{ x }}` (say, a document
quoting a template) is inserted as is and never expanded.

A released version (listed in `released.json` with its sha256) is never edited; a change is a
new file `v<N+1>.md`. `tests/test_prompts.py` fails if a released file's bytes change.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from eprof.kernel.errors import EprofError
from eprof.kernel.validation import first_error

__all__ = [
    "PROMPTS_DIR",
    "ChatMessage",
    "Passage",
    "Prompt",
    "PromptError",
    "format_documents",
    "load_prompt",
    "released_hashes",
]

PROMPTS_DIR = Path(__file__).resolve().parent
_REF = re.compile(r"^(?P<task>[a-z][a-z0-9_]*)@v(?P<version>[1-9]\d*)$")
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_ROLE_LINE = re.compile(r"^## (system|user|assistant)[ \t]*$", re.MULTILINE)


class PromptError(EprofError):
    """A prompt that cannot be found, parsed or rendered; the message names the culprit."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ChatMessage(_Frozen):
    role: Literal["system", "user", "assistant"]
    content: str


class PromptMeta(_Frozen):
    """The front matter, validated; unknown keys are an error so typos cannot pass silently."""

    id: str
    version: int = Field(ge=1)
    model: str | None = None
    temperature: float = Field(ge=0, le=2)
    response_schema: str = Field(description="class name of the pydantic model the reply must match")
    variables: tuple[str, ...]
    changelog: str


class Prompt(PromptMeta):
    hash: str = Field(description='"sha256:" + hex digest of the file bytes')
    template: str = Field(description="the body after the front matter")

    @property
    def ref(self) -> str:
        return f"{self.id}@v{self.version}"

    def render(self, **variables: str) -> list[ChatMessage]:
        """Fill the template; a missing, extra or non-string variable raises PromptError naming it."""
        expected = set(self.variables)
        missing = sorted(expected - variables.keys())
        extra = sorted(variables.keys() - expected)
        if missing:
            raise PromptError(f"{self.ref}: missing variable(s) {', '.join(missing)}")
        if extra:
            raise PromptError(
                f"{self.ref}: unexpected variable(s) {', '.join(extra)}; expected {', '.join(self.variables)}"
            )
        for name, value in variables.items():
            if not isinstance(value, str):
                raise PromptError(f"{self.ref}: variable {name} must be str; got {type(value).__name__}")

        def fill(match: re.Match[str]) -> str:
            return variables[match.group(1)]

        return [ChatMessage(role=role, content=_PLACEHOLDER.sub(fill, body)) for role, body in _sections(self.template)]


class Passage(_Frozen):
    """One retrieved chunk as the model sees it."""

    chunk_id: str
    source: str
    page: int = Field(ge=1)
    text: str


def format_documents(passages: Iterable[Passage]) -> str:
    """Wrap passages as data: one `<document>` element each, with chunk id, source and page.

    A passage cannot close the wrapper early: `</document` inside its text is written as
    `<\\/document`, which the prompt tells the model to read as a manipulation attempt anyway.
    """
    parts = []
    for p in passages:
        text = re.sub(r"</(document)", r"<\\/\1", p.text, flags=re.IGNORECASE)
        attrs = f'chunk_id="{_attr(p.chunk_id)}" source="{_attr(p.source)}" page="{p.page}"'
        parts.append(f"<document {attrs}>\n{text}\n</document>")
    return "<documents>\n" + "\n".join(parts) + "\n</documents>"


def _attr(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def load_prompt(ref: str, *, root: Path = PROMPTS_DIR) -> Prompt:
    """Load `task@vN` from `<root>/<task>/v<N>.md`; an unknown name or version lists what exists."""
    match = _REF.match(ref)
    if not match:
        raise PromptError(f"prompt reference must look like 'profile@v1'; got {ref!r}")
    task, version = match["task"], int(match["version"])
    path = root / task / f"v{version}.md"
    if not path.is_file():
        available = _available(root, task)
        listed = ", ".join(available) if available else "none"
        raise PromptError(f"no prompt {ref}; available: {listed}")
    return _parse(path.read_bytes(), task=task, version=version, where=str(path))


def released_hashes(root: Path = PROMPTS_DIR) -> dict[str, str]:
    """The immutable versions: `task@vN` -> "sha256:..." from `released.json`."""
    return json.loads((root / "released.json").read_text(encoding="utf-8"))


def _available(root: Path, task: str) -> list[str]:
    """All refs for `task`, or for every task when `task` has no folder."""
    folders = [root / task] if (root / task).is_dir() else sorted(p for p in root.iterdir() if p.is_dir())
    refs = []
    for folder in folders:
        versions = sorted(int(f.stem[1:]) for f in folder.glob("v*.md") if f.stem[1:].isdigit())
        refs.extend(f"{folder.name}@v{v}" for v in versions)
    return refs


def _parse(data: bytes, *, task: str, version: int, where: str) -> Prompt:
    text = data.decode("utf-8")
    parts = re.split(r"^---[ \t]*$\n?", text, maxsplit=2, flags=re.MULTILINE)
    if len(parts) != 3 or parts[0].strip():
        raise PromptError(f"{where}: must start with front matter between '---' lines")
    try:
        meta = PromptMeta(**_front_matter(parts[1], where))
    except ValidationError as exc:
        raise PromptError(f"{where}: front matter {first_error(exc)}") from exc
    if (meta.id, meta.version) != (task, version):
        raise PromptError(f"{where}: front matter says {meta.id}@v{meta.version}; the path says {task}@v{version}")
    template = parts[2]
    if _ROLE_LINE.split(template)[0].strip():
        raise PromptError(f"{where}: text before the first '## system' / '## user' line")
    sections = _sections(template)
    if not any(role == "user" for role, _ in sections):
        raise PromptError(f"{where}: body needs a '## user' section")
    used = {name for _, body in sections for name in _PLACEHOLDER.findall(body)}
    if used != set(meta.variables):
        undeclared, unused = sorted(used - set(meta.variables)), sorted(set(meta.variables) - used)
        raise PromptError(f"{where}: variables list does not match the body; undeclared {undeclared}, unused {unused}")
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    return Prompt(**meta.model_dump(), hash=digest, template=template)


def _front_matter(block: str, where: str) -> dict[str, object]:
    fields: dict[str, object] = {}
    for number, line in enumerate(block.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise PromptError(f"{where}: front matter line {number} is not 'key: value': {line!r}")
        value = value.strip()
        if value.startswith("[") and value.endswith("]"):
            fields[key.strip()] = [v.strip() for v in value[1:-1].split(",") if v.strip()]
        else:
            fields[key.strip()] = value or None
    return fields


def _sections(template: str) -> list[tuple[str, str]]:
    """Split the body at `## role` lines into (role, text) pairs."""
    pieces = _ROLE_LINE.split(template)
    return [(role, body.strip("\n")) for role, body in zip(pieces[1::2], pieces[2::2], strict=True)]
