"""The intake flow: one claim packet from the files a station dropped to a stored decision.

This is the one place that orders the stages; each task is a thin wrapper over
a pure function of pipeline/, extractors/ or adjudicator/, and the side effects
(archive, page images, database) sit at the two ends:

  archive    every original by content hash, before anything else
  admit      register the packet (or find it done), under the packet's lock
  read       split each original into pages, make them upright, OCR them   (retried, cached)
  extract    classify each page and read its fields
  decide     checks, member and ledger, claim, adjudication                 (never retried)
  store      pages, documents, fields, decision                            (one transaction)

A file that cannot be read is copied into quarantine with its reason and the rest of
the packet goes on; a packet of which nothing can be read is quarantined as a whole.

`process_batch` runs the same stages for many packets, reading pages on a Dask cluster.
"""

from __future__ import annotations

import hashlib
import logging
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import date
from importlib.metadata import version
from pathlib import Path

import cv2
from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from extractors.model import Document, OcrPage
from extractors.registry import extract
from flows.decisions import (
    PacketResult, adjudicate, decide_later_claims_again, draft_claim, record_decision, stored_result,
)
from flows.locks import exclusive
from flows.packets import PacketFiles
from flows.quarantine import set_aside
from flows.settings import Settings
from pipeline.ocr import TextLine, get_engine
from pipeline.pages import RefusedFile, pages_of
from pipeline.reading import read_documents
from store import repository
from store.archive import archive_original, sha256_of, written_in_place_of
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
class FileReading:
    """What reading one original gave: its pages, or why it cannot be read (it goes to quarantine)."""

    pages: tuple[PageReading, ...] = ()
    refused: str | None = None


@dataclass(frozen=True)
class Admission:
    packet: PacketFiles
    archived: dict[Path, tuple[str, Path]]  # file → (sha256, archive path)
    content_hash: str
    packet_id: int | None = None  # None when the packet was decided before
    done: PacketResult | None = None


# --- tasks: thin wrappers -------------------------------------------------

@task(cache_policy=NO_CACHE)
def archive_originals(packet: PacketFiles, settings: Settings) -> dict[Path, tuple[str, Path]]:
    """Every dropped file under its content hash, before anything else happens to it."""
    archived = {}
    for file in packet.files:
        sha256 = sha256_of(file)
        archived[file] = (sha256, archive_original(file, settings.archive_dir, sha256))
    return archived


@task(cache_policy=NO_CACHE)
def admit(packet: PacketFiles, archived: dict[Path, tuple[str, Path]], content_hash: str, settings: Settings,
          received: date) -> Admission:
    """Register the packet, or find it decided before. Runs under the packet's lock."""
    with session_scope(settings.db_url) as session:
        known = repository.packet_by_hash(session, content_hash)
        if known is not None and known.status not in ("received", "error"):
            return Admission(packet, archived, content_hash, done=stored_result(session, known))
        if known is not None:
            repository.clear_readings(session, known.id)  # an intake that stopped half-way
        record = known or _register(session, packet, content_hash, received, archived, settings)
        return Admission(packet, archived, content_hash, packet_id=record.id)


