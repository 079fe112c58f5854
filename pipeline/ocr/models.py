"""Local PP-OCR model directories for PaddleOCR, made from installed packages.

PaddleOCR's ONNX Runtime backend reads a folder holding `inference.onnx` and
`inference.yml`. The rapidocr wheel ships the same PP-OCRv6 small det/rec
models as ONNX files (the recogniser carries its character list in the model's
metadata), so the folders are written from it once, offline: no weights are
ever downloaded. A folder an operator provides (with the PaddleX files already
in it) is used as it is.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import yaml

from pipeline.errors import OcrEngineError

DETECTION_MODEL = "PP-OCRv6_small_det"
RECOGNITION_MODEL = "PP-OCRv6_small_rec"
TEXT_RECOGNITION_FILE = "PP-OCRv6_rec_small.onnx"
_WHEEL_FILES = {
    DETECTION_MODEL: "PP-OCRv6_det_small.onnx",
    RECOGNITION_MODEL: TEXT_RECOGNITION_FILE,
}
TEXTLINE_ORIENTATION_FILE = "ch_ppocr_mobile_v2.0_cls_mobile.onnx"


def default_model_root() -> Path:
    configured = os.environ.get("CLAIMS_OCR_MODEL_DIR")
    if configured:
        return Path(configured)
    return Path(os.environ.get("CLAIMS_HOME", "var")) / "models"


def wheel_model_file(file_name: str) -> Path:
    try:
        import rapidocr
    except ImportError as exc:  # pragma: no cover - install problem
        raise OcrEngineError("the rapidocr package (which carries the PP-OCR weights) is not installed") from exc
    path = Path(rapidocr.__file__).parent / "models" / file_name
    if not path.is_file():
        raise OcrEngineError(f"PP-OCR weights missing from the rapidocr wheel: {path.name}")
    return path


def ensure_paddle_model_dirs(root: Path) -> dict[str, Path]:
    """Folders for the detection and recognition models, written from the wheel if absent."""
    dirs = {}
    for model_name, wheel_file in _WHEEL_FILES.items():
        folder = root / model_name
        if not (folder / "inference.onnx").is_file() or not (folder / "inference.yml").is_file():
            _write_model_dir(folder, model_name, wheel_model_file(wheel_file))
        dirs[model_name] = folder
    return dirs


def _write_model_dir(folder: Path, model_name: str, onnx_file: Path) -> None:
    # PaddleX's own description of the model (pre/post-processing) for the pinned version.
    from paddlex.modules.base.utils.pdparams2safetensors.inference_meta import build_inference_meta

    meta = {"Global": {"model_name": model_name}, **build_inference_meta(model_name)}
    if model_name == RECOGNITION_MODEL:
        meta["PostProcess"]["character_dict"] = _character_list(onnx_file)
    # Several processes may start on a fresh CLAIMS_HOME at once (workers of a pool): each writes its
    # own folder and renames it into place; another process never sees a half-written or removed one.
    partial = folder.with_name(f"{folder.name}.partial-{uuid.uuid4().hex}")
    partial.mkdir(parents=True)
    shutil.copyfile(onnx_file, partial / "inference.onnx")
    with open(partial / "inference.yml", "w", encoding="utf-8") as out:
        yaml.safe_dump(meta, out, allow_unicode=True)
    if folder.exists() and not (folder / "inference.yml").is_file():
        shutil.rmtree(folder, ignore_errors=True)  # an incomplete folder left by an older version
    try:
        partial.rename(folder)
    except OSError:  # another process put its complete folder there first
        shutil.rmtree(partial, ignore_errors=True)


def _character_list(onnx_file: Path) -> list[str]:
    import onnxruntime

    metadata = onnxruntime.InferenceSession(str(onnx_file), providers=["CPUExecutionProvider"]).get_modelmeta()
    characters = metadata.custom_metadata_map.get("character")
    if not characters:
        raise OcrEngineError(f"{onnx_file.name} carries no character list")
    return characters.split("\n")
