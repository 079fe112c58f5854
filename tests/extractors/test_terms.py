"""The medical dictionary: what it holds, which misread words it restores and which it leaves, and the
adjudicator's term lists now reached by garbled names and diagnoses."""

import json
from datetime import date
from pathlib import Path

import pytest

from adjudicator import packaged_plans
from extractors.model import Document, Field, OcrPage
from extractors.registry import extract
from extractors.terms import dictionary_groups, restore_misreads
from pipeline.claim import build_claim
from pipeline.evaluation import evaluate_stored
from pipeline.normalize import clean_text
from pipeline.ocr import TextLine

TESTS = Path(__file__).resolve().parents[1]
PLAN = packaged_plans()[0]


def _stored_page(path: Path, replace: dict[str, str] | None = None) -> OcrPage:
    record = json.loads(path.read_text(encoding="utf-8"))
    lines = []
    for line in record["lines"]:
        text = line["text"]
        for printed, misread in (replace or {}).items():
            text = text.replace(printed, misread)
        lines.append(TextLine.from_json({**line, "text": text}))
    return OcrPage(path.name, 1, record["rotation"], tuple(lines))


def _stored_lines() -> list[str]:
    texts = []
    # The sample scans' and the eval set's own pages, the lines checked by hand (not the tuning families').
    own = [path for path in TESTS.glob("ocr_eval/*/*.json") if not path.parent.name.startswith("tuned_")]
    for path in sorted([*TESTS.glob("ocr/*/*.json"), *own]):
        record = json.loads(path.read_text(encoding="utf-8"))
        for page in record.get("pages", [record]):
            texts += [clean_text(line["text"]) for line in page["lines"]]
    return texts


def test_the_dictionary_holds_the_plans_terms_the_section_labels_and_its_own_groups():
    groups = dictionary_groups()
    words = {word for group in groups.values() for word in group}
    plan_terms = {term for term_list in PLAN.terms.values() for term in (*term_list.terms, *term_list.negative_terms)}
    assert plan_terms <= words
    assert {"主诉", "现病史", "既往史", "出院诊断", "入院诊断", "医师签名"} <= set(groups["section_labels"])
    assert {"塞来昔布", "阿仑膦酸钠维D3", "阿莫西林克拉维酸钾", "布洛芬缓释胶囊", "头孢克洛"} <= set(groups["drugs"])
    assert {"眼压检查", "角膜荧光素染色检查", "验光", "裂隙灯下眼底检查"} <= set(groups["exams_and_fees"])
    assert len(groups["drugs"]) >= 200 and len(groups["diagnoses"]) >= 100


@pytest.mark.parametrize("read, restored", [
    ("(乙)孟台司特钠片", "(乙)孟鲁司特钠片"),  # receipt r18 of the eval set, as PP-OCR read it
    ("美便常规+险血", "粪便常规+隐血"),  # two of seven characters misread: the longer word explains more
    ("S31030003800010角膜荧光素染色检香", "S31030003800010角膜荧光素染色检查"),  # a real receipt, calibration set
    ("奥拉西担胶囊", "奥拉西坦胶囊"),
    ("慢性支气管灸", "慢性支气管炎"),
    ("阿仑膦酸钠维D8片", "阿仑膦酸钠维D3片"),  # latin letters and digits are read like characters
])
def test_a_word_read_with_a_character_wrong_is_restored(read, restored):
    assert restore_misreads(read).text == restored


@pytest.mark.parametrize("read", [
    "验先",  # two characters: one away from too many words
    "入院诊断", "出院诊断",  # each a word of its own, never the other misread
    "肝功能检测",  # a real item one character from 肝功能检查: 检测 is a word
    "头孢克肟分散片",  # printed right
    "(乙10%)塞来营有",  # a real receipt: two of four characters misread is a guess, not a reading
    "(乙)阿仑膦酸钠线70mg/28003",  # names 阿仑膦酸钠 read right: what followed it is not guessed
    "否认高血压、糖尿病史",  # a comma is no misread 病 (高血压病)
])
def test_words_read_right_short_words_and_guesses_are_left_as_read(read):
    assert restore_misreads(read).text == read