def _reading_code_version() -> str:
    """Changes whenever the code, the data or the engine that turn a file into page readings change.

    By construction, not by a list: every source and data file of the packages a reading is made by —
    pipeline/ (pages, cleanup, OCR, second look) and extractors/ (whose region requests shape the second
    look) — and the adjudicator's reference data the extractors read (hospital registry, term lists).
    A change elsewhere in them only costs reading the pages again; a missed one would serve stale readings."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    sources = [*(root / "pipeline").rglob("*.py"), *(root / "pipeline").rglob("*.yaml"),
               *(root / "extractors").rglob("*.py"), *(root / "extractors").rglob("*.yaml"),
               *(root / "adjudicator" / "data").rglob("*.yaml"), *(root / "adjudicator" / "terms").rglob("*.yaml")]
    for source in sorted(sources):
        digest.update(str(source.relative_to(root)).encode())
        digest.update(source.read_bytes())
    for package in ("paddleocr", "rapidocr", "onnxruntime", "faster-paddle"):
        digest.update(version(package).encode())
    return digest.hexdigest()[:12]


READING_CODE_VERSION = _reading_code_version()


def _reading_cache_key(context, parameters) -> str:
    """The same file read by the same engine and code gives the same pages: a re-run after a crash reuses them.
    (Its suffix counts too: the same bytes named .exe are not a scan.) Only in the same CLAIMS_HOME: the
    reading names page images in that home's pages folder, and another home must not point into it."""
    home = hashlib.sha256(str(parameters['settings'].pages_dir).encode()).hexdigest()[:12]
    return (f"read-{parameters['sha256']}{parameters['archive_path'].suffix}-{parameters['settings'].ocr_engine}-"
            f"{READING_CODE_VERSION}-{home}")


@task(retries=2, retry_delay_seconds=1, cache_key_fn=_reading_cache_key, persist_result=True)
def read_original(archive_path: Path, source_name: str, sha256: str, settings: Settings) -> FileReading:
    """Split one original into pages, make each upright, OCR it; or say why it cannot be read."""
    readings = []
    try:
        engine = get_engine(settings.ocr_engine, settings.ocr_threads)
        for page_read in read_documents(pages_of(archive_path, source_name), engine):  # a page per receipt of a photo
            image_path = settings.pages_dir / sha256[:2] / f"{sha256}-{page_read.index}.png"
            _write_png(image_path, page_read.image)
            readings.append(PageReading(source_name, page_read.index, page_read.rotation, page_read.skew,
                                        str(image_path), page_read.lines))
            log.info("read %s… page %d: rotation %d, %d lines", sha256[:10], page_read.index, page_read.rotation,
                     len(page_read.lines))
    except RefusedFile as refused:
        return FileReading(refused=refused.reason)
    return FileReading(tuple(readings))


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
    archived = archive_originals(packet, settings)
    content_hash = packet.content_hash(archived)
    with exclusive(_lock_of(settings, content_hash)):  # a rescan dropped twice, read by two watchers at once
        admission = admit(packet, archived, content_hash, settings, received or date.today())
        if admission.done is not None:
            return admission.done
        return _decide(admission, lambda file, sha256, archive_path: read_original(
            archive_path, packet.label(file), sha256, settings), settings)


@flow(name="intake-batch", log_prints=False)
def process_batch(packets: list[PacketFiles], settings: Settings, received: date | None = None) -> list[PacketResult]:
    """Many packets at once: every original is read in parallel by the flow's task runner
    (a Dask cluster for nightly batches), then each packet is decided in turn."""
    received = received or date.today()
    with ExitStack() as locks:
        admissions, held = [], set()
        for packet in packets:
            archived = archive_originals(packet, settings)
            content_hash = packet.content_hash(archived)
            if content_hash in held:  # the same packet twice in one batch: admitted once the first is decided
                admissions.append(Admission(packet, archived, content_hash))
                continue
            locks.enter_context(exclusive(_lock_of(settings, content_hash)))
            held.add(content_hash)
            admissions.append(admit(packet, archived, content_hash, settings, received))
        futures = {(id(admission), file): read_original.submit(archive_path, admission.packet.label(file), sha256,
                                                               settings)
                   for admission in admissions if admission.packet_id is not None
                   for file, (sha256, archive_path) in admission.archived.items()}
        results = []
        for admission in admissions:
            if admission.packet_id is None and admission.done is None:
                admission = admit(admission.packet, admission.archived, admission.content_hash, settings, received)
            if admission.done is not None:
                results.append(admission.done)
                continue
            results.append(_decide(admission, lambda file, *_: futures[(id(admission), file)].result(), settings))
        return results


