"""A labelled dataset for evaluation runs: loaded, checked and hashed.

The format is the generated corpus's (`eprof corpus generate`), and a bank can write its own
labelled cases in it:

    DIR/manifest.csv        enterprise_id,name,path,doc_type,published (paths relative to the CSV),
                            one row per document, as for `eprof ingest --manifest`
    DIR/truth/<id>.json     one EnterpriseTruth (evaluation/corpus/truth.py, truth/1) per enterprise
    DIR/docs/...            the documents (PDF, HTML, TXT, Markdown) the manifest names

Every document the truth lists and every citation in it (figure, red flag, decoy, party, Q&A
evidence) names a document by its file name (citations add a 1-based page). Nothing is guessed: a missing file, an enterprise with documents
but no truth (or the reverse), a truth that cites a document the manifest does not list, or an
invalid truth file stops the load with one line naming the culprit.

The hash covers the manifest, each truth file and each document (relative path and bytes), so two
runs with the same dataset hash saw the same inputs.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import Field, ValidationError

from eprof.kernel.contract import Contract
from eprof.kernel.errors import InputError, NotFoundError
from eprof.evaluation.corpus.truth import EnterpriseTruth
from eprof.evaluation.news_dataset import is_news_dataset, materialise
from eprof.retrieval.ingest import IngestJob, read_manifest
from eprof.kernel.validation import first_error

MANIFEST = "manifest.csv"
TRUTH_DIR = "truth"


class LabelledDataset(Contract):
    path: Path
    name: str
    sha256: str = Field(description='"sha256:" + digest over manifest, truth and documents')
    truths: list[EnterpriseTruth] = Field(description="one per enterprise, sorted by id")
    jobs: list[IngestJob] = Field(description="the manifest rows, paths resolved")


def load_dataset(path: Path) -> LabelledDataset:
    """Read and check DIR (see the module docstring), or a labelled news file (NEWS.jsonl,
    evaluation/news_dataset.py) written out as such a folder; InputError names the first problem."""
    path = Path(path)
    if is_news_dataset(path):
        path = materialise(path)
    if not path.is_dir():
        raise NotFoundError(f"dataset {path}: no such folder")
    manifest = path / MANIFEST
    if not manifest.is_file():
        raise InputError(f"dataset {path}: no {MANIFEST}; expected {MANIFEST} and {TRUTH_DIR}/<enterprise_id>.json")
    jobs, errors = read_manifest(manifest)
    if errors:
        raise InputError(f"dataset {path}: {MANIFEST} line {errors[0].line}: {errors[0].message}")
    if not jobs:
        raise InputError(f"dataset {path}: {MANIFEST} lists no documents")
    for job in jobs:
        if not job.path.is_file():
            shown = job.path.relative_to(path) if job.path.is_relative_to(path) else job.path
            raise InputError(f"dataset {path}: {MANIFEST} names {shown}, which does not exist")
    truth_files = sorted((path / TRUTH_DIR).glob("*.json"))
    if not truth_files:
        raise InputError(f"dataset {path}: no {TRUTH_DIR}/*.json; each enterprise needs its labelled truth")
    truths = [_read_truth(f) for f in truth_files]
    _check_coverage(path, jobs, truths)
    return LabelledDataset(path=path.resolve(), name=path.resolve().name, sha256=dataset_sha256(path, jobs, truth_files),
                           truths=sorted(truths, key=lambda t: t.enterprise_id), jobs=jobs)


def dataset_sha256(root: Path, jobs: list[IngestJob], truth_files: list[Path]) -> str:
    files = sorted({root / MANIFEST, *truth_files, *(j.path for j in jobs)})
    digest = hashlib.sha256()
    for f in files:
        name = f.relative_to(root).as_posix() if f.is_relative_to(root) else f.as_posix()
        digest.update(f"{name}\0{hashlib.sha256(f.read_bytes()).hexdigest()}\n".encode())
    return "sha256:" + digest.hexdigest()


def _read_truth(path: Path) -> EnterpriseTruth:
    where = f"{path.parent.name}/{path.name}"
    try:
        truth = EnterpriseTruth.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        raise InputError(f"{where}: {first_error(exc)} (see evaluation/corpus/truth.py)") from exc
    if truth.enterprise_id != path.stem:
        raise InputError(f"{where}: enterprise_id is {truth.enterprise_id!r}; the file name says {path.stem!r}")
    return truth


def _check_coverage(root: Path, jobs: list[IngestJob], truths: list[EnterpriseTruth]) -> None:
    documents: dict[str, set[str]] = {}
    for job in jobs:
        documents.setdefault(job.enterprise_id, set()).add(job.path.name)
    labelled = {t.enterprise_id for t in truths}
    if unlabelled := sorted(documents.keys() - labelled):
        raise InputError(f"dataset {root}: enterprises in {MANIFEST} without {TRUTH_DIR}/<id>.json: {', '.join(unlabelled)}")
    if undocumented := sorted(labelled - documents.keys()):
        raise InputError(f"dataset {root}: truth for enterprises with no documents in {MANIFEST}: {', '.join(undocumented)}")
    for truth in truths:
        cited = [*truth.documents, *truth.figures, *truth.flags, *truth.decoys, *truth.parties, *(q.evidence for q in truth.qa if q.evidence)]
        if unknown := sorted({c.source for c in cited} - documents[truth.enterprise_id]):
            raise InputError(f"{TRUTH_DIR}/{truth.enterprise_id}.json cites {', '.join(unknown)}, which {MANIFEST} does not list for {truth.enterprise_id}")
