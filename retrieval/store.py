"""Chroma, one collection per enterprise, and a commit record that makes ingestion atomic.

Isolation by construction: each enterprise has its own collection (named from a hash of its
id), so a query physically cannot reach another enterprise's vectors.

Atomicity: Chroma has no transactions, so a document is written in three steps.
  1. stage    record the document's id as `pending` in the collection metadata, then upsert the
              new chunks (their ids include the file's sha256, so they never overwrite the live
              version);
  2. publish  rewrite the collection metadata, whose `documents` entry lists the live sha256 of
              every document: this single call is the commit point;
  3. clean    delete chunks of that document (and of the one it replaces) whose sha256 is no
              longer live.
Search only ever reads chunks whose sha256 is live, so a crash between steps leaves the previous
version visible and some unreachable chunks, of a document still listed as pending: the next
stage or publish for that enterprise removes them. Every step names the document ids it touches,
so its cost does not grow with the enterprise's other documents (a store-wide sweep per publish
made per-file ingest time grow from 0.37 to 0.9 s over hundreds of documents).

Handles: `enterprise()` and `publish()` always read the collection (and so the commit record)
afresh; the reads that take an `EnterpriseInfo` reuse the handle that read it, since eprof never
deletes a collection and the handle is only its id. That saves a lookup per read (an HTTP round
trip over a Chroma server).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlparse

import numpy as np

from eprof.kernel.config import Settings
from eprof.kernel.errors import StoreError
from eprof.retrieval.chunking import SHA_PREFIX
from eprof.retrieval.locks import generation, new_generation, store_lock
from eprof.retrieval.schema import Chunk, DocumentInfo, DocType, EnterpriseInfo

PREFIX = "ent-"
WRITE_BATCH = 1000
READ_PAGE = 5000
# Chroma keeps records in its write-ahead log until the collection's vector index has been saved,
# which by default happens every 1000 records: a typical enterprise (tens of chunks) never gets
# there, the log grows with the whole store, and the first read of any collection in a process
# replays it (about 60 ms per enterprise at 200 enterprises, growing). Saving every 10 records
# keeps the log short; bulk writes of 1000 cost the same as before (measured).
HNSW_SYNC_THRESHOLD = 10
READ_TRIES = 3
"""Reads of an enterprise whose documents keep being replaced under them before one fails."""
T = TypeVar("T")


def _chroma_settings():  # noqa: ANN202 - chroma type
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False)


def _pending(metadata: dict) -> list[str]:
    """Doc ids staged by the last writer and perhaps not cleaned (it may have died)."""
    return json.loads(metadata.get("pending") or "[]")


def collection_name(enterprise_id: str) -> str:
    return PREFIX + hashlib.sha256(enterprise_id.encode()).hexdigest()[:32]


def _chunk_metadata(chunk: Chunk, tokens: Sequence[str]) -> dict[str, str | int]:
    return {
        "enterprise_id": chunk.enterprise_id,
        "doc_id": chunk.doc_id,
        "doc_sha": chunk.doc_sha,
        "source": chunk.source,
        "doc_type": chunk.doc_type.value,
        "page": chunk.page,
        "page_end": chunk.page_end,
        "section": chunk.section or "",
        "kind": chunk.kind,
        "ordinal": chunk.ordinal,
        "published": chunk.published.isoformat() if chunk.published else "",
        "tokens": " ".join(tokens),
    }


def chunk_from_record(chunk_id: str, text: str, meta: dict) -> Chunk:
    return Chunk(
        chunk_id=chunk_id,
        enterprise_id=meta["enterprise_id"],
        doc_id=meta["doc_id"],
        doc_sha=meta["doc_sha"],
        source=meta["source"],
        doc_type=DocType(meta["doc_type"]),
        page=meta["page"],
        page_end=meta["page_end"],
        section=meta["section"] or None,
        kind=meta["kind"],
        ordinal=meta["ordinal"],
        text=text,
        published=dt.date.fromisoformat(meta["published"]) if meta["published"] else None,
    )


class Store:
    """The vector store: an embedded PersistentClient under the store folder, or a Chroma server."""

    def __init__(self, settings: Settings):
        self.location = settings.chroma_url or str(settings.home / "chroma")
        self._home = None if settings.chroma_url else settings.home
        """The embedded store's folder: its view is reopened when another process wrote (retrieval/locks.py)."""
        self._generation = generation(settings.home) if self._home else ""
        try:
            if settings.chroma_url:
                import chromadb

                url = urlparse(settings.chroma_url)
                self._client = chromadb.HttpClient(
                    host=url.hostname or "localhost",
                    port=url.port or (443 if url.scheme == "https" else 8000),
                    ssl=url.scheme == "https",
                    settings=_chroma_settings(),
                )
                self._client.heartbeat()
            else:
                settings.home.mkdir(parents=True, exist_ok=True)
                with store_lock(settings.home):  # two processes creating one new store race on its tables
                    self._client = self._embedded()
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(f"cannot open Chroma at {self.location}: {exc}") from exc
        self._handles: dict[str, object] = {}
        self.write_lock = store_lock(settings.home)
        """Held by a writer from stage to clean (retrieval/locks.py)."""

    def _embedded(self):  # noqa: ANN202 - chroma type
        import chromadb

        return chromadb.PersistentClient(path=self.location, settings=_chroma_settings())

    def _sync(self) -> None:
        """Reopen the embedded store if anyone else wrote to it since this view was loaded."""
        if self._home is not None and (stamp := generation(self._home)) != self._generation:
            self._reopen()
            self._generation = stamp

    def _reopen(self) -> None:
        """A fresh view of the embedded store. Chroma keeps one per folder and process, with each
        collection's vector index in memory; a new one reads the store as it is now. Handles on
        the old view (a request in another thread) finish on it."""
        from chromadb.api.shared_system_client import SharedSystemClient

        SharedSystemClient.clear_system_cache()
        self._client = self._embedded()
        self._handles = {}

    def _stamp(self) -> None:
        """The last step of every write to the embedded store (the caller holds `write_lock`)."""
        if self._home is not None:
            self._generation = new_generation(self._home)

    def _read(self, enterprise_id: str, read: Callable[[Any], T]) -> T:
        """`read(collection)`, once more on a fresh view if Chroma's in-memory index missed
        another process's write (it reports ids it cannot find)."""
        from chromadb.errors import InternalError

        try:
            return read(self._handle(enterprise_id))
        except InternalError:
            if self._home is None:
                raise
            self._reopen()
            return read(self._handle(enterprise_id))

    # -- enterprises -------------------------------------------------------------------------

    def _collection(self, enterprise_id: str, create: bool = False):  # noqa: ANN202 - chroma type
        """The enterprise's collection read afresh (metadata included), or None; remembered as its handle."""
        self._sync()
        name = collection_name(enterprise_id)
        try:
            if create:
                collection = self._client.get_or_create_collection(
                    name,
                    metadata={"eprof": 1, "enterprise_id": enterprise_id, "revision": 0, "documents": "[]"},
                    embedding_function=None,
                    configuration={"hnsw": {"space": "cosine", "sync_threshold": HNSW_SYNC_THRESHOLD}},
                )
            else:
                collection = self._client.get_collection(name, embedding_function=None)
        except Exception as exc:
            if not create and (type(exc).__name__ == "NotFoundError" or "does not exist" in str(exc).lower()):
                return None
            raise StoreError(f"Chroma error for enterprise {enterprise_id!r}: {exc}") from exc
        self._handles[enterprise_id] = collection
        return collection

    def _handle(self, enterprise_id: str):  # noqa: ANN202 - chroma type
        """The collection for reading chunks: the remembered handle, else one read."""
        handle = self._handles.get(enterprise_id)
        return handle if handle is not None else self._collection(enterprise_id)

    @staticmethod
    def _info(metadata: dict) -> EnterpriseInfo:
        return EnterpriseInfo(
            enterprise_id=metadata["enterprise_id"],
            name=metadata.get("name") or None,
            aliases=json.loads(metadata.get("aliases") or "[]"),
            revision=int(metadata.get("revision", 0)),
            documents=[DocumentInfo.model_validate(d) for d in json.loads(metadata.get("documents") or "[]")],
        )

    def enterprise(self, enterprise_id: str) -> EnterpriseInfo | None:
        collection = self._collection(enterprise_id)
        return None if collection is None else self._info(collection.metadata or {})

    def enterprises(self) -> list[EnterpriseInfo]:
        self._sync()
        infos = []
        for collection in self._client.list_collections():
            if collection.name.startswith(PREFIX) and (collection.metadata or {}).get("eprof"):
                infos.append(self._info(collection.metadata))
        return sorted(infos, key=lambda e: e.enterprise_id)

    # -- writing -------------------------------------------------------------------------------

    def stage(self, chunks: Sequence[Chunk], vectors: np.ndarray, tokens: Sequence[Sequence[str]]) -> None:
        """Step 1: write chunks that are not yet visible to search."""
        if not chunks:
            return
        collection = self._collection(chunks[0].enterprise_id, create=True)
        metadata = dict(collection.metadata or {})
        self._clean(collection, self._info(metadata).documents, _pending(metadata))  # a writer that died before its clean
        metadata["pending"] = json.dumps(sorted({c.doc_id for c in chunks}))
        metadata.pop("hnsw:space", None)
        collection.modify(metadata=metadata)
        for start in range(0, len(chunks), WRITE_BATCH):
            part = slice(start, start + WRITE_BATCH)
            collection.upsert(
                ids=[c.chunk_id for c in chunks[part]],
                embeddings=vectors[part].tolist(),
                documents=[c.text for c in chunks[part]],
                metadatas=[_chunk_metadata(c, t) for c, t in zip(chunks[part], tokens[part], strict=True)],
            )
        self._stamp()

    def publish(self, enterprise_id: str, name: str | None, document: DocumentInfo, aliases: Sequence[str] = (),
                replaces: str | None = None) -> None:
        """Steps 2 and 3: make `document` the live version, then drop unreachable chunks.
        `aliases` join the names the enterprise already has; `replaces` is another doc_id this
        document supersedes (a store indexed by file name). Callers hold `write_lock` from stage to here."""
        collection = self._collection(enterprise_id, create=True)
        metadata = dict(collection.metadata or {})
        info = self._info(metadata)
        documents = [d for d in info.documents if d.doc_id not in (document.doc_id, replaces)] + [document]
        documents.sort(key=lambda d: d.source)
        metadata.update(
            name=name or metadata.get("name") or "",
            aliases=json.dumps(sorted({*info.aliases, *aliases}), ensure_ascii=False),
            revision=int(metadata.get("revision", 0)) + 1,
            documents=json.dumps([d.model_dump(mode="json") for d in documents], ensure_ascii=False),
        )
        metadata.pop("hnsw:space", None)
        collection.modify(metadata=metadata)
        self._clean(collection, documents, {document.doc_id, *([replaces] if replaces else []), *_pending(metadata)})
        self._stamp()

    @staticmethod
    def _clean(collection, documents: Sequence[DocumentInfo], doc_ids: Iterable[str]) -> None:  # noqa: ANN001
        """Delete the chunks of `doc_ids` that are not their live version: one delete per id,
        whatever the number of other documents."""
        live = {d.doc_id: d.sha256 for d in documents}
        for doc_id in sorted(set(doc_ids)):
            where = {"$and": [{"doc_id": doc_id}, {"doc_sha": {"$ne": live[doc_id]}}]} if doc_id in live else {"doc_id": doc_id}
            collection.delete(where=where)

    # -- reading -------------------------------------------------------------------------------

    @staticmethod
    def live_filter(info: EnterpriseInfo, doc_type: DocType | None = None) -> dict:
        live = {"doc_sha": {"$in": [d.sha256 for d in info.documents]}}
        if doc_type is None:
            return live
        return {"$and": [live, {"doc_type": doc_type.value}]}

    def dense(self, info: EnterpriseInfo, vectors: np.ndarray, n: int, doc_type: DocType | None) -> list[list[str]]:
        """For each row of `vectors`, the chunk ids nearest to it, best first, among the enterprise's
        live chunks: one Chroma query for all of them.

        Liveness is checked on the results rather than in the query: a `$in` metadata filter
        makes Chroma scan metadata and costs 30x the vector search. Non-live chunks exist only
        between an interrupted ingest and the next publish, so the filtered query is a fallback.
        """
        if not info.documents or self._handle(info.enterprise_id) is None:
            return [[] for _ in vectors]
        return self._read(info.enterprise_id, lambda collection: self._dense(collection, info, vectors, n, doc_type))

    def _dense(self, collection, info: EnterpriseInfo, vectors: np.ndarray, n: int, doc_type: DocType | None) -> list[list[str]]:  # noqa: ANN001
        live = {d.sha256[:SHA_PREFIX] for d in info.documents}
        where = {"doc_type": doc_type.value} if doc_type else None
        found = collection.query(query_embeddings=vectors.tolist(), n_results=n, where=where, include=[])["ids"]
        rankings = [[cid for cid in ids if cid[:SHA_PREFIX] in live] for ids in found]
        stale = [i for i, (ids, kept) in enumerate(zip(found, rankings, strict=True)) if len(kept) < len(ids)]
        if stale:
            again = collection.query(
                query_embeddings=vectors[stale].tolist(), n_results=n, where=self.live_filter(info, doc_type), include=[]
            )["ids"]
            for i, ids in zip(stale, again, strict=True):
                rankings[i] = list(ids)
        return rankings

    @staticmethod
    def _scan(collection, include: list[str], ids: Sequence[str] | None = None):  # noqa: ANN001, ANN205
        """Records page by page: one `get` of a large collection (or id list) exceeds SQLite's
        variable limit, so reads are paged and liveness is checked here, from the ids."""
        if ids is not None:
            for start in range(0, len(ids), READ_PAGE):
                yield collection.get(ids=list(ids[start : start + READ_PAGE]), include=include)
            return
        offset = 0
        while True:
            page = collection.get(include=include, limit=READ_PAGE, offset=offset)
            if page["ids"]:
                yield page
            if len(page["ids"]) < READ_PAGE:  # a short page is the last: no extra round trip to learn it
                return
            offset += READ_PAGE

    def chunks(self, info: EnterpriseInfo, ids: Sequence[str] | None = None, doc_type: DocType | None = None) -> list[Chunk]:
        """Live chunks of the enterprise (all of them, or the given ids), in document order."""
        if self._handle(info.enterprise_id) is None or not info.documents:
            return []
        if ids is None:
            rows = self._snapshot(info)
        else:
            live = {d.sha256 for d in info.documents}
            rows = [
                row for page in self._read(info.enterprise_id, lambda c: list(self._scan(c, ["documents", "metadatas"], ids)))
                for row in zip(page["ids"], page["documents"], page["metadatas"], strict=True) if row[2]["doc_sha"] in live
            ]
        chunks = [chunk_from_record(i, t, m) for i, t, m in rows if doc_type is None or m["doc_type"] == doc_type.value]
        return sorted(chunks, key=lambda c: (c.source, c.ordinal))

    def records(self, info: EnterpriseInfo) -> list[tuple[Chunk, list[str]]]:
        """Every live chunk with its keyword tokens, in store order: one read for a caller that
        needs both the chunks and the keyword index."""
        if self._handle(info.enterprise_id) is None or not info.documents:
            return []
        return [(chunk_from_record(i, t, m), m["tokens"].split()) for i, t, m in self._snapshot(info)]

    def _snapshot(self, info: EnterpriseInfo) -> list[tuple[str, str, dict]]:
        """(id, text, metadata) of every chunk of every document `info` lists, all of them: a
        writer that replaced a document after `info` was read has cleaned its old chunks, so a
        document short of its chunks means taking the newer commit record. A writer adds a
        document's new chunks before it publishes, so the rows already read usually hold them all
        (returned then: the caller's `info` is at most one publish behind); else they are read again."""
        pages = self._read(info.enterprise_id, lambda c: list(self._scan(c, ["documents", "metadatas"])))
        for _ in range(READ_TRIES):
            rows = _rows_of(pages, info)
            if _whole(rows, info):
                return rows
            newer = self.enterprise(info.enterprise_id)
            if newer is None or newer.revision == info.revision:  # nothing published meanwhile: no race to wait out
                return rows
            info = newer
            rows = _rows_of(pages, info)
            if _whole(rows, info):
                return rows
            pages = self._read(info.enterprise_id, lambda c: list(self._scan(c, ["documents", "metadatas"])))
        raise StoreError(f"the documents of enterprise {info.enterprise_id!r} changed under {READ_TRIES} reads in a row; try again")

    def raw_ids(self, enterprise_id: str) -> list[str]:
        """Every stored chunk id, live or not (for consistency checks)."""
        collection = self._collection(enterprise_id)
        return [] if collection is None else [i for page in self._scan(collection, []) for i in page["ids"]]


def _rows_of(pages: list[dict], info: EnterpriseInfo) -> list[tuple[str, str, dict]]:
    """The (id, text, metadata) rows of the documents `info` lists."""
    live = {(d.doc_id, d.sha256) for d in info.documents}
    return [row for page in pages for row in zip(page["ids"], page["documents"], page["metadatas"], strict=True)
            if (row[2]["doc_id"], row[2]["doc_sha"]) in live]


def _whole(rows: list[tuple[str, str, dict]], info: EnterpriseInfo) -> bool:
    """Every document `info` lists has exactly its chunks among the rows."""
    return Counter((m["doc_id"], m["doc_sha"]) for _, _, m in rows) == Counter({(d.doc_id, d.sha256): d.chunks for d in info.documents})
