"""The demo fair: booths, suppliers and products that `boothcast demo` seeds.

Product names and descriptions are given in en/zh/es because the bundled translation model is
trained on them (translation/build/) and the booth page shows the supplier's own wording. Every
booth's supplier speaks one of the bundled model's languages.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

Text = dict[str, str]  # lang -> text


@dataclass(frozen=True)
class DemoProduct:
    sku: str
    name: Text
    description: Text
    moq: int
    unit: Text
    price: Decimal
    currency: str


@dataclass(frozen=True)
class DemoBooth:
    slug: str
    name: str
    supplier_name: str
    lang: str
    country: str
    city: str
    category: str
    email: str
    products: tuple[DemoProduct, ...]


def _p(sku: str, name: Text, desc: Text, moq: int, unit: Text, price: str, cur: str) -> DemoProduct:
    return DemoProduct(sku, name, desc, moq, unit, Decimal(price), cur)


PIECE = {"en": "piece", "zh": "件", "es": "pieza"}
SET = {"en": "set", "zh": "套", "es": "juego"}
SQM = {"en": "square meter", "zh": "平方米", "es": "metro cuadrado"}
METER = {"en": "meter", "zh": "米", "es": "metro"}
CARTON = {"en": "carton", "zh": "箱", "es": "caja"}

DEMO_PASSWORD = "demo-pass-2026"

BOOTHS: tuple[DemoBooth, ...] = (
    DemoBooth(
        "shenzhen-brightway-led",
        "明途照明 Brightway Lighting",
        "深圳明途照明科技有限公司",
        "zh",
        "CN",
        "Shenzhen",
        "lighting",
        "led@demo.boothcast.test",
        (
            _p(
                "BW-P6060",
                {"en": "LED panel light", "zh": "LED面板灯", "es": "panel LED"},
                {
                    "en": "Slim ceiling panel with even, flicker-free light.",
                    "zh": "超薄吸顶面板灯，光线均匀无频闪。",
                    "es": "Panel de techo delgado con luz uniforme y sin parpadeo.",
                },
                500,
                PIECE,
                "6.80",
                "USD",
            ),
            _p(
                "BW-S5050",
                {"en": "LED strip light", "zh": "LED灯带", "es": "tira de luz LED"},
                {
                    "en": "Flexible strip for shelves, signs and coves.",
                    "zh": "柔性灯带，适用于货架、招牌和灯槽。",
                    "es": "Tira flexible para estantes, letreros y molduras.",
                },
                1000,
                METER,
                "0.95",
                "USD",
            ),
            _p(
                "BW-HB150",
                {"en": "high bay light", "zh": "工矿灯", "es": "campana industrial"},
                {
                    "en": "Bright fixture for warehouses and factories.",
                    "zh": "适用于仓库和工厂的高亮灯具。",
                    "es": "Luminaria potente para almacenes y fábricas.",
                },
                100,
                PIECE,
                "38.50",
                "USD",
            ),
            _p(
                "BW-FL200",
                {"en": "flood light", "zh": "投光灯", "es": "foco proyector"},
                {
                    "en": "Waterproof outdoor light for yards and facades.",
                    "zh": "防水户外灯，适用于庭院和建筑外墙。",
                    "es": "Foco exterior impermeable para patios y fachadas.",
                },
                200,
                PIECE,
                "21.00",
                "USD",
            ),
            _p(
                "BW-BL09",
                {"en": "smart light bulb", "zh": "智能灯泡", "es": "bombilla inteligente"},
                {
                    "en": "Dimmable bulb controlled from a phone app.",
                    "zh": "可调光灯泡，可用手机应用控制。",
                    "es": "Bombilla regulable controlada desde una aplicación móvil.",
                },
                2000,
                PIECE,
                "2.10",
                "USD",
            ),
        ),
    ),
    DemoBooth(
        "foshan-comfort-seating",
        "舒适座椅 Comfort Seating",
        "佛山舒适家具有限公司",
        "zh",
        "CN",
        "Foshan",
        "furniture",
        "chairs@demo.boothcast.test",
        (
            _p(
                "CS-M100",
                {"en": "mesh office chair", "zh": "网布办公椅", "es": "silla de oficina de malla"},
                {
                    "en": "Breathable mesh back with lumbar support.",
                    "zh": "透气网背，带腰部支撑。",
                    "es": "Respaldo de malla transpirable con soporte lumbar.",
                },
                50,
                PIECE,
                "45.00",
                "USD",
            ),
            _p(
                "CS-E300",
                {"en": "ergonomic chair", "zh": "人体工学椅", "es": "silla ergonómica"},
                {
                    "en": "Adjustable headrest, armrests and seat depth.",
                    "zh": "头枕、扶手和座深均可调节。",
                    "es": "Reposacabezas, reposabrazos y profundidad del asiento ajustables.",
                },
                30,
                PIECE,
                "89.00",
                "USD",
            ),
            _p(
                "CS-G500",
                {"en": "gaming chair", "zh": "电竞椅", "es": "silla gamer"},
                {
                    "en": "Racing style chair with reclining back.",
                    "zh": "赛车风格座椅，靠背可后仰。",
                    "es": "Silla de estilo carreras con respaldo reclinable.",
                },
                50,
                PIECE,
                "62.00",
                "USD",
            ),
            _p(
                "CS-X800",
                {"en": "executive leather chair", "zh": "真皮老板椅", "es": "sillón ejecutivo de cuero"},
                {
                    "en": "High back chair in genuine leather.",
                    "zh": "高背真皮座椅。",
                    "es": "Sillón de respaldo alto de cuero auténtico.",
                },
                20,
                PIECE,
                "135.00",
                "USD",
            ),
        ),
    ),
    DemoBooth(
        "yiwu-caseworks",
        "壳匠 Caseworks",
        "义乌壳匠电子商行",
        "zh",
        "CN",
        "Yiwu",
        "electronics accessories",
        "cases@demo.boothcast.test",
        (
            _p(
                "YC-TPU01",
                {"en": "silicone phone case", "zh": "硅胶手机壳", "es": "funda de silicona para móvil"},
                {
                    "en": "Soft case in twenty colours.",
                    "zh": "软壳，有二十种颜色。",
                    "es": "Funda blanda en veinte colores.",
                },
                500,
                PIECE,
                "0.60",
                "USD",
            ),
            _p(
                "YC-MAG02",
                {"en": "magnetic phone case", "zh": "磁吸手机壳", "es": "funda magnética para móvil"},
                {
                    "en": "Clear case with a magnetic ring for wireless charging.",
                    "zh": "透明壳，带无线充电磁吸圈。",
                    "es": "Funda transparente con anillo magnético para carga inalámbrica.",
                },
                300,
                PIECE,
                "1.45",
                "USD",
            ),
            _p(
                "YC-GL03",
                {
                    "en": "tempered glass screen protector",
                    "zh": "钢化玻璃膜",
                    "es": "protector de pantalla de vidrio templado",
                },
                {
                    "en": "Scratch resistant glass with easy install frame.",
                    "zh": "防刮玻璃膜，附带易贴框。",
                    "es": "Vidrio resistente a arañazos con marco de fácil instalación.",
                },
                1000,
                PIECE,
                "0.35",
                "USD",
            ),
            _p(
                "YC-WL04",
                {"en": "wallet phone case", "zh": "钱包手机壳", "es": "funda cartera para móvil"},
                {
                    "en": "Leather flip case with card slots.",
                    "zh": "翻盖皮套，带卡槽。",
                    "es": "Funda de cuero con tapa y ranuras para tarjetas.",
                },
                200,
                PIECE,
                "2.30",
                "USD",
            ),
        ),
    ),
    DemoBooth(
        "valencia-ceramica",
        "Cerámica Levante",
        "Cerámica Levante S.L.",
        "es",
        "ES",
        "Valencia",
        "building materials",
        "ceramica@demo.boothcast.test",
        (
            _p(
                "CL-PG60",
                {"en": "porcelain floor tile", "zh": "瓷质地砖", "es": "baldosa de porcelánico"},
                {
                    "en": "Frost resistant tile for indoor and outdoor floors.",
                    "zh": "抗冻瓷砖，适用于室内外地面。",
                    "es": "Baldosa resistente a las heladas para suelos interiores y exteriores.",
                },
                300,
                SQM,
                "14.50",
                "EUR",
            ),
            _p(
                "CL-WT30",
                {"en": "glazed wall tile", "zh": "釉面墙砖", "es": "azulejo esmaltado"},
                {
                    "en": "Glossy tile for kitchens and bathrooms.",
                    "zh": "亮面瓷砖，适用于厨房和浴室。",
                    "es": "Azulejo brillante para cocinas y baños.",
                },
                200,
                SQM,
                "11.20",
                "EUR",
            ),
            _p(
                "CL-MS01",
                {"en": "mosaic tile", "zh": "马赛克瓷砖", "es": "mosaico cerámico"},
                {
                    "en": "Hand finished mosaic on mesh sheets.",
                    "zh": "手工精修马赛克，网格背贴。",
                    "es": "Mosaico acabado a mano sobre mallas.",
                },
                100,
                SQM,
                "32.00",
                "EUR",
            ),
            _p(
                "CL-TC20",
                {"en": "terracotta tile", "zh": "陶土砖", "es": "baldosa de terracota"},
                {
                    "en": "Traditional clay tile from Valencia.",
                    "zh": "来自瓦伦西亚的传统陶土砖。",
                    "es": "Baldosa tradicional de barro de Valencia.",
                },
                150,
                SQM,
                "18.75",
                "EUR",
            ),
        ),
    ),
    DemoBooth(
        "alcoy-textiles",
        "Textiles Alcoy",
        "Textiles Alcoy S.A.",
        "es",
        "ES",
        "Alcoy",
        "textiles",
        "textiles@demo.boothcast.test",
        (
            _p(
                "TA-TW01",
                {"en": "cotton bath towel", "zh": "纯棉浴巾", "es": "toalla de baño de algodón"},
                {
                    "en": "Soft and absorbent towel for hotels.",
                    "zh": "柔软吸水的酒店浴巾。",
                    "es": "Toalla suave y absorbente para hoteles.",
                },
                500,
                PIECE,
                "4.90",
                "EUR",
            ),
            _p(
                "TA-BS02",
                {"en": "bed sheet set", "zh": "床单套装", "es": "juego de sábanas"},
                {
                    "en": "Percale sheets in white and grey.",
                    "zh": "白色和灰色的精梳棉床单。",
                    "es": "Sábanas de percal en blanco y gris.",
                },
                200,
                SET,
                "17.50",
                "EUR",
            ),
            _p(
                "TA-BL03",
                {"en": "wool blanket", "zh": "羊毛毯", "es": "manta de lana"},
                {
                    "en": "Warm blanket woven in Alcoy.",
                    "zh": "在阿尔科伊织造的保暖毛毯。",
                    "es": "Manta cálida tejida en Alcoy.",
                },
                100,
                PIECE,
                "26.00",
                "EUR",
            ),
            _p(
                "TA-CU04",
                {"en": "linen curtain", "zh": "亚麻窗帘", "es": "cortina de lino"},
                {
                    "en": "Natural linen curtain, made to measure.",
                    "zh": "天然亚麻窗帘，可按尺寸定制。",
                    "es": "Cortina de lino natural, hecha a medida.",
                },
                100,
                PIECE,
                "21.90",
                "EUR",
            ),
        ),
    ),
    DemoBooth(
        "birmingham-toolworks",
        "Birmingham Toolworks",
        "Birmingham Toolworks Ltd",
        "en",
        "GB",
        "Birmingham",
        "tools",
        "tools@demo.boothcast.test",
        (
            _p(
                "BT-WR12",
                {"en": "adjustable wrench", "zh": "活动扳手", "es": "llave ajustable"},
                {
                    "en": "Drop forged steel wrench with a wide jaw.",
                    "zh": "模锻钢制扳手，开口宽。",
                    "es": "Llave de acero forjado con boca ancha.",
                },
                200,
                PIECE,
                "7.40",
                "GBP",
            ),
            _p(
                "BT-SD32",
                {"en": "screwdriver set", "zh": "螺丝刀套装", "es": "juego de destornilladores"},
                {
                    "en": "Thirty two pieces with a storage case.",
                    "zh": "三十二件套，附收纳盒。",
                    "es": "Treinta y dos piezas con estuche.",
                },
                100,
                SET,
                "15.90",
                "GBP",
            ),
            _p(
                "BT-HM16",
                {"en": "claw hammer", "zh": "羊角锤", "es": "martillo de carpintero"},
                {
                    "en": "Steel hammer with an anti slip grip.",
                    "zh": "钢制锤子，防滑手柄。",
                    "es": "Martillo de acero con mango antideslizante.",
                },
                300,
                PIECE,
                "5.20",
                "GBP",
            ),
            _p(
                "BT-SS08",
                {"en": "socket set", "zh": "套筒套装", "es": "juego de llaves de vaso"},
                {
                    "en": "Chrome vanadium sockets in a metal box.",
                    "zh": "铬钒钢套筒，装在金属盒里。",
                    "es": "Vasos de cromo vanadio en caja metálica.",
                },
                100,
                SET,
                "24.00",
                "GBP",
            ),
            _p(
                "BT-PL06",
                {"en": "combination pliers", "zh": "钢丝钳", "es": "alicates universales"},
                {
                    "en": "Insulated pliers for electricians.",
                    "zh": "电工用绝缘钢丝钳。",
                    "es": "Alicates aislados para electricistas.",
                },
                300,
                PIECE,
                "4.60",
                "GBP",
            ),
        ),
    ),
    DemoBooth(
        "leeds-packaging",
        "Leeds Packaging Co",
        "Leeds Packaging Company Ltd",
        "en",
        "GB",
        "Leeds",
        "packaging",
        "packaging@demo.boothcast.test",
        (
            _p(
                "LP-CB10",
                {"en": "corrugated shipping box", "zh": "瓦楞纸运输箱", "es": "caja de cartón corrugado"},
                {
                    "en": "Double wall box for export shipping.",
                    "zh": "出口运输用双层瓦楞纸箱。",
                    "es": "Caja de doble pared para envíos de exportación.",
                },
                1000,
                PIECE,
                "0.85",
                "GBP",
            ),
            _p(
                "LP-BW20",
                {"en": "bubble wrap roll", "zh": "气泡膜卷", "es": "rollo de plástico de burbujas"},
                {
                    "en": "Recyclable wrap to protect fragile goods.",
                    "zh": "可回收气泡膜，保护易碎物品。",
                    "es": "Plástico reciclable para proteger productos frágiles.",
                },
                50,
                CARTON,
                "19.00",
                "GBP",
            ),
            _p(
                "LP-KB30",
                {"en": "kraft paper bag", "zh": "牛皮纸袋", "es": "bolsa de papel kraft"},
                {
                    "en": "Strong paper bag with twisted handles.",
                    "zh": "结实的纸袋，带扭绳提手。",
                    "es": "Bolsa de papel resistente con asas retorcidas.",
                },
                2000,
                PIECE,
                "0.18",
                "GBP",
            ),
        ),
    ),
)

MODERATOR_EMAIL = "moderator@demo.boothcast.test"
ADMIN_EMAIL = "admin@demo.boothcast.test"
