"""The four demo carriers of DESIGN §4, with believable tariffs and v1 contract terms.

``seed_demo_carriers()`` is idempotent: carriers, zone rates and bag sizes are updated in place;
an existing contract version is never rewritten (orders point at the text their users accepted).
Amounts are in the carrier's currency (CNY; HKD for ``hk-bag``).
"""

from datetime import datetime, time
from decimal import Decimal as D
from zoneinfo import ZoneInfo

from django.db import transaction

from .models import (
    BagSize,
    Carrier,
    ContractTerms,
    PricingKind,
    TransitTime,
    TransportMode,
    Zone,
    ZoneRate,
)

CONTRACT_VERSION = "v1"
CONTRACT_PUBLISHED_AT = datetime(2026, 1, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
ALL_GROUPS = list(range(1, 12))

CARRIERS: dict[str, dict] = {
    "swift-express": {
        "name_zh_hans": "迅捷快递",
        "name_zh_hant": "迅捷快遞",
        "name_en": "Swift Express",
        "transport_modes": [TransportMode.AIR, TransportMode.GROUND],
        "max_weight_kg": D("50"),
        "max_length_cm": D("150"),
        "max_volume_cm3": D("600000"),  # 0.6 m³
        "pickup_start": time(8, 0),
        "pickup_end": time(20, 0),
        "volumetric_divisor": 6000,
        "weight_step_kg": D("0.5"),
        "insurance_rate": D("0.005"),
        "insurance_min_fee": D("1.00"),
        "insurance_max_value": D("30000"),
        "refusal_groups": [1, 2, 3, 6, 7, 8, 9, 11],
        "requires_pickup_code": True,
        "offers_recipient_pays": True,
    },
    "econ-post": {
        "name_zh_hans": "经济速递",
        "name_zh_hant": "經濟速遞",
        "name_en": "Econ Post",
        "transport_modes": [TransportMode.GROUND],
        "max_weight_kg": D("30"),
        "max_length_cm": D("120"),
        "max_volume_cm3": D("300000"),  # 0.3 m³
        "pickup_start": time(9, 0),
        "pickup_end": time(18, 0),
        "volumetric_divisor": 8000,
        "weight_step_kg": D("1"),
        "insurance_rate": D("0.006"),
        "insurance_min_fee": D("2.00"),
        "insurance_max_value": D("5000"),
        "refusal_groups": [1, 2, 3, 5, 6, 7, 8, 9, 11],
    },
    "heavy-freight": {
        "name_zh_hans": "重货物流",
        "name_zh_hant": "重貨物流",
        "name_en": "Heavy Freight",
        "transport_modes": [TransportMode.GROUND],
        "max_weight_kg": D("300"),
        "max_length_cm": D("500"),
        "max_volume_cm3": D("3000000"),  # 3 m³
        "pickup_start": time(9, 0),
        "pickup_end": time(17, 0),
        "volumetric_divisor": 6000,
        "weight_step_kg": D("1"),
        "insurance_rate": D("0.003"),
        "insurance_min_fee": D("5.00"),
        "insurance_max_value": D("50000"),
        "refusal_groups": ALL_GROUPS,
        "offers_recipient_pays": True,
    },
    "hk-bag": {
        "name_zh_hans": "港邮快递袋",
        "name_zh_hant": "港郵快遞袋",
        "name_en": "HK Bag Post",
        "origin_provinces": ["81"],
        "destination_provinces": [],  # every mainland province
        "transport_modes": [TransportMode.GROUND],
        "max_weight_kg": D("20"),
        "max_length_cm": D("100"),
        "max_volume_cm3": D("150000"),
        "pickup_start": time(10, 0),
        "pickup_end": time(19, 0),
        "currency": "HKD",
        "pricing": PricingKind.BAG,
        "volumetric_divisor": 6000,
        "weight_step_kg": D("0.5"),
        "surcharge_service_fee": D("12.00"),
        "import_tax_rate": D("0.13"),  # 行邮税 on most personal goods
        "bag_weight_priced_provinces": ["65", "54"],  # 新疆, 西藏: by weight (003 §9a)
        "insurance_rate": D("0.01"),
        "insurance_min_fee": D("10.00"),
        "insurance_max_value": D("20000"),  # 003 §11: compensation at most HKD 20,000
        "claim_window_days": 30,
        "claim_documents_days": 90,
        "refusal_groups": [1, 2, 3, 5, 6, 7, 8, 9, 11],
        "offers_recipient_pays": True,  # 003 §9c: the sender may have the recipient pay
        "requires_customs_lines": True,  # 003 §4F, §6: declared to customs line by line
    },
}

# zone → (first weight kg, first-weight price, price per further step)
ZONE_RATES: dict[str, dict[str, tuple[D, D, D]]] = {
    "swift-express": {  # per 0.5 kg step
        Zone.SAME_CITY: (D("1"), D("12.00"), D("2.00")),
        Zone.SAME_PROVINCE: (D("1"), D("14.00"), D("2.50")),
        Zone.OTHER_PROVINCE: (D("1"), D("20.00"), D("4.00")),
        Zone.REMOTE: (D("1"), D("28.00"), D("7.00")),
    },
    "econ-post": {  # per 1 kg step
        Zone.SAME_CITY: (D("1"), D("8.00"), D("2.00")),
        Zone.SAME_PROVINCE: (D("1"), D("9.00"), D("3.00")),
        Zone.OTHER_PROVINCE: (D("1"), D("12.00"), D("5.00")),
        Zone.REMOTE: (D("1"), D("18.00"), D("10.00")),
    },
    "heavy-freight": {  # first 5 kg, then per 1 kg
        Zone.SAME_CITY: (D("5"), D("25.00"), D("1.50")),
        Zone.SAME_PROVINCE: (D("5"), D("30.00"), D("2.00")),
        Zone.OTHER_PROVINCE: (D("5"), D("40.00"), D("3.50")),
        Zone.REMOTE: (D("5"), D("60.00"), D("6.00")),
    },
    "hk-bag": {  # HKD per 0.5 kg, for the weight-priced provinces only
        Zone.OTHER_PROVINCE: (D("1"), D("58.00"), D("18.00")),
        Zone.REMOTE: (D("1"), D("78.00"), D("26.00")),
    },
}

# code → (name, HKD price, max weight kg, max items or None)
BAG_SIZES: dict[str, dict[str, tuple[str, D, D, int | None]]] = {
    "hk-bag": {
        "S": ("小号快递袋 S", D("38.00"), D("2"), 3),
        "M": ("中号快递袋 M", D("68.00"), D("5"), None),
        "L": ("大号快递袋 L", D("108.00"), D("10"), None),
    },
}

GROUP_NAMES = {
    1: "工艺品类",
    2: "家具机器类",
    3: "食品类",
    4: "不确定价值类",
    5: "易碎物品类",
    6: "LED 类",
    7: "液晶类",
    8: "等离子类",
    9: "特殊类",
    10: "体积与重量",
    11: "异常类",
}


def _domestic_terms(code: str, spec: dict) -> tuple[str, str]:
    name = spec["name_zh_hans"]
    groups = "、".join(f"{n}. {GROUP_NAMES[n]}" for n in spec["refusal_groups"] if n != 10)
    pickup_code = (
        "\n4. 交付物品前，请核对快递员的姓名、电话和工号，并向快递员告知平台订单页面显示的6位取件码；"
        "快递员须在系统中录入取件码后方可揽收。身份或取件码核验不一致的，您有权拒绝交付。"
        if spec.get("requires_pickup_code")
        else "\n4. 交付物品前，请核对快递员的姓名、电话和工号；核验不一致的，您有权拒绝交付。"
    )
    heavy = (
        "\n5. 大件、重货须由寄件人按运输要求妥善包装；单件超过本公司揽收限制的，快递员有权拒绝揽收。"
        if code == "heavy-freight"
        else ""
    )
    step = f"{spec['weight_step_kg'].normalize():f}"
    body = f"""{name}电子契约条款（第1版）

一、服务内容
本公司（{name}）通过平台接收您的寄件订单，指派快递员在您选择的预约时间段（每日{spec["pickup_start"]:%H:%M}至{spec["pickup_end"]:%H:%M}）上门揽收，核算并收取寄递费用，回传运单号和物流信息，并将物品配送至收件地址。一张运单仅对应一个包裹。快递员接单后，本公司与您之间的寄递服务合同成立。

二、寄件人义务
1. 您应如实填写寄件人、收件人、联系方式、地址、物品类型、重量和价值等信息，并保证其真实、准确、完整；因信息有误导致无法揽收或派送的，由您自行承担责任。
2. 快递员上门时，您应准备好寄件人的有效身份证件，配合快递员依法验视物品和证件。本公司对验视信息承担保密义务。
3. 您不得交寄禁止寄递物品，不得在包裹内夹带禁寄物品，不得将禁寄物品匿报或者谎报为其他物品交寄。本公司拒收《禁限物品及贵重物品寄递告知》第四部分所列的以下类别物品：{groups}。{pickup_code}{heavy}

三、运费
运费按计费重量和寄递区域（同城、省内、跨省、偏远地区）计算：计费重量取实际重量与体积重量（长×宽×高（厘米）÷{spec["volumetric_divisor"]}）中的较大者，按{step}公斤向上取整。平台显示的运费为预估金额，实际运费以快递员揽收时核定的重量和金额为准，于揽收时向快递员支付。

四、保价与赔偿
1. 寄递贵重物品时，建议您选择保价服务。保价费为保价金额的{spec["insurance_rate"] * 100:.1f}%，最低{spec["insurance_min_fee"]}元；单票保价金额最高{spec["insurance_max_value"]:.0f}元，声明价值超出部分不在保价范围内。
2. 已保价的包裹因本公司原因发生遗失、损毁或短少的，在保价金额内按实际损失赔偿；部分损毁或短少的，按损失比例赔偿。
3. 未保价的包裹因本公司原因发生遗失、损毁或短少的，按实际损失赔偿，但最高不超过所收取运费的三倍。
4. 收件人签收时未在快递记录上注明破损的，视为包裹完好送达。

五、索赔
索赔应自揽收之日起{spec.get("claim_window_days", 30)}日内以书面形式提出，并于提出索赔后{spec.get("claim_documents_days", 90)}日内提交全部证明材料。每个包裹只能提出一次索赔。运费未付清前，本公司不受理索赔；赔偿金额不得用于抵扣运费。

六、取消、拒收与退回
揽收前您可随时通过平台取消订单。收件人拒收、地址错误或无法联系收件人的，包裹将退回寄件人，由此产生的退回运费由寄件人承担。

七、其他
本条款以中文版本为准，其他语言版本仅供参考。本条款未尽事宜，适用《中华人民共和国民法典》《中华人民共和国邮政法》《快递暂行条例》等法律法规。
"""
    return f"{name}电子契约条款", body


def _hk_bag_terms(spec: dict) -> tuple[str, str]:
    name = spec["name_zh_hans"]
    bags = "；".join(
        f"{bag_name}：{price}港元，限重{max_kg:.0f}公斤" + (f"，最多{items}件商品" if items else "")
        for bag_name, price, max_kg, items in BAG_SIZES["hk-bag"].values()
    )
    body = f"""{name}服务条款（第1版）

一、定义
“包裹”指单个运单中，本公司同意收寄的专用快递袋里的商品。“附加费”指服务费及代寄件人向海关支付的商品进口税费。本服务由香港收寄，派送至内地收件地址。

二、不予收寄的包裹
1. 国际航空运输协会、国际民航组织及其他相关政府部门或组织规定为有害、危险、禁运或限运的物品，以及《禁止寄递物品管理规定》所列的禁寄物品；
2. 动物及其部分、货币、债券、证券、假冒商品、贵重金属和宝石、枪械及其零件、火药、人体部分或尸骸、色情物品、毒品，以及本公司认为不能安全或合法运输的物品；
3. 因香港特别行政区政府“限奶令”，36个月以下婴儿配方奶粉暂不收寄；
4. 地址不正确或未正确标记，或包装不足以保证正常运输安全的包裹。

三、查验权
出于安全、保安、海关或监管的理由，本公司有权随时开箱查验包裹，而无须事先通知寄件人；本公司不对查验导致的延误负责。

四、运输
一张运单仅包含一个包裹。包裹以集货混装方式运输，外包装盒可能在运输过程中破损；除该破损导致包裹内物品损坏外，本公司不作赔偿。

五、清关
寄件人同意本公司代为填写清关申报文件、更正包裹申报内容，并按法律法规缴纳相关税费；本公司可自行或委托第三方在合适的口岸办理进口清关手续。

六、派送和不能派送
包裹不能派送到邮政信箱，亦不能仅按邮政编码派送，只按寄件人提供的收件人地址派送。收件人拒收、包裹不可接受或无法确定收件人的，包裹将退还寄件人，额外费用由寄件人支付；无法退还的，本公司可放弃、处置或变卖包裹，所得在扣除服务费用及管理费用后返还寄件人。

七、运费、关税及附加费
1. 运费按寄件人选用的专用快递袋大小计算（{bags}）；每个快递袋须妥善封口。寄往新疆、西藏的包裹按重量计算运费。
2. 寄件人必须将商品售价证明（发票或小票）连同商品放入快递袋中；无法提供的，本公司可决定核实商品价值或拒绝收寄。
3. 本公司向寄件人收取附加费：服务费每件{spec["surcharge_service_fee"]}港元，加上按商品申报价值全额估算的进口税（估算税率{spec["import_tax_rate"] * 100:.0f}%），以海关实际征收为准。缴交附加费是寄件人的必要责任；寄件人拒绝缴交的，包裹不予运送，寄件人须自行到客户服务中心取回包裹，已支付的运费不予退还。

八、保价服务
保价服务为可选增值服务。包裹因本公司严重疏忽遗失的，按商品售价证明赔偿，最高赔偿额为港币{spec["insurance_max_value"]:,.0f}元；破损或短缺的，按售价证明内个别商品价值及损毁或遗失比例赔偿。包裹须寄还寄件人的，从赔偿金额中扣除所需运费。在任何情况下，赔偿不超过商品售价证明所载价值，亦不超过港币{spec["insurance_max_value"]:,.0f}元。保价费为保价金额的{spec["insurance_rate"] * 100:.0f}%，最低{spec["insurance_min_fee"]}港元。

九、责任与索赔
本公司的责任仅限于实际直接损失。每一包裹只能提出一次索赔。索赔必须在本公司接收包裹后{spec["claim_window_days"]}天内以书面方式提出，并在提出索赔后{spec["claim_documents_days"]}天内交付所有相关证明文件。运费未付清前，本公司无义务受理索赔；索赔金额不可用于抵消运费。收件人签收时未在快递记录上注明损坏的，视为包裹完好送达。

十、管辖语言
本条款不同语言版本如有差异，以中文版本为准。
"""
    return f"{name}服务条款", body


# Days from pickup to delivery by zone (min, max): shown as an estimate, never a promise.
TRANSIT_DAYS: dict[str, dict[str, tuple[int, int]]] = {
    "swift-express": {
        Zone.SAME_CITY: (1, 1),
        Zone.SAME_PROVINCE: (1, 2),
        Zone.OTHER_PROVINCE: (2, 3),
        Zone.REMOTE: (3, 5),
    },
    "econ-post": {
        Zone.SAME_CITY: (1, 2),
        Zone.SAME_PROVINCE: (2, 3),
        Zone.OTHER_PROVINCE: (3, 5),
        Zone.REMOTE: (5, 7),
    },
    "heavy-freight": {
        Zone.SAME_CITY: (2, 3),
        Zone.SAME_PROVINCE: (2, 4),
        Zone.OTHER_PROVINCE: (4, 6),
        Zone.REMOTE: (6, 9),
    },
    "hk-bag": {
        Zone.SAME_CITY: (2, 4),
        Zone.SAME_PROVINCE: (3, 5),
        Zone.OTHER_PROVINCE: (3, 6),
        Zone.REMOTE: (5, 8),
    },
}


@transaction.atomic
def seed_demo_carriers() -> dict[str, Carrier]:
    """Create or update the demo carriers; returns them by code."""
    carriers = {}
    for code, spec in CARRIERS.items():
        defaults = {
            "active": True,
            "origin_provinces": [],
            "destination_provinces": [],
            "currency": "CNY",
            "pricing": PricingKind.WEIGHT,
            "surcharge_service_fee": D("0"),
            "import_tax_rate": D("0"),
            "bag_weight_priced_provinces": [],
            "claim_window_days": 30,
            "claim_documents_days": 90,
            "requires_pickup_code": False,
            "offers_recipient_pays": False,
            "requires_customs_lines": False,
            # The simulator plays these carriers while CARRIER_SIMULATOR is on (simulator app).
            "integration": "manual",
            **spec,
        }
        carrier, _ = Carrier.objects.update_or_create(code=code, defaults=defaults)
        for zone, (first_kg, first_price, step_price) in ZONE_RATES.get(code, {}).items():
            ZoneRate.objects.update_or_create(
                carrier=carrier,
                zone=zone,
                defaults={"first_weight_kg": first_kg, "first_price": first_price, "step_price": step_price},
            )
        for zone, (min_days, max_days) in TRANSIT_DAYS.get(code, {}).items():
            TransitTime.objects.update_or_create(
                carrier=carrier, zone=zone, defaults={"min_days": min_days, "max_days": max_days}
            )
        for bag_code, (name, price, max_kg, max_items) in BAG_SIZES.get(code, {}).items():
            BagSize.objects.update_or_create(
                carrier=carrier,
                code=bag_code,
                defaults={"name": name, "price": price, "max_weight_kg": max_kg, "max_items": max_items},
            )
        title, body = _hk_bag_terms(spec) if code == "hk-bag" else _domestic_terms(code, spec)
        ContractTerms.objects.get_or_create(
            carrier=carrier,
            version=CONTRACT_VERSION,
            defaults={"title": title, "body": body, "published_at": CONTRACT_PUBLISHED_AT},
        )
        carriers[code] = carrier
    return carriers
