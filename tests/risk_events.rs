//! The shipped risk lexicon on events and on ordinary reviews: a category whose strongest
//! phrase weighs 2 or more is a P1-class reason (for every category but churn), so such a
//! weight must come from a specific event (a child fell, an outlet sparked, glass in the
//! food, a complaint to a regulator) and never from a negated one or a loose word.
//!
//! The sentences are written for this test. Each table row can fail on its own: an event row
//! when its category is missing or below 2, a negated row when its positive form does not
//! register or its negated form does, a harmless row when any category but churn reaches 2.

use fankui::priority::{RiskCategory, RiskLexicon};
use fankui::segment::{Normalizer, NormalizerConfig, StandardNormalizer};

use RiskCategory::{Fraud, Health, Legal, Media, Privacy, Regulator, Safety};

struct Lexicon {
    normalizer: StandardNormalizer,
    risks: RiskLexicon,
}

impl Lexicon {
    fn shipped() -> Self {
        let normalizer = StandardNormalizer::new(NormalizerConfig::default());
        let risks = RiskLexicon::shipped(&normalizer).unwrap();
        Lexicon { normalizer, risks }
    }

    /// The categories of `text` with a phrase of weight 2 or more, churn left out, each with
    /// the phrase found.
    fn strong(&self, text: &str) -> Vec<(RiskCategory, String)> {
        let norm = self.normalizer.normalize(text);
        self.risks
            .find(norm.text())
            .into_iter()
            .filter(|(c, w, _)| *c != RiskCategory::Churn && *w >= 2.0)
            .map(|(c, _, found)| (c, found))
            .collect()
    }

    fn registers(&self, text: &str, category: RiskCategory) -> bool {
        self.strong(text).iter().any(|(c, _)| *c == category)
    }
}

/// Events without a keyword of their own: injuries, falls, sparks, glass in food, shocks.
const EVENTS: &[(&str, RiskCategory)] = &[
    ("椅子腿突然断了，孩子摔了下来", Safety),
    ("宝宝从床上摔下来了，哭了好久", Safety),
    ("我家老人在浴室里滑倒了", Safety),
    ("楼梯扶手松了，我从台阶上摔了下来", Safety),
    ("儿子磕到桌角，缝了三针", Safety),
    ("孩子的手指被划破了", Safety),
    ("插座一插上就冒火花", Safety),
    ("充电器打火花，吓了一跳", Safety),
    ("开关冒火星", Safety),
    ("电水壶用了两次就着火了", Safety),
    ("充电宝在包里爆炸了", Safety),
    ("热水壶漏电，摸着麻手", Safety),
    ("摸了一下冰箱门就被电到了", Safety),
    ("吹风机电得我手发麻", Safety),
    ("米饭里吃出了玻璃碎片", Health),
    ("一块碎玻璃掉进了汤里", Health),
    ("粥里有一段铁丝", Health),
    ("外卖盒里有只苍蝇", Health),
    ("鸡肉都没熟，里面还是红的", Health),
    ("吃完上吐下泻，去医院挂水", Health),
    ("我的个人信息被泄露了", Privacy),
    ("付了钱被骗了三千块", Fraud),
    ("有人冒充客服让我转账", Fraud),
    (
        "The chair leg snapped and my son fell off onto the tiles",
        Safety,
    ),
    (
        "the high chair tipped and my daughter fell backwards",
        Safety,
    ),
    ("My husband fell through the rotten deck board", Safety),
    ("The charger started sparking when I plugged it in", Safety),
    ("Sparks came out of the outlet", Safety),
    ("the toaster shocked me when I touched the side", Safety),
    ("I got a shock from the kettle handle", Safety),
    ("got zapped by the lamp switch", Safety),
    ("My son needed five stitches", Safety),
    ("my toddler swallowed a magnet from the set", Safety),
    ("it caught fire on the counter", Safety),
    ("The battery exploded in my hand", Safety),
    ("I can't believe it caught fire", Safety),
    (
        "Not only did it catch fire, the store refused a refund",
        Safety,
    ),
    ("不小心烫伤了手", Safety),
    ("I found a piece of glass in my salad", Health),
    ("There was a metal shaving in the burger", Health),
    ("my burrito had a piece of plastic in it", Health),
    ("there was a hair in my soup", Health),
    ("The bottle leaked and then my data was leaked too", Privacy),
];

