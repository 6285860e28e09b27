"""Synthetic trade-fair chat corpus in en / zh / es.

Every template is written once with its English, Chinese and Spanish form, so every language pair
comes from the same templates. Slots are filled from the demo fair (`rooms.demo_fair`) plus small
lists of countries, ports, colours, materials and certificates.

Protected spans (numbers, prices, currencies, percentages, dates, SKUs, HS codes, e-mails, URLs,
phone numbers, Incoterms, measurements) are written as markers like ``[Q]`` in the templates. When a
pair is rendered for a direction ``src -> tgt`` the markers become the placeholders ``⟦k⟧`` numbered
by their order of appearance in the *source* sentence (starting at 0, or at a random offset for a
minority of sentences so that every placeholder ``⟦0⟧..⟦15⟧`` is seen). About 10% of the sentences
keep raw, unprotected values instead, so that plain text is handled too.

Run ``python corpus.py --out DIR`` to write ``DIR/{src}_{tgt}.{train,dev,test}.tsv``.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from rooms.demo_fair import BOOTHS  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from chat_corpus import CORPUS_DIR, read_triples, split  # noqa: E402
from pairs import protect_pair  # noqa: E402

LANGS = ("en", "zh", "es")
DIRECTIONS: tuple[tuple[str, str], ...] = (("en", "zh"), ("zh", "en"), ("en", "es"), ("es", "en"))
NUM_PLACEHOLDERS = 16


def ph(i: int) -> str:
    """The placeholder token for protected span number ``i``."""
    return f"⟦{i}⟧"


PLACEHOLDERS: tuple[str, ...] = tuple(ph(i) for i in range(NUM_PLACEHOLDERS))

# --------------------------------------------------------------------------------------------
# Slot values
# --------------------------------------------------------------------------------------------

# Spanish gender ("m"/"f") and the plural of each demo product's Spanish name, plus English plurals.
# Keyed by SKU; names themselves come from rooms.demo_fair.
_PRODUCT_EXTRA: dict[str, tuple[str, str, str, bool]] = {
    # sku: (en plural, es plural, es gender, name is already plural)
    "BW-P6060": ("LED panel lights", "paneles LED", "m", False),
    "BW-S5050": ("LED strip lights", "tiras de luz LED", "f", False),
    "BW-HB150": ("high bay lights", "campanas industriales", "f", False),
    "BW-FL200": ("flood lights", "focos proyectores", "m", False),
    "BW-BL09": ("smart light bulbs", "bombillas inteligentes", "f", False),
    "CS-M100": ("mesh office chairs", "sillas de oficina de malla", "f", False),
    "CS-E300": ("ergonomic chairs", "sillas ergonómicas", "f", False),
    "CS-G500": ("gaming chairs", "sillas gamer", "f", False),
    "CS-X800": ("executive leather chairs", "sillones ejecutivos de cuero", "m", False),
    "YC-TPU01": ("silicone phone cases", "fundas de silicona para móvil", "f", False),
    "YC-MAG02": ("magnetic phone cases", "fundas magnéticas para móvil", "f", False),
    "YC-GL03": ("tempered glass screen protectors", "protectores de pantalla de vidrio templado", "m", False),
    "YC-WL04": ("wallet phone cases", "fundas cartera para móvil", "f", False),
    "CL-PG60": ("porcelain floor tiles", "baldosas de porcelánico", "f", False),
    "CL-WT30": ("glazed wall tiles", "azulejos esmaltados", "m", False),
    "CL-MS01": ("mosaic tiles", "mosaicos cerámicos", "m", False),
    "CL-TC20": ("terracotta tiles", "baldosas de terracota", "f", False),
    "TA-TW01": ("cotton bath towels", "toallas de baño de algodón", "f", False),
    "TA-BS02": ("bed sheet sets", "juegos de sábanas", "m", False),
    "TA-BL03": ("wool blankets", "mantas de lana", "f", False),
    "TA-CU04": ("linen curtains", "cortinas de lino", "f", False),
    "BT-WR12": ("adjustable wrenches", "llaves ajustables", "f", False),
    "BT-SD32": ("screwdriver sets", "juegos de destornilladores", "m", False),
    "BT-HM16": ("claw hammers", "martillos de carpintero", "m", False),
    "BT-SS08": ("socket sets", "juegos de llaves de vaso", "m", False),
    "BT-PL06": ("combination pliers", "alicates universales", "m", True),
    "LP-CB10": ("corrugated shipping boxes", "cajas de cartón corrugado", "f", False),
    "LP-BW20": ("bubble wrap rolls", "rollos de plástico de burbujas", "m", False),
    "LP-KB30": ("kraft paper bags", "bolsas de papel kraft", "f", False),
}

# unit (en singular) -> (en plural, es plural)
_UNIT_PLURALS: dict[str, tuple[str, str]] = {
    "piece": ("pieces", "piezas"),
    "set": ("sets", "juegos"),
    "square meter": ("square meters", "metros cuadrados"),
    "meter": ("meters", "metros"),
    "carton": ("cartons", "cajas"),
}

Slots = dict[str, str]


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _product_slots() -> list[Slots]:
    out: list[Slots] = []
    for booth in BOOTHS:
        for prod in booth.products:
            en_pl, es_pl, gender, plural_only = _PRODUCT_EXTRA[prod.sku]
            es_sg = prod.name["es"]
            # Spanish singular form and its agreement (plural-only nouns agree in the plural).
            num_pl = plural_only
            if gender == "m":
                art, art_pl, un, este, o, lo = ("los", "los", "unos", "estos", "os", "los") if num_pl else (
                    "el", "los", "un", "este", "o", "lo")
                os_, los_pron, estos = "os", "los", "estos"
            else:
                art, art_pl, un, este, o, lo = ("las", "las", "unas", "estas", "as", "las") if num_pl else (
                    "la", "las", "una", "esta", "a", "la")
                os_, los_pron, estos = "as", "las", "estas"
            u_en = prod.unit["en"]
            u_en_pl, u_es_pl = _UNIT_PLURALS[u_en]
            s: Slots = {
                "p": prod.name["en"],
                "ps": en_pl,
                "P": _cap(prod.name["en"]),
                "Ps": _cap(en_pl),
                "is": "are" if plural_only else "is",
                "Is": "Are" if plural_only else "Is",
                "has": "have" if plural_only else "has",
                "it": "them" if plural_only else "it",
                "pz": prod.name["zh"],
                "pe": es_sg,
                "pes": es_pl,
                "el": f"{art} {es_sg}",
                "El": _cap(f"{art} {es_sg}"),
                "los": f"{art_pl} {es_pl}",
                "Los": _cap(f"{art_pl} {es_pl}"),
                "un": f"{un} {es_sg}",
                "este": f"{este} {es_sg}",
                "Este": _cap(f"{este} {es_sg}"),
                "estos": f"{estos} {es_pl}",
                "o": o,
                "os": os_,
                "lo": lo,
                "lospron": los_pron,
                "ser": "son" if num_pl else "es",
                "esta_v": "están" if num_pl else "está",
                "u": u_en,
                "us": u_en_pl,
                "uz": prod.unit["zh"],
                "ue": prod.unit["es"],
                "ues": u_es_pl,
            }
            out.append(s)
    return out


PRODUCTS: list[Slots] = _product_slots()

# (en, zh, es)
COUNTRIES: list[tuple[str, str, str]] = [
    ("the United States", "美国", "Estados Unidos"),
    ("Germany", "德国", "Alemania"),
    ("Spain", "西班牙", "España"),
    ("Mexico", "墨西哥", "México"),
    ("Brazil", "巴西", "Brasil"),
    ("the UK", "英国", "Reino Unido"),
    ("France", "法国", "Francia"),
    ("Chile", "智利", "Chile"),
    ("Colombia", "哥伦比亚", "Colombia"),
    ("Argentina", "阿根廷", "Argentina"),
    ("Australia", "澳大利亚", "Australia"),
    ("Canada", "加拿大", "Canadá"),
    ("Italy", "意大利", "Italia"),
    ("Peru", "秘鲁", "Perú"),
    ("China", "中国", "China"),
    ("Japan", "日本", "Japón"),
    ("Poland", "波兰", "Polonia"),
]

CITIES: list[tuple[str, str, str]] = [
    ("Shenzhen", "深圳", "Shenzhen"),
    ("Shanghai", "上海", "Shanghái"),
    ("Ningbo", "宁波", "Ningbo"),
    ("Guangzhou", "广州", "Guangzhou"),
    ("Yiwu", "义乌", "Yiwu"),
    ("Foshan", "佛山", "Foshan"),
    ("Hamburg", "汉堡", "Hamburgo"),
    ("Rotterdam", "鹿特丹", "Róterdam"),
    ("Valencia", "瓦伦西亚", "Valencia"),
    ("Barcelona", "巴塞罗那", "Barcelona"),
    ("Los Angeles", "洛杉矶", "Los Ángeles"),
    ("New York", "纽约", "Nueva York"),
    ("Felixstowe", "费利克斯托", "Felixstowe"),
    ("Santos", "桑托斯", "Santos"),
    ("Veracruz", "韦拉克鲁斯", "Veracruz"),
    ("Callao", "卡亚俄", "Callao"),
    ("London", "伦敦", "Londres"),
    ("Madrid", "马德里", "Madrid"),
    ("Birmingham", "伯明翰", "Birmingham"),
    ("Leeds", "利兹", "Leeds"),
    ("Alcoy", "阿尔科伊", "Alcoy"),
    ("Dubai", "迪拜", "Dubái"),
    ("Singapore", "新加坡", "Singapur"),
]

# (en, zh, es masculine singular — used after "en"/"color")
COLOURS: list[tuple[str, str, str]] = [
    ("red", "红色", "rojo"),
    ("blue", "蓝色", "azul"),
    ("black", "黑色", "negro"),
    ("white", "白色", "blanco"),
    ("green", "绿色", "verde"),
    ("grey", "灰色", "gris"),
    ("yellow", "黄色", "amarillo"),
    ("pink", "粉色", "rosa"),
    ("brown", "棕色", "marrón"),
    ("silver", "银色", "plateado"),
    ("orange", "橙色", "naranja"),
    ("purple", "紫色", "morado"),
]

MATERIALS: list[tuple[str, str, str]] = [
    ("plastic", "塑料", "plástico"),
    ("aluminium", "铝", "aluminio"),
    ("stainless steel", "不锈钢", "acero inoxidable"),
    ("cotton", "棉", "algodón"),
    ("leather", "皮革", "cuero"),
    ("glass", "玻璃", "vidrio"),
    ("wood", "木材", "madera"),
    ("bamboo", "竹子", "bambú"),
    ("silicone", "硅胶", "silicona"),
    ("paper", "纸", "papel"),
    ("ceramic", "陶瓷", "cerámica"),
    ("linen", "亚麻", "lino"),
]

# Certificates; "[ISO]" is a protected number.
CERTS: list[tuple[str, str, str]] = [
    ("CE", "CE", "CE"),
    ("RoHS", "RoHS", "RoHS"),
    ("FCC", "FCC", "FCC"),
    ("UL", "UL", "UL"),
    ("REACH", "REACH", "REACH"),
    ("FSC", "FSC", "FSC"),
    ("OEKO-TEX", "OEKO-TEX", "OEKO-TEX"),
    ("GS", "GS", "GS"),
    ("ISO [ISO]", "ISO [ISO]", "ISO [ISO]"),
]

PAYMENTS: list[tuple[str, str, str]] = [
    ("T/T", "T/T", "T/T"),
    ("L/C", "L/C", "L/C"),
    ("PayPal", "PayPal", "PayPal"),
    ("Western Union", "西联汇款", "Western Union"),
    ("bank transfer", "银行转账", "transferencia bancaria"),
    ("credit card", "信用卡", "tarjeta de crédito"),
]

GENERIC_UNITS: list[tuple[str, str, str]] = [
    ("pieces", "件", "piezas"),
    ("units", "个", "unidades"),
    ("sets", "套", "juegos"),
    ("cartons", "箱", "cajas"),
    ("pallets", "托盘", "palés"),
]

CONTAINERS: list[tuple[str, str, str]] = [
    ("container", "集装箱", "contenedor"),
    ("[CT] container", "[CT]集装箱", "contenedor [CT]"),
]

SHIP_MODES: list[tuple[str, str, str]] = [
    ("by sea", "海运", "por mar"),
    ("by air", "空运", "por avión"),
    ("by rail", "铁路运输", "por tren"),
    ("by express courier", "快递", "por mensajería urgente"),
]

# Greeting prefixes for questions (en, zh, es); the sentence that follows is lower-cased in en/es.
PREFIXES: list[tuple[str, str, str]] = [
    ("Hi, ", "你好，", "Hola, "),
    ("Hello, ", "您好，", "Buenas, "),
    ("Excuse me, ", "请问，", "Disculpe, "),
    ("By the way, ", "顺便问一下，", "Por cierto, "),
    ("One more question: ", "还有一个问题：", "Otra pregunta: "),
]

# --------------------------------------------------------------------------------------------
# Protected-span markers and their raw (unprotected) values
# --------------------------------------------------------------------------------------------

MARKER_RE = re.compile(r"\[((?:Q|N|PRC|PR|CUR|PCT|DATE|SKU|HS|MAIL|URL|TEL|INC|DIM|ISO|YEAR|CT)2?)\]")


def _raw_value(kind: str, rng: random.Random) -> str:
    k = kind.rstrip("2")
    if k == "Q":
        return str(rng.choice([50, 100, 200, 300, 500, 800, 1000, 1500, 2000, 3000, 5000, 10000]))
    if k == "N":
        return str(rng.choice([2, 3, 5, 7, 10, 12, 15, 20, 25, 30, 45, 60]))
    if k == "PR":
        return f"{rng.randint(0, 150)}.{rng.choice(['00', '50', '80', '95', '25', '10'])}"
    if k == "PRC":
        return rng.choice(["$", "US$", "€", "£", "USD ", "EUR "]) + _raw_value("PR", rng)
    if k == "CT":
        return rng.choice(["20GP", "40GP", "40HQ", "20-foot", "40-foot"])
    if k == "CUR":
        return rng.choice(["USD", "EUR", "GBP", "RMB"])
    if k == "PCT":
        return f"{rng.choice([5, 10, 20, 30, 40, 50, 70, 100])}%"
    if k == "DATE":
        return f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    if k == "SKU":
        return rng.choice(["BW-P6060", "CS-M100", "YC-TPU01", "CL-PG60", "TA-TW01", "BT-WR12", "LP-CB10"])
    if k == "HS":
        return rng.choice(["9405.40", "9401.30", "6302.60", "6907.21", "8204.11", "4819.10"])
    if k == "MAIL":
        return rng.choice(["sales@example.com", "info@example.com"])
    if k == "URL":
        return rng.choice(["www.example.com", "https://example.com/catalog"])
    if k == "TEL":
        return rng.choice(["+86 755 1234 5678", "+34 963 123 456", "+44 121 496 0000"])
    if k == "INC":
        return rng.choice(["FOB", "CIF", "EXW", "DDP", "DAP", "CFR", "FCA"])
    if k == "DIM":
        return rng.choice(["60x60 cm", "20 kg", "1.5 m", "30x30 cm", "5 mm", "500 g"])
    if k == "ISO":
        return rng.choice(["9001", "14001", "45001"])
    if k == "YEAR":
        return str(rng.choice([2025, 2026, 2027]))
    raise ValueError(kind)


# --------------------------------------------------------------------------------------------
# Templates: (en, zh, es). Slot names refer to the dicts above; see _fill().
# --------------------------------------------------------------------------------------------

T = tuple[str, str, str]

# Templates that may take a greeting prefix (questions and requests).
QUESTIONS: list[T] = [
    # product questions
    ("Do you have {ps} in stock?", "{pz}有现货吗？", "¿Tienen {pes} en stock?"),
    ("Do you sell {ps}?", "你们卖{pz}吗？", "¿Venden {pes}?"),
    ("Can I see the {p}?", "我可以看看{pz}吗？", "¿Puedo ver {el}?"),
    ("What is the price of the {p}?", "{pz}的价格是多少？", "¿Cuál es el precio de {el}?"),
    ("How much is the {p}?", "{pz}多少钱？", "¿Cuánto cuesta {el}?"),
    ("How much does the {p} cost per {u}?", "{pz}每{uz}多少钱？", "¿Cuánto cuesta {el} por {ue}?"),
    ("What is the MOQ for the {p}?", "{pz}的最小起订量是多少？", "¿Cuál es el pedido mínimo de {el}?"),
    ("What is your minimum order quantity?", "你们的最小起订量是多少？", "¿Cuál es su cantidad mínima de pedido?"),
    ("Can you send me a sample of the {p}?", "可以给我寄一个{pz}的样品吗？", "¿Me pueden enviar una muestra de {el}?"),
    ("Is the sample free?", "样品是免费的吗？", "¿La muestra es gratis?"),
    ("How much is a sample?", "样品多少钱？", "¿Cuánto cuesta una muestra?"),
    ("How long does it take to make a sample?", "做样品需要多长时间？", "¿Cuánto tiempo tardan en hacer una muestra?"),
    ("Can you print our logo on the {p}?", "可以在{pz}上印我们的标志吗？", "¿Pueden imprimir nuestro logotipo en {el}?"),
    ("Do you accept OEM orders?", "你们接受OEM订单吗？", "¿Aceptan pedidos OEM?"),
    ("Do you offer ODM service?", "你们提供ODM服务吗？", "¿Ofrecen servicio ODM?"),
    ("Can you customize the {p}?", "{pz}可以定制吗？", "¿Pueden personalizar {el}?"),
    ("Can you make the {p} in {col}?", "{pz}可以做{colz}的吗？", "¿Pueden fabricar {el} en {cole}?"),
    ("Do you have the {p} in {col}?", "{pz}有{colz}的吗？", "¿Tienen {el} en {cole}?"),
    ("What colours are available for the {p}?", "{pz}有哪些颜色？", "¿Qué colores hay disponibles para {el}?"),
    ("What material is the {p} made of?", "{pz}是什么材质的？", "¿De qué material {ser} {el}?"),
    ("{Is} the {p} made of {mat}?", "{pz}是{matz}材质的吗？", "¿{El} {ser} de {mate}?"),
    ("Can you make the {p} in {mat}?", "{pz}可以用{matz}做吗？", "¿Pueden fabricar {el} en {mate}?"),
    ("{Is} the {p} waterproof?", "{pz}防水吗？", "¿{El} {ser} impermeable{s_adj}?"),
    ("What is the size of the {p}?", "{pz}的尺寸是多少？", "¿Cuál es el tamaño de {el}?"),
    ("What is the weight of the {p}?", "{pz}的重量是多少？", "¿Cuál es el peso de {el}?"),
    ("Do you have a catalogue?", "你们有产品目录吗？", "¿Tienen un catálogo?"),
    ("Can you send me your catalogue?", "可以把你们的产品目录发给我吗？", "¿Me pueden enviar su catálogo?"),
    ("Can you send me the price list?", "可以把价格表发给我吗？", "¿Me pueden enviar la lista de precios?"),
    ("Can you send me a quotation for the {p}?", "可以给我发一份{pz}的报价吗？", "¿Me pueden enviar una cotización de {el}?"),
    ("Do you have a new model of the {p}?", "{pz}有新款吗？", "¿Tienen un modelo nuevo de {el}?"),
    ("Which model is the best seller?", "哪个型号卖得最好？", "¿Qué modelo es el más vendido?"),
    ("What is the difference between [SKU] and [SKU2]?", "[SKU]和[SKU2]有什么区别？", "¿Cuál es la diferencia entre [SKU] y [SKU2]?"),
    ("Is [SKU] still available?", "[SKU]还有货吗？", "¿Todavía está disponible [SKU]?"),
    ("Can you send me the specifications of [SKU]?", "可以把[SKU]的规格发给我吗？", "¿Me pueden enviar las especificaciones de [SKU]?"),
    ("Do you have a video of the {p}?", "你们有{pz}的视频吗？", "¿Tienen un video de {el}?"),
    ("Are you a manufacturer or a trading company?", "你们是工厂还是贸易公司？", "¿Son fabricantes o una empresa comercial?"),
    ("Where is your factory?", "你们的工厂在哪里？", "¿Dónde está su fábrica?"),
    ("Can we visit your factory?", "我们可以参观你们的工厂吗？", "¿Podemos visitar su fábrica?"),
    ("How many workers do you have?", "你们有多少工人？", "¿Cuántos trabajadores tienen?"),
    ("What is your monthly production capacity for the {p}?", "{pz}的月产能是多少？", "¿Cuál es su capacidad de producción mensual de {el}?"),
    ("Which countries do you export to?", "你们出口到哪些国家？", "¿A qué países exportan?"),
    ("Do you export to {country}?", "你们出口到{countryz}吗？", "¿Exportan a {countrye}?"),
    ("Do you have customers in {country}?", "你们在{countryz}有客户吗？", "¿Tienen clientes en {countrye}?"),
    ("Do you have an agent in {country}?", "你们在{countryz}有代理吗？", "¿Tienen un agente en {countrye}?"),
    # MOQ / quantity / price
    ("Can you do [Q] {us} of {p}?", "{pz}可以做[Q]{uz}吗？", "¿Pueden hacer [Q] {ues} de {pe}?"),
    ("Can I order [Q] {us}?", "我可以订[Q]{uz}吗？", "¿Puedo pedir [Q] {ues}?"),
    ("Can you accept [Q] {gu} for the first order?", "第一单可以接受[Q]{guz}吗？", "¿Pueden aceptar [Q] {gue} para el primer pedido?"),
    ("Can you do [Q] {gu} at {price}?", "[Q]{guz}能做到{price}吗？", "¿Pueden hacer [Q] {gue} a {price}?"),
    ("Can you do {price} per {u}?", "每{uz}能做到{price}吗？", "¿Pueden dejarlo en {price} por {ue}?"),
    ("What is the price for [Q] {us}?", "[Q]{uz}的价格是多少？", "¿Cuál es el precio para [Q] {ues}?"),
    ("What is the price of the {p} for [Q] {us}?", "[Q]{uz}{pz}的价格是多少？", "¿Cuál es el precio de {el} para [Q] {ues}?"),
    ("What is your best price for [Q] {us}?", "[Q]{uz}你们最好的价格是多少？", "¿Cuál es su mejor precio para [Q] {ues}?"),
    ("What is the [INC] price of the {p}?", "{pz}的[INC]价格是多少？", "¿Cuál es el precio [INC] de {el}?"),
    ("Is the price [INC] or [INC2]?", "价格是[INC]还是[INC2]？", "¿El precio es [INC] o [INC2]?"),
    ("Can you quote [INC] {city}?", "可以报[INC] {cityz}的价格吗？", "¿Pueden cotizar [INC] {citye}?"),
    ("Can you give me a price [INC] {city}?", "可以给我一个[INC] {cityz}的价格吗？", "¿Me pueden dar un precio [INC] {citye}?"),
    ("Can you give me a discount?", "可以给我打个折吗？", "¿Me pueden hacer un descuento?"),
    ("Can you give us a [PCT] discount?", "可以给我们[PCT]的折扣吗？", "¿Nos pueden hacer un descuento del [PCT]?"),
    ("Is there a discount for [Q] {gu}?", "[Q]{guz}有折扣吗？", "¿Hay descuento por [Q] {gue}?"),
    ("Is the price negotiable?", "价格可以商量吗？", "¿El precio es negociable?"),
    ("Does the price include shipping?", "价格包含运费吗？", "¿El precio incluye el envío?"),
    ("Does the price include tax?", "价格含税吗？", "¿El precio incluye impuestos?"),
    ("Is {price} the price per {u}?", "{price}是每{uz}的价格吗？", "¿{price} es el precio por {ue}?"),
    ("Can you lower the price to {price}?", "价格可以降到{price}吗？", "¿Pueden bajar el precio a {price}?"),
    ("Can you mix colours in one order?", "一个订单可以混色吗？", "¿Pueden mezclar colores en un pedido?"),
    ("Can we mix different models in one order?", "一个订单可以混不同型号吗？", "¿Podemos mezclar diferentes modelos en un pedido?"),
    ("Is the MOQ [Q] {us}?", "最小起订量是[Q]{uz}吗？", "¿El pedido mínimo es de [Q] {ues}?"),
    ("Can you lower the MOQ to [Q] {us}?", "最小起订量可以降到[Q]{uz}吗？", "¿Pueden bajar el pedido mínimo a [Q] {ues}?"),
    ("How much is the {p} in [CUR]?", "{pz}用[CUR]算多少钱？", "¿Cuánto cuesta {el} en [CUR]?"),
    # certificates
    ("Do you have {cert} certification?", "你们有{certz}认证吗？", "¿Tienen la certificación {certe}?"),
    ("{Is} the {p} {cert} certified?", "{pz}有{certz}认证吗？", "¿{El} tiene{n_pl} certificación {certe}?"),
    ("Can you send me the {cert} certificate?", "可以把{certz}证书发给我吗？", "¿Me pueden enviar el certificado {certe}?"),
    ("Is your factory {cert} certified?", "你们工厂有{certz}认证吗？", "¿Su fábrica tiene la certificación {certe}?"),
    ("Do you have a test report for the {p}?", "你们有{pz}的检测报告吗？", "¿Tienen un informe de pruebas de {el}?"),
    ("Can the {p} pass {cert} testing?", "{pz}能通过{certz}测试吗？", "¿{El} puede{n_pl} pasar la prueba {certe}?"),
    # packaging
    ("How {is} the {p} packed?", "{pz}是怎么包装的？", "¿Cómo se embala{n_pl} {el}?"),
    ("How many {gu} are in one carton?", "一箱有多少{guz}？", "¿{cuantos_g} {gue} hay en una caja?"),
    ("Can you use our own packaging?", "可以用我们自己的包装吗？", "¿Pueden usar nuestro propio embalaje?"),
    ("Can you print our logo on the box?", "可以在盒子上印我们的标志吗？", "¿Pueden imprimir nuestro logotipo en la caja?"),
    ("What is the carton size?", "外箱尺寸是多少？", "¿Cuál es el tamaño de la caja?"),
    ("Can you pack each {u} separately?", "可以每{uz}单独包装吗？", "¿Pueden embalar cada {ue} por separado?"),
    ("Can you add a barcode to the package?", "可以在包装上加条形码吗？", "¿Pueden añadir un código de barras al paquete?"),
    ("Is the packaging eco-friendly?", "包装环保吗？", "¿El embalaje es ecológico?"),
    ("Can you use a {col} box?", "可以用{colz}的盒子吗？", "¿Pueden usar una caja de color {cole}?"),
    # lead time
    ("What is the lead time?", "交货期是多久？", "¿Cuál es el plazo de entrega?"),
    ("What is the lead time for [Q] {us}?", "[Q]{uz}的交货期是多久？", "¿Cuál es el plazo de entrega para [Q] {ues}?"),
    ("What is the lead time for the {p}?", "{pz}的交货期是多久？", "¿Cuál es el plazo de entrega de {el}?"),
    ("How long does production take?", "生产需要多长时间？", "¿Cuánto tarda la producción?"),
    ("Can you deliver in [N] days?", "可以在[N]天内交货吗？", "¿Pueden entregar en [N] días?"),
    ("Can you deliver by [DATE]?", "可以在[DATE]之前交货吗？", "¿Pueden entregar antes del [DATE]?"),
    ("Can you ship before [DATE]?", "可以在[DATE]之前发货吗？", "¿Pueden enviar antes del [DATE]?"),
    ("When can you ship the order?", "订单什么时候可以发货？", "¿Cuándo pueden enviar el pedido?"),
    ("When will the goods be ready?", "货什么时候能准备好？", "¿Cuándo estará lista la mercancía?"),
    ("Can you speed up production?", "可以加快生产吗？", "¿Pueden acelerar la producción?"),
    ("{Is} the {p} ready to ship?", "{pz}可以马上发货吗？", "¿{El} {esta_v} list{o} para enviar?"),
    # payment
    ("What are your payment terms?", "你们的付款方式是什么？", "¿Cuáles son sus condiciones de pago?"),
    ("Do you accept {pay}?", "你们接受{payz}吗？", "¿Aceptan {paye}?"),
    ("Can we pay by {pay}?", "我们可以用{payz}付款吗？", "¿Podemos pagar con {paye}?"),
    ("Can we pay a [PCT] deposit?", "我们可以付[PCT]的定金吗？", "¿Podemos pagar un depósito del [PCT]?"),
    ("Can we pay [PCT] deposit and the balance before shipment?", "我们可以付[PCT]定金，发货前付清余款吗？", "¿Podemos pagar un depósito del [PCT] y el saldo antes del envío?"),
    ("Do you accept L/C at sight?", "你们接受即期信用证吗？", "¿Aceptan carta de crédito a la vista?"),
    ("Can we pay in [CUR]?", "我们可以用[CUR]付款吗？", "¿Podemos pagar en [CUR]?"),
    ("Can you send me the proforma invoice?", "可以把形式发票发给我吗？", "¿Me pueden enviar la factura proforma?"),
    ("Can you send me your bank details?", "可以把你们的银行信息发给我吗？", "¿Me pueden enviar sus datos bancarios?"),
    ("Did you receive our payment?", "你们收到我们的付款了吗？", "¿Recibieron nuestro pago?"),
    # shipping
    ("Can you ship to {country}?", "可以发货到{countryz}吗？", "¿Pueden enviar a {countrye}?"),
    ("Can you ship the goods to {city}?", "可以把货发到{cityz}吗？", "¿Pueden enviar la mercancía a {citye}?"),
    ("How much is shipping to {country}?", "运到{countryz}的运费是多少？", "¿Cuánto cuesta el envío a {countrye}?"),
    ("How long does shipping to {country} take?", "运到{countryz}需要多长时间？", "¿Cuánto tarda el envío a {countrye}?"),
    ("Can you ship {ship}?", "可以{shipz}吗？", "¿Pueden enviar {shipe}?"),
    ("How much is shipping {ship} to {city}?", "{shipz}到{cityz}的运费是多少？", "¿Cuánto cuesta el envío {shipe} a {citye}?"),
    ("Which port do you ship from?", "你们从哪个港口发货？", "¿Desde qué puerto envían?"),
    ("Can you ship from {city}?", "可以从{cityz}发货吗？", "¿Pueden enviar desde {citye}?"),
    ("How many {us} fit in a {cont}?", "一个{contz}能装多少{uz}？", "¿{cuantos_u} {ues} caben en un {conte}?"),
    ("Can you work with our freight forwarder?", "可以和我们的货代合作吗？", "¿Pueden trabajar con nuestro transitario?"),
    ("Can you send me the tracking number?", "可以把物流单号发给我吗？", "¿Me pueden enviar el número de seguimiento?"),
    ("What is the HS code of the {p}?", "{pz}的HS编码是多少？", "¿Cuál es el código HS de {el}?"),
    ("Is the HS code [HS]?", "HS编码是[HS]吗？", "¿El código HS es [HS]?"),
    ("Do you offer [INC] terms?", "你们提供[INC]条款吗？", "¿Ofrecen condiciones [INC]?"),
    ("Can you ship [INC] {city}?", "可以[INC] {cityz}发货吗？", "¿Pueden enviar [INC] {citye}?"),
    ("What is the gross weight of one carton?", "一箱的毛重是多少？", "¿Cuál es el peso bruto de una caja?"),
    # warranty / after-sales
    ("What is the warranty for the {p}?", "{pz}的保修期是多久？", "¿Cuál es la garantía de {el}?"),
    ("Do you offer a warranty?", "你们提供保修吗？", "¿Ofrecen garantía?"),
    ("What happens if the goods are damaged?", "如果货物损坏怎么办？", "¿Qué pasa si la mercancía llega dañada?"),
    ("Do you provide spare parts?", "你们提供备件吗？", "¿Proporcionan piezas de repuesto?"),
    ("Can you replace the defective {ps}?", "可以更换有问题的{pz}吗？", "¿Pueden reemplazar {lospl} defectuos{os}?"),
    ("Do you have quality control?", "你们有质检吗？", "¿Tienen control de calidad?"),
    ("Can we do an inspection before shipment?", "发货前我们可以验货吗？", "¿Podemos hacer una inspección antes del envío?"),
    # contact
    ("Can I have your e-mail?", "可以给我你的邮箱吗？", "¿Me puede dar su correo electrónico?"),
    ("Can I have your WhatsApp number?", "可以给我你的WhatsApp号码吗？", "¿Me puede dar su número de WhatsApp?"),
    ("Do you have WeChat?", "你有微信吗？", "¿Tiene WeChat?"),
    ("Can we have a video call tomorrow?", "我们明天可以视频通话吗？", "¿Podemos hacer una videollamada mañana?"),
    ("Is [MAIL] your e-mail?", "[MAIL]是你的邮箱吗？", "¿[MAIL] es su correo electrónico?"),
    ("Can I call you at [TEL]?", "我可以打[TEL]联系你吗？", "¿Puedo llamarle al [TEL]?"),
    ("Can we meet at your booth tomorrow?", "我们明天可以在你们的展位见面吗？", "¿Podemos vernos mañana en su stand?"),
    ("Who is the sales manager?", "销售经理是谁？", "¿Quién es el gerente de ventas?"),
    ("Do you speak English?", "你会说英语吗？", "¿Habla inglés?"),
]

# Statements (no greeting prefix): buyer statements and supplier answers.
STATEMENTS: list[T] = [
    # greetings / small talk
    ("Hello!", "你好！", "¡Hola!"),
    ("Good morning!", "早上好！", "¡Buenos días!"),
    ("Good afternoon!", "下午好！", "¡Buenas tardes!"),
    ("Welcome to our booth!", "欢迎来到我们的展位！", "¡Bienvenido a nuestro stand!"),
    ("Nice to meet you.", "很高兴认识你。", "Encantado de conocerle."),
    ("How are you?", "你好吗？", "¿Cómo está?"),
    ("I am fine, thank you.", "我很好，谢谢。", "Estoy bien, gracias."),
    ("I am a buyer from {country}.", "我是来自{countryz}的采购商。", "Soy un comprador de {countrye}."),
    ("We are a distributor in {country}.", "我们是{countryz}的经销商。", "Somos un distribuidor en {countrye}."),
    ("We are an importer from {country}.", "我们是来自{countryz}的进口商。", "Somos un importador de {countrye}."),
    ("Our company is based in {city}.", "我们公司在{cityz}。", "Nuestra empresa está en {citye}."),
    ("Our factory is in {city}.", "我们的工厂在{cityz}。", "Nuestra fábrica está en {citye}."),
    ("We are a manufacturer of {ps}.", "我们是{pz}的生产厂家。", "Somos fabricantes de {pes}."),
    ("We have been making {ps} for [N] years.", "我们生产{pz}已经[N]年了。", "Fabricamos {pes} desde hace [N] años."),
    ("We are looking for {ps}.", "我们在找{pz}。", "Estamos buscando {pes}."),
    ("I am interested in your {ps}.", "我对你们的{pz}感兴趣。", "Me interesan sus {pes}."),
    ("I am interested in [SKU].", "我对[SKU]感兴趣。", "Me interesa [SKU]."),
    ("We want to order {ps}.", "我们想订购{pz}。", "Queremos pedir {pes}."),
    ("We need [Q] {us} of {p}.", "我们需要[Q]{uz}{pz}。", "Necesitamos [Q] {ues} de {pe}."),
    ("We need [Q] {gu} per month.", "我们每个月需要[Q]{guz}。", "Necesitamos [Q] {gue} al mes."),
    ("We want to order [Q] {gu} of [SKU].", "我们想订[Q]{guz}[SKU]。", "Queremos pedir [Q] {gue} de [SKU]."),
    ("I would like a quotation for [Q] {us}.", "我想要[Q]{uz}的报价。", "Quisiera una cotización para [Q] {ues}."),
    ("Please send me a quotation.", "请给我发一份报价。", "Por favor, envíenme una cotización."),
    ("Please send me the price list.", "请把价格表发给我。", "Por favor, envíenme la lista de precios."),
    ("Please send me a sample of the {p}.", "请给我寄一个{pz}的样品。", "Por favor, envíenme una muestra de {el}."),
    ("Please send the samples to {city}.", "请把样品寄到{cityz}。", "Por favor, envíen las muestras a {citye}."),
    ("Please send the quotation to [MAIL].", "请把报价发到[MAIL]。", "Por favor, envíen la cotización a [MAIL]."),
    ("Please contact me at [MAIL].", "请通过[MAIL]联系我。", "Por favor, contácteme en [MAIL]."),
    ("My e-mail is [MAIL].", "我的邮箱是[MAIL]。", "Mi correo electrónico es [MAIL]."),
    ("My phone number is [TEL].", "我的电话号码是[TEL]。", "Mi número de teléfono es [TEL]."),
    ("Our website is [URL].", "我们的网站是[URL]。", "Nuestro sitio web es [URL]."),
    ("You can see all our products at [URL].", "你可以在[URL]看到我们所有的产品。", "Puede ver todos nuestros productos en [URL]."),
    ("The price is too high.", "价格太高了。", "El precio es demasiado alto."),
    ("Your price is too high for our market.", "你们的价格对我们的市场来说太高了。", "Su precio es demasiado alto para nuestro mercado."),
    ("Another supplier offered {price}.", "另一家供应商报价{price}。", "Otro proveedor nos ofreció {price}."),
    ("Our target price is {price} per {u}.", "我们的目标价是每{uz}{price}。", "Nuestro precio objetivo es {price} por {ue}."),
    ("Our budget is {price}.", "我们的预算是{price}。", "Nuestro presupuesto es de {price}."),
    ("We need the goods by [DATE].", "我们需要在[DATE]之前收到货。", "Necesitamos la mercancía antes del [DATE]."),
    ("We need the {ps} in {col}.", "我们需要{colz}的{pz}。", "Necesitamos {lospl} en {cole}."),
    ("We need {cert} certification for our market.", "我们的市场需要{certz}认证。", "Nuestro mercado exige la certificación {certe}."),
    ("We will place a trial order first.", "我们会先下一个试单。", "Primero haremos un pedido de prueba."),
    ("We will place the order next week.", "我们下周会下单。", "Haremos el pedido la próxima semana."),
    ("We will pay the deposit today.", "我们今天会付定金。", "Pagaremos el depósito hoy."),
    ("We have paid the deposit.", "我们已经付了定金。", "Ya hemos pagado el depósito."),
    ("I will check with my manager.", "我会和我的经理确认一下。", "Lo consultaré con mi gerente."),
    ("I will think about it.", "我考虑一下。", "Lo pensaré."),
    ("Let me check and get back to you.", "我确认一下再回复你。", "Déjeme comprobarlo y le respondo."),
    ("We use our own freight forwarder.", "我们用自己的货代。", "Usamos nuestro propio transitario."),
    ("Our forwarder is in {city}.", "我们的货代在{cityz}。", "Nuestro transitario está en {citye}."),
    ("The destination port is {city}.", "目的港是{cityz}。", "El puerto de destino es {citye}."),
    ("We prefer [INC] {city}.", "我们更希望[INC] {cityz}。", "Preferimos [INC] {citye}."),
    ("We prefer to ship {ship}.", "我们更希望{shipz}。", "Preferimos enviar {shipe}."),
    ("The goods arrived damaged.", "货物到的时候损坏了。", "La mercancía llegó dañada."),
    ("The {p} {looks} great.", "{pz}看起来很不错。", "{El} se ve{n_pl} muy bien."),
    ("The quality of the sample is very good.", "样品的质量非常好。", "La calidad de la muestra es muy buena."),
    ("The sample arrived yesterday.", "样品昨天到了。", "La muestra llegó ayer."),
    ("We have received the samples.", "我们已经收到样品了。", "Ya hemos recibido las muestras."),
    ("We want the {p} in {mat}.", "我们想要{matz}材质的{pz}。", "Queremos {el} de {mate}."),
    # supplier answers
    ("Yes, we have {ps} in stock.", "是的，我们有{pz}现货。", "Sí, tenemos {pes} en stock."),
    ("Sorry, the {p} {is} out of stock.", "抱歉，{pz}没有现货了。", "Lo sentimos, {el} está{n_pl} agotad{o}."),
    ("Yes, we can print your logo on the {p}.", "是的，我们可以在{pz}上印你们的标志。", "Sí, podemos imprimir su logotipo en {el}."),
    ("Yes, we can make the {p} in {col}.", "是的，{pz}我们可以做{colz}的。", "Sí, podemos fabricar {el} en {cole}."),
    ("Yes, we can customize the {p}.", "是的，我们可以定制{pz}。", "Sí, podemos personalizar {el}."),
    ("Yes, we accept OEM and ODM orders.", "是的，我们接受OEM和ODM订单。", "Sí, aceptamos pedidos OEM y ODM."),
    ("Yes, we can send you a sample.", "是的，我们可以给你寄样品。", "Sí, le podemos enviar una muestra."),
    ("Yes, we can ship to {country}.", "是的，我们可以发货到{countryz}。", "Sí, podemos enviar a {countrye}."),
    ("Yes, we can deliver by [DATE].", "是的，我们可以在[DATE]之前交货。", "Sí, podemos entregar antes del [DATE]."),
    ("Yes, we accept {pay}.", "是的，我们接受{payz}。", "Sí, aceptamos {paye}."),
    ("Yes, the price includes shipping.", "是的，价格包含运费。", "Sí, el precio incluye el envío."),
    ("No, the price does not include shipping.", "不，价格不包含运费。", "No, el precio no incluye el envío."),
    ("Yes, we have {cert} certification.", "是的，我们有{certz}认证。", "Sí, tenemos la certificación {certe}."),
    ("The {p} {has} {cert} certification.", "{pz}有{certz}认证。", "{El} tiene{n_pl} certificación {certe}."),
    ("Our factory is {cert} certified.", "我们工厂通过了{certz}认证。", "Nuestra fábrica tiene la certificación {certe}."),
    ("Sorry, we do not have {cert} certification.", "抱歉，我们没有{certz}认证。", "Lo sentimos, no tenemos la certificación {certe}."),
    ("The MOQ is [Q] {us}.", "最小起订量是[Q]{uz}。", "El pedido mínimo es de [Q] {ues}."),
    ("The MOQ for the {p} is [Q] {us}.", "{pz}的最小起订量是[Q]{uz}。", "El pedido mínimo de {el} es de [Q] {ues}."),
    ("The MOQ for [SKU] is [Q] {gu}.", "[SKU]的最小起订量是[Q]{guz}。", "El pedido mínimo de [SKU] es de [Q] {gue}."),
    ("The price is {price} per {u}.", "价格是每{uz}{price}。", "El precio es de {price} por {ue}."),
    ("The price of the {p} is {price} per {u}.", "{pz}的价格是每{uz}{price}。", "El precio de {el} es de {price} por {ue}."),
    ("The price of [SKU] is {price}.", "[SKU]的价格是{price}。", "El precio de [SKU] es de {price}."),
    ("The [INC] price is {price} per {u}.", "[INC]价格是每{uz}{price}。", "El precio [INC] es de {price} por {ue}."),
    ("For [Q] {us}, the price is {price}.", "[Q]{uz}的价格是{price}。", "Para [Q] {ues}, el precio es de {price}."),
    ("We can do {price} for [Q] {us}.", "[Q]{uz}我们可以做到{price}。", "Podemos hacer {price} para [Q] {ues}."),
    ("Our price is [INC] {city}.", "我们的价格是[INC] {cityz}。", "Nuestro precio es [INC] {citye}."),
    ("We can give you a [PCT] discount.", "我们可以给你[PCT]的折扣。", "Le podemos hacer un descuento del [PCT]."),
    ("We can give you a [PCT] discount for [Q] {gu}.", "[Q]{guz}我们可以给你[PCT]的折扣。", "Le podemos hacer un descuento del [PCT] por [Q] {gue}."),
    ("This is our best price.", "这是我们最好的价格。", "Este es nuestro mejor precio."),
    ("Sorry, we cannot lower the price.", "抱歉，我们不能再降价了。", "Lo sentimos, no podemos bajar el precio."),
    ("The price is valid until [DATE].", "价格有效期到[DATE]。", "El precio es válido hasta el [DATE]."),
    ("The sample is free, but you pay the shipping.", "样品免费，但运费由你支付。", "La muestra es gratis, pero usted paga el envío."),
    ("The sample costs {price}.", "样品费是{price}。", "La muestra cuesta {price}."),
    ("The sample will be ready in [N] days.", "样品[N]天后可以准备好。", "La muestra estará lista en [N] días."),
    ("The sample fee will be refunded after you place the order.", "下单后样品费会退还。", "El costo de la muestra se devolverá al hacer el pedido."),
    ("The lead time is [N] days.", "交货期是[N]天。", "El plazo de entrega es de [N] días."),
    ("The lead time is [N] to [N2] days.", "交货期是[N]到[N2]天。", "El plazo de entrega es de [N] a [N2] días."),
    ("The lead time for [Q] {us} is [N] days.", "[Q]{uz}的交货期是[N]天。", "El plazo de entrega para [Q] {ues} es de [N] días."),
    ("Production takes [N] working days.", "生产需要[N]个工作日。", "La producción tarda [N] días hábiles."),
    ("Production takes about [N] weeks.", "生产大约需要[N]周。", "La producción tarda unas [N] semanas."),
    ("We can ship the goods on [DATE].", "我们可以在[DATE]发货。", "Podemos enviar la mercancía el [DATE]."),
    ("The goods will be ready by [DATE].", "货物将在[DATE]之前准备好。", "La mercancía estará lista antes del [DATE]."),
    ("The goods were shipped yesterday.", "货物昨天已经发出了。", "La mercancía se envió ayer."),
    ("Shipping to {country} takes about [N] days.", "运到{countryz}大约需要[N]天。", "El envío a {countrye} tarda unos [N] días."),
    ("Shipping {ship} takes [N] to [N2] days.", "{shipz}需要[N]到[N2]天。", "El envío {shipe} tarda de [N] a [N2] días."),
    ("We usually ship from {city}.", "我们通常从{cityz}发货。", "Normalmente enviamos desde {citye}."),
    ("We can ship {ship} to {city}.", "我们可以{shipz}到{cityz}。", "Podemos enviar {shipe} a {citye}."),
    ("A {cont} holds about [Q] {us}.", "一个{contz}大约能装[Q]{uz}。", "En un {conte} caben {unos_u} [Q] {ues}."),
    ("Our payment terms are [PCT] deposit and [PCT2] before shipment.", "我们的付款方式是[PCT]定金，发货前付[PCT2]。", "Nuestras condiciones de pago son [PCT] de depósito y [PCT2] antes del envío."),
    ("We accept {pay} and {pay2}.", "我们接受{payz}和{pay2z}。", "Aceptamos {paye} y {pay2e}."),
    ("We accept [PCT] deposit by {pay}.", "我们接受用{payz}支付[PCT]定金。", "Aceptamos un depósito del [PCT] por {paye}."),
    ("The balance is due before shipment.", "余款在发货前支付。", "El saldo se paga antes del envío."),
    ("We have received your payment.", "我们已经收到你的付款。", "Hemos recibido su pago."),
    ("We will send you the proforma invoice today.", "我们今天会把形式发票发给你。", "Hoy le enviaremos la factura proforma."),
    ("Each {u} is packed in a polybag.", "每{uz}用胶袋包装。", "Cada {ue} va embalad{u_o} en una bolsa de plástico."),
    ("There are [Q] {gu} in one carton.", "一箱有[Q]{guz}。", "Hay [Q] {gue} en una caja."),
    ("The carton size is [DIM].", "外箱尺寸是[DIM]。", "El tamaño de la caja es de [DIM]."),
    ("The gross weight is [DIM].", "毛重是[DIM]。", "El peso bruto es de [DIM]."),
    ("The size of the {p} is [DIM].", "{pz}的尺寸是[DIM]。", "El tamaño de {el} es de [DIM]."),
    ("We can use your own packaging.", "我们可以用你们自己的包装。", "Podemos usar su propio embalaje."),
    ("The {p} {comes} in {col} and {col2}.", "{pz}有{colz}和{col2z}两种。", "{El} viene{n_pl} en {cole} y {col2e}."),
    ("The {p} {is} available in {col}.", "{pz}有{colz}的。", "{El} está{n_pl} disponible{s_adj} en {cole}."),
    ("The {p} {is} made of {mat}.", "{pz}是{matz}材质的。", "{El} {ser} de {mate}."),
    ("The warranty is [N] years.", "保修期是[N]年。", "La garantía es de [N] años."),
    ("The {p} {has} a warranty of [N] years.", "{pz}有[N]年保修。", "{El} tiene{n_pl} una garantía de [N] años."),
    ("We will replace any defective products.", "我们会更换任何有问题的产品。", "Reemplazaremos cualquier producto defectuoso."),
    ("We check every {u} before shipment.", "我们发货前检查每一{uz}。", "Revisamos cada {ue} antes del envío."),
    ("The HS code is [HS].", "HS编码是[HS]。", "El código HS es [HS]."),
    ("The model number is [SKU].", "型号是[SKU]。", "El número de modelo es [SKU]."),
    ("[SKU] is our best seller.", "[SKU]是我们卖得最好的产品。", "[SKU] es nuestro producto más vendido."),
    ("[SKU] is the new model of the {p}.", "[SKU]是{pz}的新款。", "[SKU] es el nuevo modelo de {el}."),
    ("We export to {country} and {country2}.", "我们出口到{countryz}和{country2z}。", "Exportamos a {countrye} y {country2e}."),
    ("We have many customers in {country}.", "我们在{countryz}有很多客户。", "Tenemos muchos clientes en {countrye}."),
    ("Our factory has [N] production lines.", "我们工厂有[N]条生产线。", "Nuestra fábrica tiene [N] líneas de producción."),
    ("We can produce [Q] {us} per month.", "我们每个月可以生产[Q]{uz}。", "Podemos producir [Q] {ues} al mes."),
    ("You are welcome to visit our factory.", "欢迎参观我们的工厂。", "Le invitamos a visitar nuestra fábrica."),
    ("Please contact us at [MAIL] or [TEL].", "请通过[MAIL]或[TEL]联系我们。", "Contáctenos en [MAIL] o [TEL]."),
    ("You can call me at [TEL].", "你可以打[TEL]找我。", "Puede llamarme al [TEL]."),
    ("Please write to [MAIL].", "请发邮件到[MAIL]。", "Por favor, escriba a [MAIL]."),
    ("Our catalogue is at [URL].", "我们的产品目录在[URL]。", "Nuestro catálogo está en [URL]."),
    ("I will send you the catalogue by e-mail.", "我会通过邮件把产品目录发给你。", "Le enviaré el catálogo por correo electrónico."),
    ("I will send you the details later.", "我稍后把详细信息发给你。", "Le enviaré los detalles más tarde."),
    ("Our booth number is [N].", "我们的展位号是[N]。", "Nuestro número de stand es el [N]."),
    ("The trade fair ends on [DATE].", "展会在[DATE]结束。", "La feria termina el [DATE]."),
    ("We have a new catalogue for [YEAR].", "我们有[YEAR]年的新产品目录。", "Tenemos un nuevo catálogo para [YEAR]."),
    ("The new collection will be ready in [YEAR].", "新系列将在[YEAR]年推出。", "La nueva colección estará lista en [YEAR]."),
    ("OK, no problem.", "好的，没问题。", "De acuerdo, no hay problema."),
    ("Yes, of course.", "是的，当然。", "Sí, por supuesto."),
    ("Sorry, I do not understand.", "抱歉，我不明白。", "Lo siento, no entiendo."),
    ("Could you repeat that, please?", "请你再说一遍好吗？", "¿Puede repetirlo, por favor?"),
    ("One moment, please.", "请稍等。", "Un momento, por favor."),
    ("Sounds good.", "听起来不错。", "Me parece bien."),
    ("That is fine with us.", "这对我们来说没问题。", "Eso nos parece bien."),
    ("We agree with the price.", "我们同意这个价格。", "Estamos de acuerdo con el precio."),
    ("Let us sign the contract.", "我们签合同吧。", "Firmemos el contrato."),
    ("Thank you!", "谢谢！", "¡Gracias!"),
    ("Thank you very much.", "非常感谢。", "Muchas gracias."),
    ("Thank you for your visit.", "感谢你的光临。", "Gracias por su visita."),
    ("Thank you for your order.", "感谢你的订单。", "Gracias por su pedido."),
    ("Thanks for the information.", "谢谢你提供的信息。", "Gracias por la información."),
    ("Thank you for your quick reply.", "谢谢你的快速回复。", "Gracias por su rápida respuesta."),
    ("Looking forward to working with you.", "期待与你合作。", "Esperamos trabajar con usted."),
    ("Looking forward to your reply.", "期待你的回复。", "Quedo a la espera de su respuesta."),
    ("Have a nice day!", "祝你有美好的一天！", "¡Que tenga un buen día!"),
    ("See you tomorrow.", "明天见。", "Hasta mañana."),
    ("Goodbye!", "再见！", "¡Adiós!"),
    ("Best regards.", "此致敬礼。", "Saludos cordiales."),
]

# Each hand-written chat triple is used this many times per direction (protected afresh each
# time, so placeholder offsets vary), to weigh free text against the templates' many draws.
CHAT_REPEAT = 3
CHAT_DEV_SIZE = 150
# Probability that a question gets a greeting prefix.
PREFIX_FRACTION = 0.25


@dataclass(frozen=True)
class Template:
    tid: int
    en: str
    zh: str
    es: str
    question: bool


def all_templates() -> list[Template]:
    out: list[Template] = []
    for en, zh, es in QUESTIONS:
        out.append(Template(len(out), en, zh, es, True))
    for en, zh, es in STATEMENTS:
        out.append(Template(len(out), en, zh, es, False))
    return out


def _pick3(rng: random.Random, items: list[tuple[str, str, str]], name: str, s: Slots) -> None:
    en, zh, es = rng.choice(items)
    s[name] = en
    s[name + "z"] = zh
    s[name + "e"] = es


def _draw_slots(rng: random.Random) -> Slots:
    s: Slots = dict(rng.choice(PRODUCTS))
    # Spanish agreement helpers that depend on number only.
    plural = s["is"] == "are"
    s["n_pl"] = "n" if plural else ""
    s["s_adj"] = "s" if plural else ""
    s["lospl"] = s["los"]
    s["u_o"] = "a" if s["ue"] in ("pieza", "caja") else "o"
    _pick3(rng, COUNTRIES, "country", s)
    c2 = rng.choice([c for c in COUNTRIES if c[0] != s["country"]])
    s["country2"], s["country2z"], s["country2e"] = c2
    _pick3(rng, CITIES, "city", s)
    _pick3(rng, COLOURS, "col", s)
    c2 = rng.choice([c for c in COLOURS if c[0] != s["col"]])
    s["col2"], s["col2z"], s["col2e"] = c2
    _pick3(rng, MATERIALS, "mat", s)
    _pick3(rng, CERTS, "cert", s)
    _pick3(rng, PAYMENTS, "pay", s)
    p2 = rng.choice([p for p in PAYMENTS if p[0] != s["pay"]])
    s["pay2"], s["pay2z"], s["pay2e"] = p2
    _pick3(rng, GENERIC_UNITS, "gu", s)
    _pick3(rng, CONTAINERS, "cont", s)
    # "6.80 USD" is two protected spans at run time, "$6.80" / "USD 6.80" is one.
    s["price"] = "[PR] [CUR]" if rng.random() < 0.6 else "[PRC]"
    s["cuantos_u"] = "Cuántas" if s["ues"] in _ES_FEM_UNITS else "Cuántos"
    s["unos_u"] = "unas" if s["ues"] in _ES_FEM_UNITS else "unos"
    s["cuantos_g"] = "Cuántas" if s["gue"] in _ES_FEM_UNITS else "Cuántos"
    s["looks"] = "look" if plural else "looks"
    s["comes"] = "come" if plural else "comes"
    _pick3(rng, SHIP_MODES, "ship", s)
    return s


def _lower_first(text: str) -> str:
    """Lower-case the first letter after a greeting prefix (keeps 'LED', 'I', SKUs, markers)."""
    if text.startswith("¿"):
        return "¿" + _lower_first(text[1:])
    if len(text) >= 2 and text[0].isupper() and text[1].islower() and not text.startswith("I "):
        return text[0].lower() + text[1:]
    return text


# Spanish "de el" / "a el" contract to "del" / "al".
_ES_CONTRACT_RE = re.compile(r"(^|[\s¿¡])(de|a) el\b")
_ES_FEM_UNITS = {"piezas", "unidades", "cajas"}


def render(t: Template, rng: random.Random) -> dict[str, str]:
    """Render one template with random slots; markers are still ``[X]`` in the result."""
    s = _draw_slots(rng)
    out = {"en": t.en.format(**s), "zh": t.zh.format(**s), "es": t.es.format(**s)}
    out["es"] = _ES_CONTRACT_RE.sub(lambda m: m.group(1) + ("del" if m.group(2) == "de" else "al"), out["es"])
    if t.question and rng.random() < PREFIX_FRACTION:
        en, zh, es = rng.choice(PREFIXES)
        out = {"en": en + _lower_first(out["en"]), "zh": zh + out["zh"], "es": es + _lower_first(out["es"])}
    return out


def protect(rendered: dict[str, str], src: str, tgt: str, rng: random.Random) -> tuple[str, str] | None:
    """Fill the markers with raw values, then protect the pair exactly as the runtime does."""
    src_text, tgt_text = rendered[src], rendered[tgt]
    kinds = [m.group(1) for m in MARKER_RE.finditer(src_text)]
    if sorted(kinds) != sorted(m.group(1) for m in MARKER_RE.finditer(tgt_text)):
        raise ValueError(f"marker mismatch: {src_text!r} / {tgt_text!r}")
    if len(set(kinds)) != len(kinds):
        raise ValueError(f"duplicate marker: {src_text!r}")
    values = {k: _raw_value(k, rng) for k in kinds}

    def sub(text: str) -> str:
        return MARKER_RE.sub(lambda m: values[m.group(1)], text)

    return protect_pair(sub(src_text), sub(tgt_text), rng)


Pair = tuple[str, str]


def generate_direction(
    src: str, tgt: str, seed: int, per_template: int, test_per_template: int, dev_per_template: int
) -> tuple[list[Pair], list[Pair], list[Pair]]:
    """Sample pairs evenly per template and split off unseen combinations for dev/test.

    Returns (train, dev, test). A source sentence never maps to two different targets: the
    lowest template id wins (so the mapping is deterministic and exact match is meaningful).
    Held-out sources never occur in train.
    """
    rng = random.Random(f"{seed}-{src}-{tgt}")
    templates = all_templates()
    per_tpl: list[list[Pair]] = []
    canonical: dict[str, tuple[int, str]] = {}
    for t in templates:
        pairs: list[Pair] = []
        for _ in range(per_template):
            pair = protect(render(t, rng), src, tgt, rng)
            if pair is None:
                continue
            pairs.append(pair)
            prev = canonical.get(pair[0])
            if prev is None or prev[0] > t.tid:
                canonical[pair[0]] = (t.tid, pair[1])
        per_tpl.append(pairs)

    train: list[Pair] = []
    dev: list[Pair] = []
    test: list[Pair] = []
    for pairs in per_tpl:
        pairs = [(s, canonical[s][1]) for s, _ in pairs]
        distinct = sorted(set(pairs))
        held: set[str] = set()
        # Hold out only where there are enough distinct combinations for the rest to generalise.
        if len(distinct) >= 20:
            rng.shuffle(distinct)
            chosen = distinct[: test_per_template + dev_per_template]
            test.extend(chosen[:test_per_template])
            dev.extend(chosen[test_per_template:])
            held = {s for s, _ in chosen}
        train.extend(p for p in pairs if p[0] not in held)
    all_held = {s for s, _ in test} | {s for s, _ in dev}
    train = [p for p in train if p[0] not in all_held]
    rng.shuffle(train)
    return train, dev, test


def write_tsv(path: Path, pairs: list[Pair]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for s, t in pairs:
            if "\t" in s or "\t" in t or "\n" in s or "\n" in t:
                raise ValueError(f"bad pair {s!r} {t!r}")
            f.write(f"{s}\t{t}\n")


def read_tsv(path: Path) -> list[Pair]:
    pairs: list[Pair] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        s, t = line.split("\t")
        pairs.append((s, t))
    return pairs


def _check_templates() -> None:
    rng = random.Random(0)
    for t in all_templates():
        for _ in range(5):
            r = render(t, rng)
            for lang in LANGS:
                if "{" in r[lang] or "}" in r[lang] or MARKER_RE.sub("", r[lang]).count("[") > 0:
                    raise ValueError(f"unfilled slot in {r[lang]!r}")
            protect(r, "en", "zh", rng)
            protect(r, "en", "es", rng)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--per-template", type=int, default=40)
    ap.add_argument("--test-per-template", type=int, default=3)
    ap.add_argument("--dev-per-template", type=int, default=1)
    ap.add_argument("--stage", type=int, choices=(1, 2, 3, 4, 5, 6), default=6,
                    help="1: the stage-1 chat files only; 2-6: also the files of the later stages up to it, training only")
    ap.add_argument("--corpus-dir", type=Path, default=CORPUS_DIR, help="the hand-written chat corpus")
    args = ap.parse_args(argv)
    _check_templates()
    args.out.mkdir(parents=True, exist_ok=True)
    seen: set[str] = set()
    # The dev set is drawn from the stage-1 triples in every stage, so it is the same free text that
    # no stage trained on; the triples of later stages only add to training.
    chat_train, chat_dev = split(read_triples(args.corpus_dir, stage=1, seen=seen), CHAT_DEV_SIZE, args.seed)
    for stage in range(2, args.stage + 1):
        chat_train += read_triples(args.corpus_dir, stage=stage, seen=seen)
    report: list[str] = []
    for src, tgt in DIRECTIONS:
        train, dev, test = generate_direction(
            src, tgt, args.seed, args.per_template, args.test_per_template, args.dev_per_template
        )
        rng = random.Random(f"{args.seed}-{src}-{tgt}-chat")
        chat_pairs = [
            p
            for _ in range(CHAT_REPEAT)
            for t in chat_train
            if (p := protect_pair(t[src], t[tgt], rng)) is not None
        ]
        dev_sources = {s for s, _ in dev} | {s for s, _ in test}
        train = [p for p in train + chat_pairs if p[0] not in dev_sources]
        rng.shuffle(train)
        chat_dev_pairs = [p for t in chat_dev if (p := protect_pair(t[src], t[tgt], rng)) is not None]
        write_tsv(args.out / f"{src}_{tgt}.train.tsv", train)
        # Early stopping steers by the free-text dev set: that is what users type.
        write_tsv(args.out / f"{src}_{tgt}.dev.tsv", chat_dev_pairs)
        write_tsv(args.out / f"{src}_{tgt}.tdev.tsv", dev)
        write_tsv(args.out / f"{src}_{tgt}.test.tsv", test)
        report.append(
            f"{src}->{tgt}: train={len(train)} distinct={len(set(train))} chat={len(chat_pairs)} "
            f"dev={len(chat_dev_pairs)} template-dev={len(dev)} test={len(test)}"
        )
    print(f"templates: {len(all_templates())}, chat triples: {len(chat_train)} train, {len(chat_dev)} dev")
    print("\n".join(report))


if __name__ == "__main__":
    main()
