"""Chinese names for what the screens show; an unknown key is shown as it is."""

import re

from pipeline.signals import rule_label

DOC_TYPES = {
    "receipt": "医疗收费票据", "medical_record": "门诊病历", "detail_list": "费用明细清单",
    "id_copy": "身份证复印件", "bank_book": "银行卡/存折", "cover_sheet": "封面页（分隔页）", "unknown": "未识别的单据",
}

FIELDS = {
    "packet_number": "封面页编号", "return_originals": "申请退回收据原件",
    "invoice_code": "票据代码", "invoice_number": "票据号码", "check_code": "校验码", "visit_date": "就诊日期",
    "issue_date": "收费日期", "payer_name": "交款人", "insurance_type": "医保类型", "insurance_number": "医保编号",
    "total_in_words": "合计（大写）", "total": "合计", "fund_paid": "医保统筹支付", "additional_paid": "附加支付",
    "account_paid": "个人账户支付", "cash_paid": "现金支付", "category_self_pay": "分类自负", "self_borne": "自负",
    "self_pay": "自费", "third_party_paid": "第三方支付", "account_balance_current": "当年账户余额",
    "account_balance_past": "历年账户余额", "hospital": "医院", "visit_kind": "就诊类型", "patient_name": "姓名",
    "department": "科室", "first_visit": "初诊", "chief_complaint": "主诉", "present_illness": "现病史",
    "past_history": "既往史", "auxiliary_exam": "辅助检查", "positive_signs": "阳性体征", "diagnosis": "诊断",
    "treatment": "处理意见", "doctor_signature": "医师签名", "name": "姓名/名称", "sex": "性别",
    "birth_date": "出生日期", "id_number": "公民身份号码", "account_holder": "户名", "account_number": "账号",
    "bank_name": "开户行", "category": "类别", "spec": "规格", "quantity": "数量", "unit": "单位",
    "unit_price": "单价", "amount": "金额", "days": "天数", "items": "项目金额",
}

STATUSES = {
    "approved": "批准", "partially_approved": "部分批准", "rejected": "拒赔", "pending_documents": "待补材料",
    "needs_review": "待复核", "decided": "已裁定", "received": "已接收", "quarantined": "已隔离", "error": "出错",
    "accepted": "接受", "expired": "已过期",
}

AUDIT_KINDS = {"correction": "更正", "accepted": "确认", "entered": "录入", "absent": "标记为不在页面上",
               "check_settled": "校验裁决", "check_referred": "校验转交主管", "override": "主管改判", "redecision": "重新裁定",
               "signal_raised": "风险信号触发", "signal_cleared": "风险信号自动撤销", "signal_reopened": "风险信号再次触发",
               "signal_dismissed": "风险信号排除", "signal_escalated": "风险信号上报",
               "blacklisted": "列入黑名单（M4.2.26）", "unblacklisted": "移出黑名单",
               "page_turned": "页面旋转", "page_moved": "页面移动",
               "originals_requested": "申请退回收据原件（M2.9）", "originals_not_requested": "取消退回收据原件",
               "originals_enclosures": "登记退回原件的随附材料（M2.9）", "originals_sent": "收据原件已寄回",
               "documents_requested": "要求补充材料（M2.7）", "documents_received": "收到补充材料"}

SEVERITIES = {"high": "高", "medium": "中", "low": "低"}

SIGNAL_STATUSES = {"open": "待处理", "escalated": "已上报", "dismissed": "已排除", "cleared": "已自动撤销"}