def test_on_the_stored_ocr_the_restored_lines_are_exactly_the_misread_names():
    """Every restoration in the engine's output for the sample scans and the eval set, checked by hand.

    The last one is wrong (产后复查 in a sentence); treatment texts are never restored.
    """
    restored = sorted({(text, restore_misreads(text).text) for text in _stored_lines()
                       if restore_misreads(text).words})
    assert restored == sorted({
        ("(乙)复方旦氧那明胶囊", "(乙)复方甲氧那明胶囊"), ("穿化吸入", "雾化吸入"),
        ("(甲)奥美立唑肠溶胶囊", "(甲)奥美拉唑肠溶胶囊"), ("2门螺杆菌抗体测定", "幽门螺杆菌抗体测定"),
        ("普适门诊诊查费", "普通门诊诊查费"), ("(甲)浆脱石散", "(甲)蒙脱石散"), ("美便常规+险血", "粪便常规+隐血"),
        ("血常规(五分笑)", "血常规(五分类)"), ("医师签含:N/N", "医师签名:N/N"),
        ("(甲)连花洁瘟胶囊", "(甲)连花清瘟胶囊"), ("普迹门诊诊查费", "普通门诊诊查费"), ("普边针刺", "普通针刺"),
        ("狠压检查(压平狠压)", "眼压检查(压平狠压)"), ("普迪门诊诊查费", "普通门诊诊查费"), ("普迹针刺", "普通针刺"),
        ("(乙)孟台司特钠片", "(乙)孟鲁司特钠片"),
        ("治疗意见:玻璃酸钠滴眼液qid滴双眼;减少电子屏幕使用时间,1月后复查。",
         "治疗意见:玻璃酸钠滴眼液qid滴双眼;减少电子屏幕使用时间,1产后复查。"),
    })


def test_detail_list_names_read_right_get_no_term_and_the_eval_set_scores_as_before():
    own = evaluate_stored(TESTS / "eval_set", TESTS / "ocr_eval").families["generator-v1"]
    assert own.per_doc_type_fields["detail_list"].share == 1.0
    assert own.per_doc_type_fields["inpatient_fee_detail"].share == 1.0
    page = _stored_page(TESTS / "ocr/01_outpatient_pays/detail_list_noise.json")
    assert [item for item in extract(page).items if "term" in item] == []


def _garbled_detail_list() -> Document:
    # The sample packet's detail list, as read, with one drug name misread the way PP-OCR misreads.
    page = _stored_page(TESTS / "ocr/01_outpatient_pays/detail_list_noise.json", {"复方甲氧那明胶囊": "甲钴按片"})
    return extract(page)


def test_a_misread_item_name_stays_as_printed_and_gets_its_dictionary_reading_less_surely():
    document = _garbled_detail_list()
    item = next(item for item in document.items if item["name"].value == "甲钴按片")
    assert item["term"].value == "甲钴胺片"
    assert item["term"].confidence == pytest.approx(item["name"].confidence * 0.75)
    assert (item["term"].page, item["term"].box) == (item["name"].page, item["name"].box)


def _claim(detail_list: Document, record: Document | None = None) -> dict:
    receipt = Document("r.jpg", 1, "receipt", 1.0, 0)
    receipt.fields = {name: Field(value, 0.99, 1, None) for name, value in {
        "invoice_number": "0012345678", "total": detail_list.value("total"),
        "visit_date": detail_list.value("visit_date"), "hospital": "复旦大学附属华山医院"}.items()}
    documents = [receipt, detail_list] + ([record] if record else [])
    return build_claim("C1", date(2025, 6, 1), documents, {"member_id": "M1", "name": "张三"}, {})


def test_a_garbled_drug_name_now_reaches_the_auxiliary_drug_list():
    auxiliary = PLAN.term_list("m4_1_3_auxiliary_drugs")
    assert PLAN.matcher.first_match(auxiliary, "甲钴按片") is None  # as printed it escapes the list
    names = [item["name"] for item in _claim(_garbled_detail_list())["visits"][0]["receipts"][0]["items"]]
    assert "甲钴胺片" in names and "甲钴按片" not in names
    assert PLAN.matcher.first_match(auxiliary, "甲钴胺片") == "甲钴胺"


def test_a_garbled_diagnosis_now_reaches_the_chronic_disease_list():
    record = extract(_stored_page(TESTS / "ocr/01_outpatient_pays/record_a4_first_visit.json",
                                  {"急性支气管炎": "慢性支气管灸"}))
    assert record.value("diagnosis") == "慢性支气管灸"  # the record keeps what is printed
    detail_list = extract(_stored_page(TESTS / "ocr/01_outpatient_pays/detail_list_noise.json"))
    record.fields["visit_date"] = detail_list.fields["visit_date"]
    diagnosis = _claim(detail_list, record)["visits"][0]["record"]["diagnosis"]
    assert diagnosis == "慢性支气管炎"
    assert PLAN.matcher.first_match(PLAN.term_list("d2_chronic_diseases"), diagnosis) == "慢性支气管炎"