def _decide(admission: Admission, read, settings: Settings) -> PacketResult:
    """Read each original (`read(file, sha256, archive_path)`), set aside what cannot be read, decide."""
    readings, problems = [], []
    for file, (sha256, archive_path) in admission.archived.items():
        label = admission.packet.label(file)
        outcome = read(file, sha256, archive_path)
        if outcome.refused:
            problems.append(_set_aside(file, admission.packet, f"{label}: {outcome.refused}", settings))
        else:  # pages read before under another name (the cache is by content) carry this one
            readings.extend(replace(page, source=label) for page in outcome.pages)
    return finish(admission, readings, problems, settings)


def finish(admission: Admission, readings: list[PageReading], problems: list[str], settings: Settings) -> PacketResult:
    """Extract, decide and store one admitted packet, in one transaction: a crash leaves nothing half-stored."""
    documents = [classify_and_extract(reading) for reading in readings]
    with session_scope(settings.db_url) as session:
        record = session.get(Packet, admission.packet_id)
        if problems and not readings:
            record.status = "quarantined"
            record.reason = "nothing in it could be read: " + "; ".join(problems[:3]) + (
                f" (and {len(problems) - 3} more)" if len(problems) > 3 else "")
            return PacketResult(record.name, "quarantined", record.claim_id, reason=record.reason)
        draft = draft_claim(session, record, documents, problems)  # runs the checks; one decision at a time
        _save_pages_and_documents(session, record, readings, documents)
        decision = adjudicate_claim(draft.claim) if draft.claim is not None else None
        result = record_decision(session, record, draft, decision)
        if record.member_id:
            decide_later_claims_again(session, record.member_id, record.id)
        return result


# --- helpers of the flows -------------------------------------------------

def _lock_of(settings: Settings, content_hash: str) -> Path:
    """Beside the archive, which every process handling this inbox's packets shares."""
    return settings.claims_home / "locks" / f"packet-{content_hash}.lock"


def _set_aside(file: Path, packet: PacketFiles, reason: str, settings: Settings) -> str:
    set_aside(file, settings.quarantine_dir / packet.name, reason, name=packet.label(file).split("/")[-1])
    return reason


def _write_png(path: Path, image) -> None:
    """Written whole or not at all; a full disk raises here (cv2.imwrite would only return False)."""
    ok, encoded = cv2.imencode(".png", image)
    if not ok:
        raise OSError(f"cannot encode a page image as PNG ({path.name})")
    path.parent.mkdir(parents=True, exist_ok=True)
    with written_in_place_of(path) as partial:
        partial.write_bytes(encoded.tobytes())


def _register(session, packet: PacketFiles, content_hash: str, received: date,
              archived: dict[Path, tuple[str, Path]], settings: Settings) -> Packet:
    record = Packet(name=packet.name, content_hash=content_hash, received_date=received,
                    claim_id=f"pending-{content_hash}", ocr_engine=settings.ocr_engine)
    session.add(record)
    session.flush()
    record.claim_id = repository.claim_id_for(record)  # from the id: unique however many processes register
    for file, (sha256, archive_path) in archived.items():
        session.add(Original(packet_id=record.id, file_name=packet.label(file), sha256=sha256,
                             size=file.stat().st_size, archive_path=str(archive_path)))
    session.flush()
    return record


def _save_pages_and_documents(session, record: Packet, readings: list[PageReading],
                              documents: list[Document]) -> None:
    originals = {o.file_name: o for o in repository.originals_of(session, record.id)}
    for reading, document in zip(readings, documents):
        page = Page(packet_id=record.id, original_id=originals[reading.source].id, page_index=reading.index,
                    rotation=reading.rotation, skew=reading.skew, image_path=reading.image_path,
                    ocr_lines=[line.to_json() for line in reading.lines])
        session.add(page)
        session.flush()
        repository.save_documents(session, record.id, page, [document])