/// Regulators, courts and the press, in English and in Traditional and Simplified Chinese.
const BODIES: &[(&str, RiskCategory)] = &[
    ("I have reported this to the ACCC", Regulator),
    ("I'm taking this to the energy ombudsman", Regulator),
    ("the financial ombudsman has my file", Regulator),
    ("See you in small claims court", Legal),
    ("Trading Standards will hear about this", Regulator),
    ("I spoke to Citizens Advice this morning", Regulator),
    ("filed a complaint with the BBB", Regulator),
    ("Reported them to the Better Business Bureau", Regulator),
    ("I will report this to the FTC", Regulator),
    ("complaint lodged with the CFPB", Regulator),
    ("contacted the state attorney general", Regulator),
    ("Ofcom will be hearing from me", Regulator),
    ("Complained to Ofgem twice", Regulator),
    ("I've complained to the FCA", Regulator),
    ("Filed with the Department of Consumer Affairs", Regulator),
    ("I reported the reaction to the FDA", Regulator),
    ("NSW Fair Trading is looking into it", Regulator),
    ("I contacted a reporter at the local paper", Media),
    ("I called the police", Legal),
    ("我已經向消委會投訴", Regulator),
    ("我會去消基會申訴", Regulator),
    ("已經找消保官處理", Regulator),
    ("向消保會檢舉", Regulator),
    ("要去公平會檢舉不實廣告", Regulator),
    ("我會向金管會投訴", Regulator),
    ("已通報衛生局", Regulator),
    ("我會通報食藥署", Regulator),
    ("已向消保處提出消費申訴", Regulator),
    ("我會向申訴專員公署投訴", Regulator),
    ("我要投稿爆料公社", Media),
    ("我已寄存證信函給你們", Legal),
    ("我已经打了12315", Regulator),
    ("请有关部门查一查这家店", Regulator),
    ("我要联系媒体", Media),
    ("要向旅游局投诉这家酒店", Regulator),
];

/// A risk and the same risk negated: the first must register, the second must not.
const NEGATED: &[(&str, &str, RiskCategory)] = &[
    (
        "I would call this fraud",
        "I would not call this fraud",
        Fraud,
    ),
    ("I'd call it a scam", "I wouldn't call it a scam", Fraud),
    ("it's a scam", "it's not a scam, just slow shipping", Fraud),
    ("sparks came out", "no sparks came out, no smell", Safety),
    (
        "the kettle caught fire",
        "nothing caught fire, it just stopped",
        Safety,
    ),
    ("one child was injured", "nobody was injured", Safety),
    ("起火了", "没有起火，只是不能充电", Safety),
    ("用了一年漏电", "用了一年，并没有漏电", Safety),
    ("这是骗局", "这不是骗局", Fraud),
    ("这是诈骗", "这不算诈骗，只是宣传夸张", Fraud),
    ("用了一个月过敏", "用了一个月没有出现过敏", Health),
    ("用了就过敏", "从来没有出现过过敏反应", Health),
    ("这不是正品", "不知道是不是正品", Fraud),
    ("孩子受伤了", "孩子没有受伤", Safety),
    ("漏电", "有防漏电设计", Safety),
];

/// Ordinary reviews with a word that looks like a risk.
const HARMLESS: &[&str] = &[
    "the price is a rip-off",
    "this game is fire",
    "a killer feature for the price",
    "electric toothbrush works great",
    "sparks flew between the two leads",
    "all explosions and car chases",
    "a tough pill to swallow",
    "a tense police procedural",
    "made with FDA approved ingredients",
    "the lead actress stole the show",
    "the plot fell apart in the last act",
    "my son fell asleep in the car",
    "my kids fell in love with it",
    "the wheel fell off after a week",
    "the bottle leaked in the box",
    "this cheap piece of plastic broke",
    "a privacy screen for the monitor",
    "这款手机太火爆了",
    "今年的爆款，抢不到",
    "快递员摔了我的包裹",
    "手机玩游戏有点发烫",
    "冬天围着火炉吃雪糕",
    "物流差到爆炸",
    "拍照曝光很准",
    "多媒体功能强大",
    "给老人看新闻用的",
    "酒店旁边有个医院",
    "国家旅游局评定的五星酒店",
    "酒店已责成相关部门整改",
    "芒果还没熟",
    "几个苹果受伤了",
    "感觉被骗了，苹果太小",
    "上当受骗了，和图片不符",
    "瓶子泄露了，洗发水流出来",
    "晚上总有骚扰电话",
    "手机通讯录很好用",
    "令人窒息的美",
    "触摸屏有点失控",
    "屏幕划伤了一点",
    "酒店房间有股发霉的味道",
];

#[test]
fn events_register_with_their_category() {
    let lexicon = Lexicon::shipped();
    let misses: Vec<String> = EVENTS
        .iter()
        .chain(BODIES)
        .filter(|(text, category)| !lexicon.registers(text, *category))
        .map(|(text, category)| format!("{text}: want {category}, got {:?}", lexicon.strong(text)))
        .collect();
    assert!(misses.is_empty(), "{}", misses.join("\n"));
}

#[test]
fn negated_risks_do_not_register() {
    let lexicon = Lexicon::shipped();
    let mut misses = Vec::new();
    for (positive, negative, category) in NEGATED {
        if !lexicon.registers(positive, *category) {
            misses.push(format!(
                "{positive}: want {category}, got {:?}",
                lexicon.strong(positive)
            ));
        }
        let found = lexicon.strong(negative);
        if !found.is_empty() {
            misses.push(format!("{negative}: want nothing, got {found:?}"));
        }
    }
    assert!(misses.is_empty(), "{}", misses.join("\n"));
}

#[test]
fn ordinary_reviews_have_no_strong_risk() {
    let lexicon = Lexicon::shipped();
    let misses: Vec<String> = HARMLESS
        .iter()
        .filter_map(|text| {
            let found = lexicon.strong(text);
            (!found.is_empty()).then(|| format!("{text}: {found:?}"))
        })
        .collect();
    assert!(misses.is_empty(), "{}", misses.join("\n"));
}
