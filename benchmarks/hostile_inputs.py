"""Hostile files against the readers: each must end in a one-line error (or a normal document)
within 10 s and 500 MB.

    python -m benchmarks.hostile_inputs [--keep FOLDER]

Each file is read and chunked in a fresh child process (`--one PATH`), so its time and peak
resident memory (the child's VmHWM, Python and the readers included) are its own.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

from benchmarks._report import report

MAX_SECONDS = 10.0
MAX_PEAK_MB = 500.0
CHILD_TIMEOUT_S = 120


def _pdf_with_stream(path: Path, data: bytes, filters: list[str]) -> Path:
    """A one-page PDF whose content stream is `data` under `filters` (written raw, not re-encoded)."""
    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, NameObject, NumberObject, StreamObject

    writer = PdfWriter()
    page = writer.add_blank_page(200, 200)
    stream = StreamObject()
    stream.set_data(data) if not filters else setattr(stream, "_data", data)
    if filters:
        stream[NameObject("/Filter")] = ArrayObject([NameObject(f) for f in filters])
        stream[NameObject("/Length")] = NumberObject(len(data))
    page[NameObject("/Contents")] = writer._add_object(stream)
    with path.open("wb") as fh:
        writer.write(fh)
    return path


def _text_pdf(path: Path, text: str, pages: int = 1) -> Path:
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path))
    for i in range(pages):
        pdf.drawString(72, 720, f"{text} {i + 1}")
        pdf.showPage()
    pdf.save()
    return path


def hostile_files(folder: Path, *, large: bool = True) -> dict[str, Path]:
    """The probe set; `large=False` leaves out the slow-to-write ones (for tests)."""
    from pypdf import PdfReader, PdfWriter

    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    depth = 200_000 if large else 20_000
    files["nested-divs.html"] = folder / "nested-divs.html"
    files["nested-divs.html"].write_text("<html><body>" + "<div>" * depth + "<p>x</p>" + "</div>" * depth + "</body></html>")
    plain = _text_pdf(folder / "plain.pdf", "Annual report of Acme Brakes Co., Ltd. page")
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt(user_password="", owner_password="owner-secret", algorithm="AES-256")
    with (folder / "aes-owner-only.pdf").open("wb") as fh:
        writer.write(fh)
    files["aes-owner-only.pdf"] = folder / "aes-owner-only.pdf"
    files["brotli-filter.pdf"] = _pdf_with_stream(folder / "brotli-filter.pdf", b"\x0b\x02\x80BT ET\x03", ["/BrotliDecode"])
    files["unknown-filter.pdf"] = _pdf_with_stream(folder / "unknown-filter.pdf", b"BT (x) Tj ET", ["/NoSuchDecode"])
    bomb = zlib.compressobj(9)
    block = b"0 0 m " * (1 << 18)
    data = b"".join(bomb.compress(block) for _ in range(1024 if large else 64)) + bomb.flush()
    files["flate-bomb.pdf"] = _pdf_with_stream(folder / "flate-bomb.pdf", data, ["/FlateDecode"])
    files["too-many-pages.pdf"] = _text_pdf(folder / "too-many-pages.pdf", "page", pages=3_100)
    files["truncated.pdf"] = folder / "truncated.pdf"
    files["truncated.pdf"].write_bytes(plain.read_bytes()[:300])
    files["binary.txt"] = folder / "binary.txt"
    files["binary.txt"].write_bytes(bytes(range(256)) * 64)
    files["huge.txt"] = folder / "huge.txt"
    with files["huge.txt"].open("wb") as fh:  # sparse: 200 MB on paper, nothing written
        fh.truncate(200 * (1 << 20))
    return files


def probe(path: Path) -> dict:
    """Read and chunk one file here; the error (None if it was read), seconds and peak MB."""
    from eprof.kernel.errors import DocumentError
    from eprof.retrieval.chunking import chunk_document
    from eprof.retrieval.readers import read_document
    from eprof.retrieval.schema import DocType

    started = time.perf_counter()
    error = None
    try:
        chunks = chunk_document(read_document(path), "probe", DocType.research)
    except DocumentError as exc:
        error, chunks = exc.reason, []
    return {"error": error, "chunks": len(chunks), "seconds": round(time.perf_counter() - started, 3), "peak_mb": round(_peak_mb(), 1)}


def _peak_mb() -> float:
    """This process's peak resident memory: VmHWM, which exec resets (ru_maxrss keeps the peak
    of the process that forked it: a large test runner would be counted)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(path: Path) -> dict:
    try:
        done = subprocess.run([sys.executable, "-m", "benchmarks.hostile_inputs", "--one", str(path)],
                              capture_output=True, text=True, timeout=CHILD_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish in {CHILD_TIMEOUT_S} s", "chunks": 0, "seconds": float(CHILD_TIMEOUT_S), "peak_mb": None}
    if done.returncode != 0:
        return {"error": f"crashed: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode}",
                "chunks": 0, "seconds": None, "peak_mb": None, "crashed": True}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--keep", type=Path, help="write the hostile files here and keep them")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(probe(args.one)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        files = hostile_files(args.keep or Path(tmp))
        rows = []
        for name, path in files.items():
            outcome = run_child(path)
            ok = (not outcome.get("crashed") and outcome["seconds"] is not None and outcome["seconds"] < MAX_SECONDS
                  and outcome["peak_mb"] is not None and outcome["peak_mb"] < MAX_PEAK_MB)
            rows.append({"file": name, "size_mb": round(path.stat().st_size / (1 << 20), 2), **outcome, "within_bounds": ok})
    report("hostile_inputs", "Hostile files: one-line error, bounded time and memory", rows,
           max_seconds=MAX_SECONDS, max_peak_mb=MAX_PEAK_MB, all_within_bounds=all(r["within_bounds"] for r in rows))


if __name__ == "__main__":
    main()
