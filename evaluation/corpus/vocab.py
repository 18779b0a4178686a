"""Fixed word lists the generator draws from: industries, name parts, auditors, banks.

Every company, person and group named here is fictitious. Core enterprises and competitors
are invented on purpose, so that negative stories never land on a real firm.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Industry:
    """One industry chain, in both languages, with the operating norms its firms are drawn around."""

    key: str
    zh: str
    en: str
    products_zh: tuple[str, ...]
    products_en: tuple[str, ...]
    upstream_zh: str
    upstream_en: str
    downstream_zh: str
    downstream_en: str
    core_zh: tuple[str, ...]
    core_en: tuple[str, ...]
    customer_suffix_zh: tuple[str, ...]
    customer_suffix_en: tuple[str, ...]
    supplier_suffix_zh: tuple[str, ...]
    supplier_suffix_en: tuple[str, ...]
    regulator_zh: str
    regulator_en: str
    gross_margin: float
    receivable_days: float
    inventory_days: float
    asset_turnover: float
    market_size_bn: float
    market_growth: float


INDUSTRIES: tuple[Industry, ...] = (
    Industry(
        "auto_parts", "汽车零部件", "auto parts",
        ("铝合金压铸件", "制动卡钳", "转向节总成"), ("aluminium die castings", "brake calipers", "steering knuckles"),
        "铝锭、钢材、橡胶等原材料", "aluminium ingots, steel and rubber",
        "整车制造企业及一级零部件供应商", "vehicle makers and tier-1 system suppliers",
        ("东岳汽车集团有限公司", "华川新能源汽车股份有限公司"), ("Dongyue Automotive Group", "Huachuan New Energy Vehicles Co., Ltd."),
        ("汽车股份有限公司", "汽车系统有限公司", "底盘系统有限公司"), ("Automotive Co., Ltd.", "Auto Systems Co., Ltd.", "Chassis Systems Co., Ltd."),
        ("铝业有限公司", "特钢有限公司", "橡胶制品有限公司"), ("Aluminium Co., Ltd.", "Special Steel Co., Ltd.", "Rubber Products Co., Ltd."),
        "市场监督管理局", "Administration for Market Regulation",
        0.21, 95, 70, 0.85, 4200, 0.06,
    ),
    Industry(
        "new_materials", "新材料", "new materials",
        ("改性工程塑料", "碳纤维复合材料", "特种涂层材料"), ("modified engineering plastics", "carbon-fibre composites", "specialty coatings"),
        "石化基础原料及碳纤维原丝", "petrochemical feedstock and carbon-fibre precursor",
        "家电、汽车及风电装备制造企业", "makers of home appliances, vehicles and wind-power equipment",
        ("远海风电装备集团有限公司", "澜庭家电集团股份有限公司"), ("Yuanhai Wind Power Equipment Group", "Lanting Home Appliances Group Co., Ltd."),
        ("电器股份有限公司", "风能科技有限公司", "精密制造有限公司"), ("Appliances Co., Ltd.", "Wind Energy Technology Co., Ltd.", "Precision Manufacturing Co., Ltd."),
        ("石化有限公司", "化工原料有限公司", "纤维有限公司"), ("Petrochemical Co., Ltd.", "Chemical Materials Co., Ltd.", "Fibre Co., Ltd."),
        "生态环境局", "Bureau of Ecology and Environment",
        0.24, 100, 75, 0.75, 3100, 0.09,
    ),
    Industry(
        "medical_devices", "医疗器械", "medical devices",
        ("一次性使用输注器械", "医用导管", "体外诊断试剂"), ("single-use infusion sets", "medical catheters", "in-vitro diagnostic reagents"),
        "医用高分子材料及电子元器件", "medical-grade polymers and electronic components",
        "医院、医药流通企业及区域经销商", "hospitals, pharmaceutical distributors and regional dealers",
        ("康衡医药流通集团有限公司", "仁济医疗供应链股份有限公司"), ("Kangheng Pharmaceutical Distribution Group", "Renji Medical Supply Chain Co., Ltd."),
        ("医药有限公司", "医疗器械经营有限公司", "医疗科技有限公司"), ("Pharmaceutical Co., Ltd.", "Medical Equipment Trading Co., Ltd.", "Medical Technology Co., Ltd."),
        ("高分子材料有限公司", "包装材料有限公司", "电子有限公司"), ("Polymer Materials Co., Ltd.", "Packaging Materials Co., Ltd.", "Electronics Co., Ltd."),
        "药品监督管理局", "Medical Products Administration",
        0.45, 120, 110, 0.65, 1800, 0.1,
    ),
    Industry(
        "construction", "建筑工程", "construction",
        ("钢结构工程", "市政道路工程", "装配式建筑构件"), ("steel-structure works", "municipal road works", "prefabricated building components"),
        "钢材、水泥及商品混凝土", "steel, cement and ready-mixed concrete",
        "地方城投平台及房地产开发企业", "local government financing platforms and property developers",
        ("滨江城市建设投资集团有限公司", "锦城置业集团有限公司"), ("Binjiang Urban Construction Investment Group", "Jincheng Property Group Co., Ltd."),
        ("城市建设投资有限公司", "置业有限公司", "开发建设有限公司"), ("Urban Construction Investment Co., Ltd.", "Property Co., Ltd.", "Development and Construction Co., Ltd."),
        ("钢材贸易有限公司", "建材有限公司", "混凝土有限公司"), ("Steel Trading Co., Ltd.", "Building Materials Co., Ltd.", "Concrete Co., Ltd."),
        "住房和城乡建设局", "Bureau of Housing and Urban-Rural Development",
        0.11, 170, 40, 0.7, 9500, 0.02,
    ),
    Industry(
        "food_processing", "食品加工", "food processing",
        ("速冻面点", "复合调味品", "休闲肉制品"), ("frozen dumplings and buns", "compound seasonings", "packaged meat snacks"),
        "小麦粉、生猪及农副产品", "wheat flour, pork and other farm produce",
        "连锁商超、餐饮连锁及电商平台", "supermarket chains, restaurant chains and e-commerce platforms",
        ("优鲜汇连锁超市集团有限公司", "味千里餐饮管理股份有限公司"), ("Youxianhui Supermarket Chain Group", "Weiqianli Restaurant Management Co., Ltd."),
        ("商贸有限公司", "餐饮管理有限公司", "超市有限公司"), ("Trading Co., Ltd.", "Catering Management Co., Ltd.", "Supermarket Co., Ltd."),
        ("粮油有限公司", "农产品有限公司", "包装制品有限公司"), ("Grain and Oil Co., Ltd.", "Agricultural Products Co., Ltd.", "Packaging Co., Ltd."),
        "市场监督管理局", "Administration for Market Regulation",
        0.27, 45, 50, 1.3, 2600, 0.05,
    ),
    Industry(
        "logistics", "物流", "logistics",
        ("冷链运输服务", "合同物流服务", "仓储配送服务"), ("cold-chain transport", "contract logistics", "warehousing and distribution"),
        "运输车辆、燃油及仓储设施", "trucks, fuel and warehouse space",
        "制造企业、连锁零售及电商平台", "manufacturers, retail chains and e-commerce platforms",
        ("聚通电商集团有限公司", "北辰制造集团股份有限公司"), ("Jutong E-commerce Group", "Beichen Manufacturing Group Co., Ltd."),
        ("电子商务有限公司", "供应链管理有限公司", "实业股份有限公司"), ("E-commerce Co., Ltd.", "Supply Chain Management Co., Ltd.", "Industrial Co., Ltd."),
        ("汽车销售服务有限公司", "石油销售有限公司", "仓储有限公司"), ("Vehicle Sales Co., Ltd.", "Petroleum Sales Co., Ltd.", "Warehousing Co., Ltd."),
        "交通运输局", "Transport Bureau",
        0.13, 75, 8, 1.1, 5200, 0.04,
    ),
    Industry(
        "textiles", "纺织", "textiles",
        ("功能性面料", "色纺纱线", "家用纺织品"), ("functional fabrics", "dyed yarn", "home textiles"),
        "棉花、涤纶短纤及染化料", "cotton, polyester staple and dyes",
        "服装品牌商及外贸出口企业", "apparel brands and export traders",
        ("雅衫服饰集团股份有限公司", "锦绣国际贸易集团有限公司"), ("Yashan Apparel Group Co., Ltd.", "Jinxiu International Trading Group"),
        ("服饰有限公司", "进出口有限公司", "家纺股份有限公司"), ("Apparel Co., Ltd.", "Import & Export Co., Ltd.", "Home Textiles Co., Ltd."),
        ("棉业有限公司", "化纤有限公司", "染料有限公司"), ("Cotton Co., Ltd.", "Chemical Fibre Co., Ltd.", "Dyestuff Co., Ltd."),
        "生态环境局", "Bureau of Ecology and Environment",
        0.16, 80, 95, 0.9, 3400, 0.01,
    ),
    Industry(
        "electronics", "电子元器件", "electronic components",
        ("印制电路板", "片式电感", "精密连接器"), ("printed circuit boards", "chip inductors", "precision connectors"),
        "覆铜板、铜箔及电子化学品", "copper-clad laminate, copper foil and electronic chemicals",
        "消费电子、通信设备及汽车电子制造企业", "makers of consumer electronics, telecom equipment and automotive electronics",
        ("星联通信设备股份有限公司", "启明智能终端集团有限公司"), ("Xinglian Telecom Equipment Co., Ltd.", "Qiming Smart Devices Group"),
        ("通信技术有限公司", "智能科技有限公司", "电子股份有限公司"), ("Communication Technology Co., Ltd.", "Smart Technology Co., Ltd.", "Electronics Co., Ltd."),
        ("覆铜板有限公司", "铜箔有限公司", "电子化学品有限公司"), ("Laminates Co., Ltd.", "Copper Foil Co., Ltd.", "Electronic Chemicals Co., Ltd."),
        "应急管理局", "Emergency Management Bureau",
        0.19, 105, 65, 0.8, 6100, 0.07,
    ),
)

# Brand syllables with their pinyin, so Chinese and English names stay parallel.
BRANDS: tuple[tuple[str, str], ...] = (
    ("华锐", "Huarui"), ("瑞丰", "Ruifeng"), ("宏拓", "Hongtuo"), ("金泰", "Jintai"), ("鑫源", "Xinyuan"),
    ("永晟", "Yongsheng"), ("博远", "Boyuan"), ("嘉禾", "Jiahe"), ("立恒", "Liheng"), ("盛邦", "Shengbang"),
    ("德润", "Derun"), ("宇辰", "Yuchen"), ("恒越", "Hengyue"), ("天祺", "Tianqi"), ("安捷", "Anjie"),
    ("致远", "Zhiyuan"), ("凯旋", "Kaixuan"), ("同舟", "Tongzhou"), ("明川", "Mingchuan"), ("汇通", "Huitong"),
    ("新程", "Xincheng"), ("广泽", "Guangze"), ("正源", "Zhengyuan"), ("丰华", "Fenghua"), ("卓越", "Zhuoyue"),
    ("弘信", "Hongxin"), ("百川", "Baichuan"), ("联创", "Lianchuang"), ("长宁", "Changning"), ("东晟", "Dongsheng"),
)

CITIES: tuple[tuple[str, str, str], ...] = (
    ("常州", "Changzhou", "江苏省"), ("宁波", "Ningbo", "浙江省"), ("佛山", "Foshan", "广东省"),
    ("台州", "Taizhou", "浙江省"), ("潍坊", "Weifang", "山东省"), ("芜湖", "Wuhu", "安徽省"),
    ("泉州", "Quanzhou", "福建省"), ("株洲", "Zhuzhou", "湖南省"), ("绵阳", "Mianyang", "四川省"),
    ("襄阳", "Xiangyang", "湖北省"), ("嘉兴", "Jiaxing", "浙江省"), ("南通", "Nantong", "江苏省"),
)

SURNAMES: tuple[tuple[str, str], ...] = (
    ("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu"), ("陈", "Chen"), ("杨", "Yang"),
    ("赵", "Zhao"), ("黄", "Huang"), ("周", "Zhou"), ("吴", "Wu"), ("徐", "Xu"), ("孙", "Sun"),
    ("胡", "Hu"), ("朱", "Zhu"), ("高", "Gao"), ("林", "Lin"), ("何", "He"), ("郭", "Guo"),
)

GIVEN: tuple[tuple[str, str], ...] = (
    ("建国", "Jianguo"), ("志强", "Zhiqiang"), ("海燕", "Haiyan"), ("立新", "Lixin"), ("文华", "Wenhua"),
    ("明辉", "Minghui"), ("晓东", "Xiaodong"), ("春梅", "Chunmei"), ("国平", "Guoping"), ("振宇", "Zhenyu"),
    ("丽娟", "Lijuan"), ("德明", "Deming"), ("永刚", "Yonggang"), ("秀英", "Xiuying"), ("宏伟", "Hongwei"),
    ("家豪", "Jiahao"), ("静怡", "Jingyi"), ("卫东", "Weidong"), ("俊杰", "Junjie"), ("雪梅", "Xuemei"),
)

AUDITORS: tuple[tuple[str, str], ...] = (
    ("立信中和会计师事务所（特殊普通合伙）", "Lixin Zhonghe CPA LLP"),
    ("天衡华信会计师事务所（特殊普通合伙）", "Tianheng Huaxin CPA LLP"),
    ("中审正泰会计师事务所（特殊普通合伙）", "Zhongshen Zhengtai CPA LLP"),
    ("信永和会计师事务所（特殊普通合伙）", "Xinyonghe Certified Public Accountants LLP"),
)

BANKS: tuple[tuple[str, str], ...] = (
    ("中国工商银行", "Industrial and Commercial Bank of China"),
    ("中国建设银行", "China Construction Bank"),
    ("中国农业银行", "Agricultural Bank of China"),
    ("交通银行", "Bank of Communications"),
    ("招商银行", "China Merchants Bank"),
    ("兴业银行", "Industrial Bank"),
)

NEWS_OUTLETS: tuple[tuple[str, str], ...] = (
    ("产经观察网", "Industry Watch Daily"),
    ("财经快讯", "Finance Flash"),
    ("中小企业时报", "SME Times"),
    ("区域经济报", "Regional Economy Herald"),
)

RESEARCH_HOUSES: tuple[tuple[str, str], ...] = (
    ("华泽证券研究所", "Huaze Securities Research"),
    ("远川产业研究院", "Yuanchuan Industry Institute"),
)