# What a signal's evidence names, and its standing words (pipeline/signals.py).
EVIDENCE_KEYS = {
    "document_id": "单据编号", "page_id": "扫描页", "doc_type": "单据类型", "receipt": "票据", "member_id": "成员号",
    "presented_in": "另见于案件", "day": "日期", "standing": "处理情况", "other_member": "其他被保险人",
    "invoice_number": "票据号码", "coloured_ink_pixels": "彩色印章像素", "min_coloured_ink_pixels": "原件至少",
    "check": "校验", "detail": "明细", "documents": "单据", "visit_date": "就诊日期", "issue_date": "收费日期",
    "hospital": "医院", "series_size": "该院已见票据数", "expected_low": "应在号段自", "expected_high": "应在号段至",
    "numbers_per_day": "每天约出票", "seen_low": "已见最小号", "seen_high": "已见最大号", "stays": "同期住院",
    "admitted": "入院", "discharged": "出院", "year_start": "保单年度起", "value": "本年度数值", "threshold": "阈值",
    "percentile_value": "百分位值", "members": "参与比较的被保险人", "claims": "本年度案件数", "paid": "已付(元)",
    "claim_id": "案件",
}
STANDINGS = {"counted": "已计入赔付", "waiting": "尚待处理", "not_counted": "未予赔付"}

ROLES = {"clerk": "理赔员", "supervisor": "主管"}

OVERRIDE_STATUSES = ("approved", "partially_approved", "rejected", "pending_documents")


def severity(key: str) -> str:
    return SEVERITIES.get(key, key)


def signal_status(key: str) -> str:
    return SIGNAL_STATUSES.get(key, key)


def signal_rule(rule: str) -> str:
    return rule_label(rule)


def evidence_key(key: str) -> str:
    return EVIDENCE_KEYS.get(key, key)


def evidence_value(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str):
        return STANDINGS.get(value) or DOC_TYPES.get(value) or check_detail(value)
    return str(value)


def visit(visit_id: str) -> str:
    """The adjudicator's visit ids (V1, V2, …) as 第1次就诊."""
    match = re.fullmatch(r"V(\d+)", visit_id or "")
    return f"第{match.group(1)}次就诊" if match else f"就诊 {visit_id}"


def value(shown, value_type: str = "str") -> str:
    """A stored value as a clerk reads it: yes/no in Chinese, a visit kind by its name."""
    if shown is None:
        return ""
    if value_type == "bool" or shown in ("True", "False"):
        return {"True": "是", "False": "否"}.get(str(shown), str(shown))
    return VISIT_KINDS.get(str(shown), str(shown))


VISIT_KINDS = {"outpatient": "门诊", "emergency": "急诊", "inpatient": "住院"}


def doc_type(key: str) -> str:
    return DOC_TYPES.get(key, key)


# The document checks of pipeline/checks.py, as a clerk reads them.
CHECKS = {
    "split_adds_up": "支付方式之和应等于合计", "self_parts_within_paid": "自负部分不应超过个人支付",
    "cash_split_adds_up": "现金支付中各项之和应等于现金支付", "total_matches_words": "合计应与大写金额一致",
    "items_add_up": "各项金额之和应等于合计", "id_number_valid": "身份证号码校验",
    "names_agree": "各单据姓名一致", "record_for_visit_date": "病历日期与就诊日期一致",
    "detail_list_matches_receipt": "明细合计与票据合计一致",
    "id_number_agrees_with_card": "身份证号与卡面出生日期、性别一致",
    "arithmetic_repairs": "按票据金额关系修正的读数", "shanghai_receipt": "上海市医疗收费票据",
}

# Why a claim waits or was decided so, as the intake and the nightly run give it (their logs stay English):
# the one place those reasons are put into Chinese for display. Patterns, since some carry names of fields.
_REASONS = (
    (r"fields that decide money wait for review: (?P<fields>.+)", "影响赔付的项目待复核：{fields}"),
    (r"no readable ID copy: the member is unknown", "身份证复印件无法识别：被保险人未知"),
    (r"the ID copy's number is not on the insurer's roster", "身份证号码不在保险公司的花名册上"),
    (r"the name on (?P<fields>.+) differs from the member's", "{fields} 上的姓名与被保险人不符"),
    (r"the bank book is not in the member's name: no payment to someone else's account",
     "银行卡/存折户名不是被保险人本人：不向他人账户付款"),
    (r"receipt\(s\) (?P<ids>.+) already claimed by another member", "票据 {ids} 已由其他被保险人申领"),
    (r"no receipt was found in the packet", "材料中未找到医疗收费票据"),
    (r"(?P<file>.+): the receipt's visit date or hospital could not be read", "{file}：票据的就诊日期或医院未能读出"),
    (r"(?P<file>.+): the receipt's number or total could not be read", "{file}：票据号码或合计未能读出"),
    (r"nothing in it could be read: .*", "材料中没有可读取的文件"),
    (r"(?P<clause>[\w.]+): documents still missing when the claim window closed on (?P<day>[\d-]+)",
     "{clause}：至 {day} 申请期限届满时材料仍不齐全"),
)


