"""Chinese names for what the screens show; an unknown key is shown as it is."""

import re

DOC_TYPES = {
    "receipt": "医疗收费票据", "medical_record": "门诊病历", "detail_list": "费用明细清单",
    "id_copy": "身份证复印件", "bank_book": "银行卡/存折",
}

FIELDS = {
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
    "unit_price": "单价", "amount": "金额", "days": "天数",
}

STATUSES = {
    "approved": "批准", "partially_approved": "部分批准", "rejected": "拒赔", "pending_documents": "待补材料",
    "needs_review": "待复核", "decided": "已裁定", "received": "已接收", "quarantined": "已隔离", "error": "出错",
    "accepted": "接受",
}

AUDIT_KINDS = {"correction": "更正", "accepted": "按原值确认", "override": "主管改判", "redecision": "重新裁定"}

ROLES = {"clerk": "理赔员", "supervisor": "主管"}

OVERRIDE_STATUSES = ("approved", "partially_approved", "rejected", "pending_documents")


def doc_type(key: str) -> str:
    return DOC_TYPES.get(key, key)


def field(name: str, item_index: int | None = None) -> str:
    label = FIELDS.get(name, name)
    return label if item_index is None else f"第{item_index + 1}项 {label}"


def field_path(path: str | None) -> str:
    """`receipt.items[2].amount` as 医疗收费票据 · 第3项 金额 (how the audit trail names a field)."""
    if not path:
        return ""
    doc, _, name = path.partition(".")
    match = re.fullmatch(r"items\[(\d+)\]\.(\w+)", name)
    return f"{doc_type(doc)} · {field(match.group(2), int(match.group(1))) if match else field(name)}"


def status(key: str | None) -> str:
    return STATUSES.get(key or "", key or "—")
