"""The intake flow: one claim packet from the files a station dropped to a stored decision.

This is the one place that orders the stages; each task is a thin wrapper over
a pure function of pipeline/, extractors/ or adjudicator/, and the side effects
(archive, page images, database) sit at the two ends:

  admit      archive every original by content hash, register the packet (or find it done)
  read       split each original into pages, make them upright, OCR them   (retried, cached)
  extract    classify each page and read its fields
  decide     checks, member and ledger, claim, adjudication                 (never retried)
  store      pages, documents, fields, decision

`process_batch` runs the same stages for many packets, reading pages on a Dask cluster.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date
from importlib.metadata import version
from pathlib import Path

import cv2
from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from extractors.model import Document, OcrPage
from extractors.registry import extract
from flows.decisions import PacketResult, adjudicate, draft_claim, record_decision, stored_result
from flows.packets import PacketFiles, is_scan
from flows.quarantine import set_aside
from flows.settings import Settings
from pipeline.errors import UnreadableFileError
from pipeline.ocr import TextLine, get_engine
from pipeline.pages import split
from pipeline.reading import read_page
from store import repository
from store.archive import archive_original, sha256_of
from store.db import session_scope
from store.models import Original, Packet, Page

log = logging.getLogger("claims.intake")  # file names can carry patients' names: logs name files by hash


@dataclass(frozen=True)
class PageReading:
    """What reading one page gave, in a form that crosses task (and Dask worker) boundaries."""

    source: str
    index: int
    rotation: int
    skew: float
    image_path: str
    lines: tuple[TextLine, ...]


@dataclass(frozen=True)
class Admission:
    packet: PacketFiles
    archived: dict[Path, tuple[str, Path]]  # file → (sha256, archive path)
    packet_id: int | None = None  # None when the packet was decided before
    done: PacketResult | None = None


# --- tasks: thin wrappers -------------------------------------------------

@task(cache_policy=NO_CACHE)
def admit(packet: PacketFiles, settings: Settings, received: date) -> Admission:
    """Archive every dropped file under its content hash (before anything else), then register the packet."""
    archived = {}
    for file in packet.files:
        sha256 = sha256_of(file)
        archived[file] = (sha256, archive_original(file, settings.archive_dir, sha256))
    content_hash = packet.content_hash({file: sha for file, (sha, _) in archived.items()})
    with session_scope(settings.db_url) as session:
        known = repository.packet_by_hash(session, content_hash)
        if known is not None and known.status not in ("received", "error"):
            return Admission(packet, archived, done=stored_result(session, known))
        if known is not None:
            repository.clear_readings(session, known.id)  # an intake that stopped half-way
        record = known or _register(session, packet, content_hash, received, archived, settings)
        return Admission(packet, archived, packet_id=record.id)


def _worth_retrying(task, task_run, state) -> bool:
    """An unreadable file stays unreadable; an OCR engine's hiccup may pass."""
    try:
        state.result()
    except UnreadableFileError:
        return False
    except Exception:  # noqa: BLE001 - anything else may be transient
        return True
    return True


def _reading_code_version() -> str:
    """Changes whenever the code or the engine that turns a file into page readings changes."""
    root = Path(__file__).resolve().parent.parent / "pipeline"
    digest = hashlib.sha256()
    for source in sorted([root / "pages.py", root / "cleanup.py", root / "reading.py", *(root / "ocr").glob("*.py")]):
        digest.update(source.read_bytes())
    for package in ("paddleocr", "rapidocr", "onnxruntime"):
        digest.update(version(package).encode())
    return digest.hexdigest()[:12]


READING_CODE_VERSION = _reading_code_version()


def _reading_cache_key(context, parameters) -> str:
    """The same file read by the same engine and code gives the same pages: a re-run after a crash reuses them.
    Only in the same CLAIMS_HOME: the reading names page images in that home's pages folder, and another
    home must not point into it."""
    home = hashlib.sha256(str(parameters['settings'].pages_dir).encode()).hexdigest()[:12]
    return f"read-{parameters['sha256']}-{parameters['settings'].ocr_engine}-{READING_CODE_VERSION}-{home}"


@task(retries=2, retry_delay_seconds=1, retry_condition_fn=_worth_retrying,
      cache_key_fn=_reading_cache_key, persist_result=True)
def read_original(archive_path: Path, source_name: str, sha256: str, settings: Settings) -> list[PageReading]:
    """Split one original into pages, make each upright, OCR it."""
    engine = get_engine(settings.ocr_engine, settings.ocr_threads)
    readings = []
    for page in split(archive_path, source_name):
        page_read = read_page(page, engine)
        image_path = settings.pages_dir / sha256[:2] / f"{sha256}-{page.index}.png"
        image_path.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(image_path), page_read.image)
        readings.append(PageReading(source_name, page.index, page_read.rotation, page_read.skew,
                                    str(image_path), page_read.lines))
        log.info("read %s… page %d: rotation %d, %d lines", sha256[:10], page.index, page_read.rotation,
                 len(page_read.lines))
    return readings


