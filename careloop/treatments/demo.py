"""A believable catalogue for demonstrations; the demo loader calls `catalogue_ensure_demo`."""

from __future__ import annotations

from careloop.treatments.models import Product, ServiceCategory, TreatmentPackage

C = ServiceCategory

# name, category, sessions, price (NT$), validity (months), description
DEMO_PACKAGES = [
    ("肩頸舒緩物理治療 10 堂", C.PHYSIOTHERAPY, 10, 12000, 6, "徒手治療搭配熱敷與電療"),
    ("下背痛物理治療 6 堂", C.PHYSIOTHERAPY, 6, 7200, 4, "評估後安排徒手治療與核心訓練"),
    ("運動傷害恢復 8 堂", C.SPORTS_RECOVERY, 8, 11200, 6, "跑者膝、網球肘等運動傷害"),
    ("運動按摩放鬆 5 堂", C.SPORTS_RECOVERY, 5, 5500, 3, "賽前賽後的筋膜放鬆"),
    ("慢性疼痛管理 12 堂", C.PAIN_MANAGEMENT, 12, 16800, 6, "震波與徒手治療組合"),
    ("震波治療 5 堂", C.PAIN_MANAGEMENT, 5, 15000, 4, "足底筋膜炎、鈣化性肌腱炎"),
    ("術後復健訓練 20 堂", C.REHABILITATION, 20, 28000, 12, "膝關節、肩關節術後"),
    ("中風復健訓練 24 堂", C.REHABILITATION, 24, 31200, 12, "步態與上肢功能訓練"),
]

# name, category, price (NT$), description
DEMO_PRODUCTS = [
    ("彈力帶（中阻力）", C.REHABILITATION, 450, "居家復健運動使用"),
    ("筋膜放鬆按摩球組", C.SPORTS_RECOVERY, 680, "花生球與單球各一"),
    ("護腰支撐帶", C.PHYSIOTHERAPY, 1280, "久坐與搬重物時使用"),
    ("遠紅外線熱敷墊", C.PAIN_MANAGEMENT, 1980, "肩頸與腰背熱敷"),
    ("葡萄糖胺膠囊 90 粒", C.HEALTH_PRODUCTS, 1200, "關節保健"),
    ("膠原蛋白粉 30 包", C.HEALTH_PRODUCTS, 1580, "日常保健"),
]


def catalogue_ensure_demo() -> tuple[int, int]:
    """Create the demo packages and products that are missing; safe to run twice.

    Returns how many packages and products were created."""
    made_packages = made_products = 0
    for name, category, sessions, price, months, description in DEMO_PACKAGES:
        _package, created = TreatmentPackage.objects.get_or_create(
            name=name,
            defaults={
                "category": category,
                "sessions": sessions,
                "price": price,
                "validity_months": months,
                "description": description,
            },
        )
        made_packages += created
    for name, category, price, description in DEMO_PRODUCTS:
        _product, created = Product.objects.get_or_create(
            name=name,
            defaults={"category": category, "price": price, "description": description},
        )
        made_products += created
    return made_packages, made_products
