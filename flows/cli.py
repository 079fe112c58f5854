"""The `claims` command. The one place where errors become messages for people."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from datetime import datetime
from enum import IntEnum
from pathlib import Path

from pipeline.errors import BadInputError, ClaimsError, OcrEngineError


class ExitCode(IntEnum):
    """One exit code per kind of failure, stable for scripts (as OCRmyPDF's ExitCode)."""

    ok = 0
    packet_failed = 1  # `claims run`: some packet ended in error; the others were decided
    bad_input = 2  # a malformed file, claim, plan or argument
    internal = 3  # a fault of this program: one line here, the details in the log
    configuration = 4  # a setting that cannot work: claims.toml, CLAIMS_* environment, --db
    ocr_engine = 5  # the OCR engine cannot be loaded
    interrupted = 130


def _exit_code(error: ClaimsError) -> ExitCode:
    from flows.settings import ConfigurationError

    if isinstance(error, ConfigurationError):
        return ExitCode.configuration
    if isinstance(error, OcrEngineError):
        return ExitCode.ocr_engine
    return ExitCode.bad_input


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    handler = logging.StreamHandler()
    handler.setFormatter(_OneLineFormatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    for chatty in ("distributed", "paddlex", "paddleocr", "RapidOCR"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    logging.getLogger("claims").setLevel(logging.INFO)  # progress per page; files named by hash, no PII
    try:
        return args.handler(args)
    except ClaimsError as error:
        print(error.one_line(), file=sys.stderr)
        return _exit_code(error)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return ExitCode.interrupted
    except Exception as error:  # noqa: BLE001 - a person gets one line, never a traceback
        print(f"internal error [{type(error).__name__}]: {' '.join(str(error).split())[:300]}", file=sys.stderr)
        return ExitCode.internal


class _OneLineFormatter(logging.Formatter):
    """Every log record on one line: an exception shows as its type and message, never a traceback
    (the commands report failures themselves; a multi-line record breaks the operator's log)."""

    def formatException(self, exc_info) -> str:
        return f"({exc_info[0].__name__}: {exc_info[1]})"

    def format(self, record: logging.LogRecord) -> str:
        return " ".join(super().format(record).split())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="claims", description="Scanned medical claim packets in, paid and explained decisions out.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="process every claim packet under DIR and print a decision per packet")
    run.add_argument("dir", type=Path, metavar="DIR")
    run.add_argument("--json", action="store_true", help="one JSON object per packet and line")
    run.add_argument("--workers", type=int, default=1,
                     help="read pages on a local Dask cluster of this many worker processes (default 1: in-process)")
    run.add_argument("--dask-address", metavar="HOST:PORT",
                     help="read pages on a running Dask cluster (shared archive and database required)")
    _common_options(run)
    run.set_defaults(handler=_run)

    watch = commands.add_parser("watch", help="watch an inbox of scanning stations and process each complete packet")
    watch.add_argument("inbox", type=Path, metavar="INBOX")
    watch.add_argument("--settle-seconds", type=float, default=30.0,
                       help="a packet without a .ready marker is complete when nothing changed for this long (30)")
    watch.add_argument("--poll-seconds", type=float, default=2.0, help="how often the inbox is looked at (2)")
    _common_options(watch)
    watch.set_defaults(handler=_watch)

    serve = commands.add_parser("serve", help="long-running: the watch folder and the nightly schedule as Prefect deployments")
    serve.add_argument("inbox", type=Path, metavar="INBOX")
    serve.add_argument("--settle-seconds", type=float, default=30.0, help="see `claims watch` (30)")
    serve.add_argument("--poll-seconds", type=float, default=10.0, help="how often the inbox is looked at (10)")
    serve.add_argument("--nightly-cron", default="0 2 * * *", help="when the nightly run starts (cron, default 02:00)")
    serve.add_argument("--work-pool", metavar="POOL",
                       help="register the deployments in this Prefect work pool and run one of its workers: "
                            "`prefect worker start --pool POOL` on other machines shares the packets")
    _common_options(serve)
    serve.set_defaults(handler=_serve)

    nightly = commands.add_parser("nightly", help="the nightly run once: re-decide, sweep deadlines, pay, report")
    nightly.add_argument("--date", type=_iso_date, help="the day to run for (default: today)")
    _common_options(nightly, ocr=False)
    nightly.set_defaults(handler=_nightly)

    letter = commands.add_parser("letter", help="the plain-language letter to the member about a claim's decision")
    letter.add_argument("claim_id", metavar="CLAIM_ID")
    _common_options(letter, ocr=False)
    letter.set_defaults(handler=_letter)

    review = commands.add_parser("review", help="serve the clerks' review web app; --add-user creates an account")
    review.add_argument("--host", default="127.0.0.1")
    review.add_argument("--port", type=int, default=8410)
    review.add_argument("--add-user", metavar="USERNAME",
                        help="create a user (password asked twice on the terminal) and exit")
    review.add_argument("--role", choices=("clerk", "supervisor"), default="clerk")
    review.add_argument("--inbox", type=Path, metavar="INBOX",
                        help="the watch folder quarantined packets are released into and clerks' uploads go into "
                             "(without it: neither)")
    _common_options(review, ocr=False)
    review.set_defaults(handler=_review)

    roster = commands.add_parser("roster", help="import the insurer's member roster (CSV); every row or none")
    roster.add_argument("csv", type=Path, metavar="ROSTER.csv")
    _common_options(roster, ocr=False)
    roster.set_defaults(handler=_roster)

    cover = commands.add_parser("cover-sheet", help="print cover sheets (a QR code with a packet number) to put "
                                                   "before each claim in a stack scanned as one file")
    cover.add_argument("--count", type=int, required=True, metavar="N", help="how many sheets, one A4 page each")
    cover.add_argument("--out", type=Path, required=True, metavar="FILE.pdf")
    _common_options(cover, database=False, ocr=False)
    cover.set_defaults(handler=_cover_sheet)

    extract = commands.add_parser("extract", help="read one scan (image, multi-page TIFF, PDF) and print its documents")
    extract.add_argument("file", type=Path, metavar="FILE")
    extract.add_argument("--json", action="store_true", help="one JSON object per document and line")
    _common_options(extract, database=False)
    extract.set_defaults(handler=_extract)

    adjudicate = commands.add_parser("adjudicate", help="decide one structured claim (JSON) and print the decision")
    adjudicate.add_argument("claim", type=Path, metavar="CLAIM.json")
    adjudicate.set_defaults(handler=_adjudicate)

    evaluate = commands.add_parser("eval", help="extraction accuracy on a labelled folder (NAME.truth.json beside each scan)")
    evaluate.add_argument("dir", type=Path, metavar="DIR")
    evaluate.add_argument("--stored-ocr", type=Path, metavar="STORE",
                          help="score on OCR lines stored in STORE/<folder>/<scan>.json (tests/tools/store_ocr.py) instead of reading")
    evaluate.add_argument("--families", type=Path, metavar="FILE",
                          help="families file saying which layout families are held out (default tests/eval_set/families.yaml)")
    evaluate.add_argument("--json", action="store_true", help="the report as one JSON object")
    _common_options(evaluate, database=False)
    evaluate.set_defaults(handler=_eval)
    return parser


def _common_options(parser: argparse.ArgumentParser, database: bool = True, ocr: bool = True) -> None:
    if ocr:
        parser.add_argument("--ocr-engine", metavar="NAME", help=_engines_help())
    parser.add_argument("--home", metavar="DIR", help="CLAIMS_HOME: database, archive, pages (default ./var)")
    if database:
        parser.add_argument("--db", metavar="URL", help="database URL (default: SQLite under CLAIMS_HOME)")


def _engines_help() -> str:
    # Checked by name when the settings load (one line for a wrong one, from the option, the
    # environment or claims.toml alike), so a broken engines file does not stop `--help` here.
    from pipeline.ocr import DEFAULT_ENGINE, engine_names

    try:
        names = engine_names()
    except OcrEngineError as error:
        return f"OCR engine ({error.message})"
    return f"OCR engine: {', '.join(names)} (default: {DEFAULT_ENGINE})"


def _settings(args, long_running: bool = False):
    from flows.settings import load_settings, open_database, prepare_environment

    settings = load_settings(args.home, getattr(args, "db", None), getattr(args, "ocr_engine", None))
    prepare_environment(settings)
    if hasattr(args, "db"):  # a command that uses the database: a wrong URL is told now, as a setting
        # A watcher or server started while the database is away waits for it, as it does later on.
        open_database(settings.db_url, connect=not long_running)
    return settings


def _run(args) -> int:
    if not args.dir.is_dir():
        raise BadInputError(f"{args.dir}: not a folder of claim packets")
    settings = _settings(args)
    from flows.packets import discover, refusal

    packets = discover(args.dir)
    if not packets:
        raise BadInputError(f"{args.dir}: no claim packets (folders or multi-page PDF/TIFF files) in it")
    from flows.decisions import PacketResult, as_dropped

    if args.workers < 1:
        raise BadInputError("--workers must be at least 1")
    refusals = [refusal(packet) for packet in packets]
    for packet, refused in zip(packets, refusals):
        if refused:  # too many files, links: not read at all
            _print_result(PacketResult(packet.name, "quarantined", reason=refused), args.json)
    packets = [packet for packet, refused in zip(packets, refusals) if not refused]
    # Packets decided before are told from the database: no Prefect server, no OCR model for them.
    done = _decided_before(packets, settings)
    for packet in packets:
        if packet.path in done:
            _print_result(done[packet.path], args.json)
    packets = [packet for packet in packets if packet.path not in done]
    if not packets:
        return ExitCode.ok
    if args.workers > 1 or args.dask_address:
        return _run_batch(args, settings, packets)
    _load_models_while_prefect_starts(settings)
    from flows.intake import process_packet

    failed = 0
    for packet in packets:
        started = time.monotonic()
        # Progress names the packet by a hash: a folder may be named after the member (stdout's row names it).
        print(f"… packet {packet.ref}: {len(packet.files)} files", file=sys.stderr, flush=True)
        try:
            result = process_packet(packet, settings)
        except ClaimsError as error:
            result = PacketResult(packet.name, "error", reason=error.one_line())
        except Exception as error:  # noqa: BLE001 - one bad packet never stops the others
            result = PacketResult(packet.name, "error", reason=f"{type(error).__name__}: {error}")
        failed += result.status == "error"
        _print_result(as_dropped(result, packet.name), args.json, time.monotonic() - started)
    return ExitCode.packet_failed if failed else ExitCode.ok


def _decided_before(packets, settings) -> dict:
    """The packets whose content the database holds decided (or set aside), as their stored rows, by path:
    the same test the intake's `admit` makes under the packet's lock, made here without it to skip work."""
    from flows.decisions import as_dropped, stored_result
    from store import repository
    from store.archive import sha256_of
    from store.db import session_scope

    done = {}
    with session_scope(settings.db_url) as session:
        for packet in packets:
            content_hash = packet.content_hash({file: (sha256_of(file), None) for file in packet.files})
            known = repository.packet_by_hash(session, content_hash)
            if known is not None and known.status not in ("received", "error"):
                done[packet.path] = as_dropped(stored_result(session, known), packet.name)
    return done


def _load_models_while_prefect_starts(settings) -> None:
    """Prefect's temporary server takes seconds to start: the OCR models load meanwhile."""
    import threading

    from pipeline.ocr import get_engine

    failed: list[Exception] = []

    def start_server() -> None:
        from prefect.server.api.server import SubprocessASGIServer

        try:
            SubprocessASGIServer().start()  # the one server of this process, which the first flow uses
        except Exception as error:  # noqa: BLE001 - raised again in the main thread
            failed.append(error)

    starter = None if os.environ.get("PREFECT_API_URL") else threading.Thread(target=start_server, daemon=True)
    if starter is not None:
        starter.start()
    get_engine(settings.ocr_engine, settings.ocr_threads)
    if starter is not None:
        starter.join()
    if failed:
        raise failed[0]


def _run_batch(args, settings, packets) -> int:
    """All packets at once, their pages read in parallel on Dask workers (one OCR thread each)."""
    from dataclasses import replace

    from prefect_dask import DaskTaskRunner

    from flows.decisions import as_dropped
    from flows.intake import process_batch

    if settings.ocr_threads == 0:
        settings = replace(settings, ocr_threads=1)  # N processes × 1 thread beats oversubscribing the cores
    runner = (DaskTaskRunner(address=args.dask_address) if args.dask_address else
              DaskTaskRunner(cluster_kwargs={"n_workers": args.workers, "threads_per_worker": 1, "processes": True,
                                             "dashboard_address": None}))
    print(f"… {len(packets)} packets on {args.dask_address or f'{args.workers} local Dask workers'}",
          file=sys.stderr, flush=True)
    started = time.monotonic()
    results = process_batch.with_options(task_runner=runner)(packets, settings)
    for packet, result in zip(packets, results):
        _print_result(as_dropped(result, packet.name), args.json)
    print(f"… {len(results)} packets in {time.monotonic() - started:.1f}s", file=sys.stderr, flush=True)
    return ExitCode.packet_failed if any(r.status == "error" for r in results) else ExitCode.ok


def _print_result(result, as_json: bool, seconds: float | None = None, stamped: bool = False) -> None:
    if as_json:
        print(json.dumps(result.to_json(), ensure_ascii=False), flush=True)
        return
    done = " (already processed)" if result.already_done else (f" ({seconds:.1f}s)" if seconds is not None else "")
    review = f"{len(result.needs_review)} fields to review" if result.needs_review else "nothing to review"
    claim_id = result.claim_id if result.claim_id and not result.claim_id.startswith("pending-") else "-"
    stamp = f"{datetime.now().astimezone():%Y-%m-%d %H:%M:%S} " if stamped else ""
    print(f"{stamp}{result.packet:<30} {claim_id:<13} {result.member_id or '-':<12} {result.status:<20} "
          f"{result.payable:>9}  {review}{done}" + (f"  — {result.reason}" if result.reason else ""), flush=True)


def _watch(args) -> int:
    if not args.inbox.is_dir():
        raise BadInputError(f"{args.inbox}: not a folder")
    if args.settle_seconds < 0 or args.poll_seconds <= 0:
        raise BadInputError("--settle-seconds must be ≥ 0 and --poll-seconds > 0")
    settings = _settings(args, long_running=True)
    import signal

    from flows.watch import watch

    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    for handler in logging.getLogger().handlers:  # a long-running watcher's log says when
        handler.setFormatter(_OneLineFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S"))
    print(f"{datetime.now().astimezone():%Y-%m-%d %H:%M:%S} watching {args.inbox} "
          f"(settle {args.settle_seconds:g}s, poll {args.poll_seconds:g}s)", file=sys.stderr, flush=True)
    watch(args.inbox, settings, args.settle_seconds, args.poll_seconds, stop=lambda: bool(stopping),
          report=lambda result: _print_result(result, as_json=False, stamped=True))
    return ExitCode.ok


def _iso_date(text: str):
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date (YYYY-MM-DD)") from None


def _serve(args) -> int:
    if not args.inbox.is_dir():
        raise BadInputError(f"{args.inbox}: not a folder")
    settings = _settings(args, long_running=True)
    from flows.serve import serve_intake

    serve_intake(args.inbox, settings.claims_home, settings.db_url, args.settle_seconds, args.poll_seconds,
                 args.nightly_cron, args.work_pool)
    return 0


def _nightly(args) -> int:
    settings = _settings(args)
    from flows.nightly import nightly

    summary = nightly(settings, args.date)
    print(f"nightly {summary.day}: {len(summary.redecided)} re-decided, {len(summary.expired)} expired, "
          f"{len(summary.overdue_pending)} pending reminders due")
    print(f"payment file: {summary.payment_file or 'none (nothing to pay)'}; {summary.paid_claims} claims, "
          f"{summary.paid_total:.2f} yuan" + (f"; {len(summary.unpaid_no_account)} without a bank account"
                                              if summary.unpaid_no_account else ""))
    print(f"report: {summary.report}")
    return 0


def _letter(args) -> int:
    import adjudicator
    from flows.desk import letter_originals
    from store import repository
    from store.db import session_scope

    settings = _settings(args)
    with session_scope(settings.db_url) as session:
        decision = repository.current_decision_of_claim(session, args.claim_id)
        if decision is None:
            raise BadInputError(f"no decided claim {args.claim_id}")
        claim, outcome = decision.claim, decision.decision
        originals = letter_originals(session, decision.packet_id)  # M2.9: the member asked for them back
    print(adjudicator.member_letter_from_json(claim, outcome, settings.contact, originals), end="")
    return 0


def _review(args) -> int:
    settings = _settings(args)
    if args.add_user:
        from review.users import create_user, prompt_password

        create_user(settings.db_url, args.add_user, prompt_password(), args.role)
        print(f"user {args.add_user} ({args.role}) created")
        return 0
    from review import serve

    serve(settings.db_url, settings.claims_home, host=args.host, port=args.port, inbox=args.inbox)
    return 0


def _roster(args) -> int:
    from pipeline.roster import parse_roster
    from store import repository
    from store.db import session_scope

    try:
        text = args.csv.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise BadInputError(f"{args.csv}: cannot read as UTF-8 CSV ({error.__class__.__name__})") from None
    rows = parse_roster(text)
    settings = _settings(args)
    with session_scope(settings.db_url) as session:
        imported = repository.import_roster(session, rows)
    print(f"roster imported: {imported.added} members added, {imported.updated} updated")
    if imported.blacklist_changes:
        from flows.blacklist import follow_roster

        follow_roster(settings.db_url, imported.blacklist_changes)
        print(f"blacklist (M4.2.26): the roster changed {len(imported.blacklist_changes)} member-years; "
              "their claims were decided again")
    return 0


def _cover_sheet(args) -> int:
    from flows.stacks import print_cover_sheets

    numbers = print_cover_sheets(_settings(args), args.count, args.out)
    issued = numbers[0] if len(numbers) == 1 else f"{numbers[0]} … {numbers[-1]}"
    print(f"{len(numbers)} cover sheet(s) in {args.out}: {issued}")
    return 0


def _extract(args) -> int:
    if not args.file.is_file():
        raise BadInputError(f"{args.file}: no such file")
    settings = _settings(args)
    from extractors.registry import extract
    from pipeline import checks
    from pipeline.ocr import get_engine
    from pipeline.pages import split
    from pipeline.reading import read_documents

    engine = get_engine(settings.ocr_engine, settings.ocr_threads)
    for page in read_documents(split(args.file), engine):
        document = checks.check_document(extract(page))
        out = document.to_json()
        if args.json:
            print(json.dumps(out, ensure_ascii=False), flush=True)
        else:
            print(f"{out['source']} page {out['page']}: {out['doc_type']} ({out['doc_type_confidence']:.2f}), "
                  f"rotation {out['rotation']}")
            for name, field in out["fields"].items():
                flag = "  ← review" if name in document.needs_review else ""
                print(f"  {name:<24} {field['value']!s:<40} {field['confidence']:.2f}{flag}")
            for check in out["checks"]:
                print(f"  check {check['check']}: {'ok' if check['ok'] else 'FAILED'} — {check['detail']}")
            print(f"  needs_review: {', '.join(document.needs_review) or 'nothing'}")
    return 0


def _adjudicate(args) -> int:
    import adjudicator

    try:
        text = args.claim.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise BadInputError(f"{args.claim}: cannot read ({error.__class__.__name__})") from None
    print(json.dumps(adjudicator.adjudicate_json(text), ensure_ascii=False, indent=2))
    return 0


def _eval(args) -> int:
    if not args.dir.is_dir():
        raise BadInputError(f"{args.dir}: not a folder")
    from pipeline import evaluation

    families = evaluation.load_families(args.families) if args.families else None
    if args.stored_ocr:
        if not args.stored_ocr.is_dir():
            raise BadInputError(f"{args.stored_ocr}: not a folder")
        report = evaluation.evaluate_stored(args.dir, args.stored_ocr, families)
    else:
        settings = _settings(args)
        report = evaluation.evaluate_folder(args.dir, settings.ocr_engine, settings.ocr_threads, families)
    print(json.dumps(report.to_json(), ensure_ascii=False, indent=1) if args.json else report.render())
    return 0


if __name__ == "__main__":
    sys.exit(main())