def reason(text: str | None) -> str:
    """A stored reason (English for the logs) as the clerk reads it; one no pattern knows is named so."""
    if not text:
        return ""
    if not re.search(r"[A-Za-z]{2,}", text):
        return text
    for pattern, chinese in _REASONS:
        match = re.fullmatch(pattern, text)
        if match:
            return chinese.format(**{key: _named_fields(value) if key == "fields" else value
                                     for key, value in match.groupdict().items()})
    named = check_detail(text)  # Chinese text naming checks or fields by their codes
    if re.search(r"[\u4e00-\u9fff]", named):  # written in Chinese (a person's reason, a page named by its file)
        return named
    return named if not re.search(r"[A-Za-z]{2,}", named) else "其他原因（详见系统日志）"


def actor(name: str) -> str:
    """Who did it: a user's name, or the system (a re-adjudication, a signal raised)."""
    return {"system": "系统", "roster": "花名册"}.get(name, name)


def _named_fields(text: str) -> str:
    """`receipt.total, receipt.check.items_add_up` as 医疗收费票据 · 合计、…; other text as it is."""
    parts = [part.strip() for part in text.split(",")]
    if all(re.fullmatch(r"[a-z_]+\.[\w.\[\]]+", part) for part in parts):
        return "、".join(field_path(part) for part in parts)
    return text


# What a check's detail may say in English (pipeline.normalize's ID-number problems).
_DETAIL_PHRASES = {
    "not 17 digits and a check character": "不是 17 位数字加 1 位校验码",
    "check digit does not match (GB 11643)": "校验位不符（GB 11643）",
    "birth date is not a real date": "出生日期无效",
    "check digit and birth date valid": "校验位与出生日期有效",
}


def check_detail(text: str | None) -> str:
    """A check's detail (or a signal's summary naming a check) as a clerk reads it: codes named in Chinese."""
    text = _DETAIL_PHRASES.get(text or "", text or "")
    text = re.sub(r"\b(?:" + "|".join(CHECKS) + r")\b", lambda match: CHECKS[match.group(0)], text)
    return re.sub(r"\b(?:receipt|medical_record|detail_list|id_copy|bank_book)\.[a-z_]+(?:\[\d+\]\.[a-z_]+)?",
                  lambda match: field_path(match.group(0)), text)


def check(name: str) -> str:
    return CHECKS.get(name, name)


def field(name: str, item_index: int | None = None, item_name: str | None = None) -> str:
    """A field as a clerk names it; an item's with its row and the name printed on it: 第1项 头孢克洛缓释片 金额."""
    if item_index is None:
        return FIELDS.get(name, name)
    if name == "name":
        return f"第{item_index + 1}项 名称"
    return f"第{item_index + 1}项 {item_name} {FIELDS.get(name, name)}" if item_name else \
        f"第{item_index + 1}项 {FIELDS.get(name, name)}"


def field_path(path: str | None) -> str:
    """`receipt.items[2].amount` as 医疗收费票据 · 第3项 金额 (how the audit trail names a field)."""
    if not path:
        return ""
    doc, _, name = path.partition(".")
    if doc == "signal":  # a signal's audit rows name its rule
        return f"风险信号 · {signal_rule(name)}"
    if name.startswith("check."):
        return f"{doc_type(doc)} · 校验：{check(name[len('check.'):])}"
    match = re.fullmatch(r"items\[(\d+)\]\.(\w+)", name)
    return f"{doc_type(doc)} · {field(match.group(2), int(match.group(1))) if match else field(name)}"


def status(key: str | None) -> str:
    return STATUSES.get(key or "", key or "—")