@task(cache_policy=NO_CACHE)
def classify_and_extract(reading: PageReading) -> Document:
    image = cv2.imread(reading.image_path)
    page = OcrPage(reading.source, reading.index, reading.rotation, reading.lines, image=image, skew=reading.skew)
    return extract(page)


@task(cache_policy=NO_CACHE)  # a rule outcome is never retried: the same input gives the same answer
def adjudicate_claim(claim: dict) -> dict:
    return adjudicate(claim)


# --- the flows ------------------------------------------------------------

@flow(name="intake-packet", flow_run_name="intake-{packet.ref}", log_prints=False)
def process_packet(packet: PacketFiles, settings: Settings, received: date | None = None) -> PacketResult:
    admission = admit(packet, settings, received or date.today())
    if admission.done is not None:
        return admission.done
    readings, problems = [], []
    for file in packet.files:
        sha256, archive_path = admission.archived[file]
        try:
            if not is_scan(file):
                raise UnreadableFileError(f"{file.name}: not a scan (expected an image, TIFF or PDF)")
            readings.extend(read_original(archive_path, file.name, sha256, settings))
        except UnreadableFileError as exc:
            problems.append(_set_aside(file, packet, exc, settings))
    return finish(admission, readings, problems, settings)


@flow(name="intake-batch", log_prints=False)
def process_batch(packets: list[PacketFiles], settings: Settings, received: date | None = None) -> list[PacketResult]:
    """Many packets at once: every original is read in parallel by the flow's task runner
    (a Dask cluster for nightly batches), then each packet is decided in turn."""
    admissions = [admit(packet, settings, received or date.today()) for packet in packets]
    futures = {}
    for admission in admissions:
        if admission.done is None:
            for file in admission.packet.files:
                if is_scan(file):
                    sha256, archive_path = admission.archived[file]
                    futures[file] = read_original.submit(archive_path, file.name, sha256, settings)
    results = []
    for admission in admissions:
        if admission.done is not None:
            results.append(admission.done)
            continue
        readings, problems = [], []
        for file in admission.packet.files:
            try:
                if file not in futures:
                    raise UnreadableFileError(f"{file.name}: not a scan (expected an image, TIFF or PDF)")
                readings.extend(futures[file].result())
            except UnreadableFileError as exc:
                problems.append(_set_aside(file, admission.packet, exc, settings))
        results.append(finish(admission, readings, problems, settings))
    return results


def finish(admission: Admission, readings: list[PageReading], problems: list[str], settings: Settings) -> PacketResult:
    """Extract, decide and store one admitted packet."""
    documents = [classify_and_extract(reading) for reading in readings]
    with session_scope(settings.db_url) as session:
        record = session.get(Packet, admission.packet_id)
        draft = draft_claim(session, record, documents, problems)  # runs the checks
        _save_pages_and_documents(session, record, readings, documents)
    decision = adjudicate_claim(draft.claim) if draft.claim is not None else None
    with session_scope(settings.db_url) as session:
        return record_decision(session, session.get(Packet, admission.packet_id), draft, decision)


# --- helpers of the flows -------------------------------------------------

def _set_aside(file: Path, packet: PacketFiles, error: UnreadableFileError, settings: Settings) -> str:
    set_aside(file, settings.quarantine_dir / packet.name, error.message, keep_original=True)
    return error.message


def _register(session, packet: PacketFiles, content_hash: str, received: date,
              archived: dict[Path, tuple[str, Path]], settings: Settings) -> Packet:
    record = Packet(name=packet.name, content_hash=content_hash, received_date=received,
                    claim_id=repository.new_claim_id(session, received), ocr_engine=settings.ocr_engine)
    session.add(record)
    session.flush()
    for file, (sha256, archive_path) in archived.items():
        session.add(Original(packet_id=record.id, file_name=str(file.relative_to(packet.path)) if file != packet.path
                             else file.name, sha256=sha256, size=file.stat().st_size, archive_path=str(archive_path)))
    session.flush()
    return record


def _save_pages_and_documents(session, record: Packet, readings: list[PageReading],
                              documents: list[Document]) -> None:
    originals = {o.file_name.split("/")[-1]: o for o in repository.originals_of(session, record.id)}
    for reading, document in zip(readings, documents):
        page = Page(packet_id=record.id, original_id=originals[reading.source].id, page_index=reading.index,
                    rotation=reading.rotation, skew=reading.skew, image_path=reading.image_path,
                    ocr_lines=[line.to_json() for line in reading.lines])
        session.add(page)
        session.flush()
        repository.save_documents(session, record.id, page, [document])
