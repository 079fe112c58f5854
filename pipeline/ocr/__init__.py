"""OCR engines behind one small interface: an image in, text lines out.

Engines are chosen by name, as `pipeline/data/ocr_engines.yaml` lists them with their
settings, and loaded once per process: model sessions are expensive, pages are many.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Protocol

import numpy as np
import yaml

from pipeline.errors import OcrEngineError

DEFAULT_ENGINE = "paddleocr"


@dataclass(frozen=True)
class TextLine:
    text: str
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels of the page image
    confidence: float

    @property
    def height(self) -> int:
        return self.box[3] - self.box[1]

    @property
    def center_y(self) -> float:
        return (self.box[1] + self.box[3]) / 2

    def to_json(self) -> dict:
        return {"text": self.text, "box": list(self.box), "confidence": round(self.confidence, 4)}

    @classmethod
    def from_json(cls, obj: dict) -> "TextLine":
        return cls(obj["text"], tuple(obj["box"]), float(obj["confidence"]))


class OcrEngine(Protocol):
    name: str

    def read(self, image: np.ndarray) -> list[TextLine]:
        """Text lines of a BGR page image, in reading order (top to bottom, left to right)."""


def box_of_polygon(points) -> tuple[int, int, int, int]:
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    return (int(pts[:, 0].min()), int(pts[:, 1].min()), int(pts[:, 0].max()), int(pts[:, 1].max()))


def reading_order(lines: list[TextLine]) -> list[TextLine]:
    return sorted(lines, key=lambda line: (line.box[1], line.box[0]))


def read_many(engine: OcrEngine, images: list[np.ndarray]) -> list[list[TextLine]]:
    """The text lines of each image, through the engine's own batch where it has one."""
    batched = getattr(engine, "read_many", None)
    return batched(images) if batched else [engine.read(image) for image in images]


def batch_pages(engine: OcrEngine) -> int:
    """How many pages the engine reads best at once (1: one at a time)."""
    return getattr(engine, "batch_pages", 1)


ENGINES_FILE = Path(__file__).resolve().parent.parent / "data" / "ocr_engines.yaml"


def _load_paddleocr(name: str, settings: dict, threads: int) -> OcrEngine:
    from pipeline.ocr.paddle import PaddleOcrEngine

    return PaddleOcrEngine(threads=threads, scale_detection=settings["detection_scale"], name=name)


def _load_rapidocr(name: str, settings: dict, threads: int) -> OcrEngine:
    from pipeline.ocr.rapid import RapidOcrEngine

    return RapidOcrEngine(threads=threads, name=name)


def _load_faster_paddle(name: str, settings: dict, threads: int) -> OcrEngine:
    from pipeline.ocr.faster import FasterPaddleEngine

    return FasterPaddleEngine(name, threads=threads, **settings)


# Each kind of engine: its loader, and every setting it takes with the setting's type.
KINDS: dict[str, tuple[Callable[[str, dict, int], OcrEngine], dict[str, type]]] = {
    "paddleocr": (_load_paddleocr, {"detection_scale": bool}),
    "rapidocr": (_load_rapidocr, {}),
    "faster-paddle": (_load_faster_paddle, {"model_size": str, "det_max_side": int, "batch_pages": int}),
}


@lru_cache(maxsize=None)
def engine_settings(path: Path = ENGINES_FILE) -> dict[str, tuple[str, dict]]:
    """Engine name → (kind, settings), checked: a wrong file is one line naming the engine and the key."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise OcrEngineError(f"{path.name}: cannot be read ({type(error).__name__})") from None
    if not isinstance(data, dict) or not data:
        raise OcrEngineError(f"{path.name}: no engines in it")
    engines = {}
    for name, entry in data.items():
        where = f"{path.name}: engine '{name}'"
        if not isinstance(entry, dict) or "kind" not in entry:
            raise OcrEngineError(f"{where}: missing key 'kind'")
        kind = entry["kind"]
        if kind not in KINDS:
            raise OcrEngineError(f"{where}: unknown kind '{kind}' (choose one of: {', '.join(KINDS)})")
        expected = KINDS[kind][1]
        settings = {key: value for key, value in entry.items() if key != "kind"}
        unknown, missing = set(settings) - set(expected), set(expected) - set(settings)
        if unknown:
            raise OcrEngineError(f"{where}: unknown key '{sorted(unknown)[0]}'")
        if missing:
            raise OcrEngineError(f"{where}: missing key '{sorted(missing)[0]}'")
        for key, value in settings.items():
            if type(value) is not expected[key]:  # `type is`: yes/no is not a number here
                raise OcrEngineError(f"{where}: '{key}' must be {expected[key].__name__}, not '{value}'")
        engines[str(name)] = (kind, settings)
    return engines


def engine_names() -> list[str]:
    return list(engine_settings())


_engines: dict[tuple[str, int], OcrEngine] = {}
_engines_lock = threading.Lock()


def get_engine(name: str = DEFAULT_ENGINE, threads: int = 0) -> OcrEngine:
    """The process-wide engine of that name; `threads` 0 lets the engine decide."""
    engines = engine_settings()
    if name not in engines:
        raise OcrEngineError(f"unknown OCR engine '{name}' (choose one of: {', '.join(engines)})")
    key = (name, threads)
    with _engines_lock:
        if key not in _engines:
            kind, settings = engines[name]
            _engines[key] = KINDS[kind][0](name, settings, threads)
        return _engines[key]
