#!/usr/bin/env python3
"""Deterministic mixed-text corpus for the tokenizer parity test and the
tokenizer benchmark: NDJSON lines {"text": ...}, written to stdout.

    tok_corpus.py [--size-mb 5] [--seed 1] [--sweep full|sample|none] > corpus.ndjson

Built only from what a fresh Debian machine with the build dependencies has
(source files under /usr/lib/python3*, /usr/include, /usr/share/perl*,
/usr/share/cmake*, scripts in /usr/bin) plus generated text, so nothing large
is committed. Sections, in order (each a share of --size-mb):
  code        source files in many languages, cut into 1-8 KB records
  prose       sentences in ~30 languages and scripts, some NFD-decomposed,
              mixed with numbers, punctuation and casing
  scripts     random words from ~90 Unicode blocks (letters and marks)
  emoji       ZWJ families, skin tones, flags, keycaps, tags, VS16
  whitespace  runs of tabs, CR/LF/CRLF, NBSP, U+3000, U+001C-U+001F, U+0085,
              U+2028/9, U+180E, U+200B between words
  digits      numbers of every length, grouped, in several scripts' digits
  nfc         combining-mark stacks in every order, Hangul jamo, every code
              point with a decomposition or a combining class
  special     added-token strings of both fixtures (and near misses) inside text
  soup        random code points from every plane (no surrogates)
  long        very long words, punctuation runs and whitespace runs
then, with --sweep, every code point (full) or every second BMP code point
and every 61st other one (sample) between letters, digits and punctuation.
The same arguments give the same bytes on the same machine.
"""
import argparse
import glob
import json
import os
import random
import sys
import unicodedata

CODE_GLOBS = [
    ("/usr/lib/python3*/", ["*.py", "*/*.py"]),
    ("/usr/include/", ["*.h", "*/*.h", "*/*.hpp", "c++/*/*", "c++/*/bits/*"]),
    ("/usr/share/perl*/", ["*/*.pm", "*/*/*.pm"]),
    ("/usr/share/cmake*/", ["Modules/*.cmake"]),
    ("/usr/bin/", ["*"]),
    ("/usr/share/doc/git/contrib/", ["*/*.go", "*/*.sh", "*/*.py", "*/*.perl"]),
    ("/usr/share/", ["gitweb/static/*.js", "*/*.js"]),
]

PROSE = {
    "en": "The quick brown fox jumps over the lazy dog. It's what they'd call a "
          "well-known pangram; we've seen it, you'll see it again, I'm sure.",
    "fr": "Où est la bibliothèque ? L'été dernier, nous étions à Noël chez "
          "Françoise, près du château : c'était très agréable, n'est-ce pas ?",
    "de": "Größere Übungen für Straßenbahnfahrer: Äpfel, Öfen und Müsli "
          "schmecken überall; die Fußgängerzone ist geschlossen.",
    "es": "¿Dónde está el niño? ¡Qué día tan señorial! El pingüino comió "
          "jamón y acción de gracias en la montaña.",
    "pt": "A informação não está disponível; São Paulo e Brasília são cidades "
          "com muitas avós e coração.",
    "vi": "Tiếng Việt có dấu: Người đàn ông ấy đã đến Hà Nội vào mùa thu năm "
          "ngoái, ăn phở và uống cà phê sữa đá.",
    "pl": "Zażółć gęślą jaźń. Pchnąć w tę łódź jeża lub ośm skrzyń fig.",
    "tr": "Pijamalı hasta yağız şoföre çabucak güvendi. İstanbul'da ılık bir gün.",
    "cs": "Příliš žluťoučký kůň úpěl ďábelské ódy.",
    "ro": "Înțelegerea științei și tehnologiei în România.",
    "is": "Þú ert að læra íslensku; það er ótrúlegt.",
    "ru": "Съешь же ещё этих мягких французских булок, да выпей чаю. Ёжик в тумане.",
    "uk": "Чуєш їх, доцю, га? Кумедна ж ти, прощайся без ґольфів!",
    "el": "Ξεσκεπάζω την ψυχοφθόρα βδελυγμία. Ἀρχὴ ἥμισυ παντός.",
    "hy": "Բարեւ, ինչպես ես։ Հայերենը գեղեցիկ լեզու է։",
    "ka": "ქართული ენა ძალიან ლამაზია და უძველესი დამწერლობა აქვს.",
    "ar": "نص حكيم له سر قاطع وذو شأن عظيم مكتوب على ثوب أخضر ومغلف بجلد أزرق.",
    "fa": "دوستت دارم، امروز هوا خیلی خوب است و ۱۲۳ کتاب خواندم.",
    "he": "דג סקרן שט בים מאוכזב ולפתע מצא לו חברה.",
    "hi": "ऋषियों को सताने वाले दुष्ट राक्षसों के राजा रावण का सर्वनाश करने वाले विष्णुवतार भगवान श्रीराम।",
    "bn": "আমি বাংলায় গান গাই। ১২৩৪৫ টাকা দিয়ে বই কিনলাম।",
    "ta": "யாமறிந்த மொழிகளிலே தமிழ்மொழி போல் இனிதாவது எங்கும் காணோம்.",
    "te": "తెలుగు భాష చాలా మధురమైనది.",
    "th": "เป็นมนุษย์สุดประเสริฐเลิศคุณค่า กว่าบรรดาฝูงสัตว์เดรัจฉาน",
    "lo": "ພາສາລາວເປັນພາສາທີ່ງາມ",
    "my": "မြန်မာဘာသာစကားသည် လှပသည်။",
    "km": "ភាសាខ្មែរមានអក្សរស្រស់ស្អាត។",
    "si": "සිංහල භාෂාව ලස්සනයි.",
    "am": "ሰማይ አይታረስ ንጉሥ አይከሰስ።",
    "zh": "我能吞下玻璃而不伤身体。敏捷的棕色狐狸跳过了懒狗，价格是１２３元。",
    "zh_tw": "我能吞下玻璃而不傷身體。臺灣的夜市很熱鬧！",
    "ja": "いろはにほへと ちりぬるを わかよたれそ つねならむ。カタカナとﾊﾝｶｸ、漢字も使います。",
    "ko": "다람쥐 헌 쳇바퀴에 타고파. 한국어는 아름다운 언어입니다.",
    "mn": "Монгол хэл ᠮᠣᠩᠭᠣᠯ ᠬᠡᠯᠡ",
    "bo": "བོད་ཡིག་ནི་ཡི་གེ་མཛེས་པོ་ཞིག་རེད།",
    "math": "∀x∈ℝ: x² ≥ 0; ∑ᵢ aᵢ ≤ ∞ ⇒ ∫₀¹ f(x) dx ≈ π/4 ± ε, ℵ₀ < 𝔠, 𝒜 ⊆ 𝔅.",
    "misc": "Ⅻ ½ ¾ ⅞ ² ³ ₁₂ ①②③ ⑴ ⒈ ㊿ Ⓐ ﬁ ﬂ ǅ ǈ ŉ ẞ ß ΐ ﹏ ﹋ ＡＢＣ １２３ ＿",
}

EMOJI = [
    "😀", "😂", "🥲", "🤖", "👍", "👍🏻", "👍🏼", "👍🏽", "👍🏾", "👍🏿", "👩‍💻", "👨‍👩‍👧‍👦",
    "🧑🏽‍🚀", "👩🏿‍❤️‍💋‍👨🏻", "🏳️‍🌈", "🏴‍☠️", "🇺🇸", "🇯🇵", "🇩🇪", "🇧🇷", "🇮🇳", "🇺🇦",
    "🏴󠁧󠁢󠁥󠁮󠁧󠁿", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "1️⃣", "#️⃣", "*️⃣", "❤️", "❤", "☺️", "✌🏾", "🫠",
    "🫶🏼", "🧔‍♀️", "🐕‍🦺", "🐈‍⬛", "😶‍🌫️", "🤷‍♂️", "🙋🏻‍♀️", "👁️‍🗨️", "🇦", "🇿",
]

SPACES = ["\t", "\n", "\r\n", "\r", "\u00a0", "\u3000", "\u001c", "\u001d", "\u001e", "\u001f",
          "\u0085", "\u2028", "\u2029", "\u180e", "\u200b", "\u2000", "\u2009", "\u202f",
          "\u205f", "\u1680", "\u000b", "\u000c", " ", "  ", "    ", "\t\t", "\n\n", " \n",
          "\r\n\r\n", "\u00a0\u00a0", " \u3000 "]

DIGIT_ZEROS = [0x30, 0x660, 0x6F0, 0x966, 0x9E6, 0xBE6, 0xE50, 0xFF10, 0x1D7CE, 0x1040,
               0x17E0, 0x1810, 0x1946, 0xA620, 0x104A0]

# Added tokens of the two fixtures and near misses.
SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|box_end|>",
           "<|vision_pad|>", "<tool_call>", "</tool_call>", "<|fim_prefix|>", "<|fim_middle|>",
           "<|fim_suffix|>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>", "<tool_response>",
           "</tool_response>", "<think>", "</think>", "<|begin_of_text|>", "<|end_of_text|>",
           "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>", "<|eom_id|>",
           "<|reserved_special_token_0|>", "<|reserved_special_token_250|>", "<|python_tag|>",
           "<|finetune_right_pad_id|>", "<|im_start", "<|im_end", "im_start|>", "<|eot_id",
           "<think", "</think", "<<think>>", "<|<|im_end|>|>", "<|reserved_special_token_251|>",
           "<|endoftext|><|endoftext|>", "< think >", "<THINK>", "<|IM_START|>"]

CONTRACTIONS = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'T", "'RE", "'Ve", "'M", "'LL",
                "'D", "'ſ", "'\u212a", "'İ", "'ı", "’s", "'x", "''s", "'s'", "'ss"]

PUNCT = list(".,;:!?-—–()[]{}<>\"'`~@#$%^&*_+=|\\/…«»“”‘’¿¡·•°§¶†‡※")

BLOCKS = [  # (start, end) of blocks with letters or marks
    (0x0041, 0x024F), (0x0250, 0x02AF), (0x0370, 0x03FF), (0x0400, 0x052F), (0x0530, 0x058F),
    (0x0590, 0x05FF), (0x0600, 0x06FF), (0x0700, 0x074F), (0x0750, 0x077F), (0x0780, 0x07BF),
    (0x07C0, 0x07FF), (0x0800, 0x083F), (0x0840, 0x085F), (0x0860, 0x08FF), (0x0900, 0x097F),
    (0x0980, 0x09FF), (0x0A00, 0x0A7F), (0x0A80, 0x0AFF), (0x0B00, 0x0B7F), (0x0B80, 0x0BFF),
    (0x0C00, 0x0C7F), (0x0C80, 0x0CFF), (0x0D00, 0x0D7F), (0x0D80, 0x0DFF), (0x0E00, 0x0E7F),
    (0x0E80, 0x0EFF), (0x0F00, 0x0FFF), (0x1000, 0x109F), (0x10A0, 0x10FF), (0x1100, 0x11FF),
    (0x1200, 0x139F), (0x13A0, 0x13FF), (0x1400, 0x167F), (0x1680, 0x16FF), (0x1700, 0x171F),
    (0x1780, 0x17FF), (0x1800, 0x18AF), (0x1900, 0x194F), (0x1950, 0x19DF), (0x1A00, 0x1AFF),
    (0x1B00, 0x1B7F), (0x1B80, 0x1BFF), (0x1C00, 0x1C4F), (0x1C50, 0x1CFF), (0x1D00, 0x1DFF),
    (0x1E00, 0x1FFF), (0x2C00, 0x2C7F), (0x2C80, 0x2CFF), (0x2D00, 0x2DFF), (0x3040, 0x30FF),
    (0x3100, 0x31FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xA000, 0xA4CF), (0xA4D0, 0xA4FF),
    (0xA500, 0xA63F), (0xA640, 0xA69F), (0xA6A0, 0xA6FF), (0xA720, 0xA7FF), (0xA800, 0xA82F),
    (0xA840, 0xA87F), (0xA880, 0xA8DF), (0xA900, 0xA95F), (0xA980, 0xA9DF), (0xAA00, 0xAA5F),
    (0xAA80, 0xAADF), (0xAB00, 0xAB2F), (0xAB70, 0xABFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF),
    (0xFB00, 0xFDFF), (0xFE70, 0xFEFF), (0xFF00, 0xFFEF), (0x10000, 0x100FF), (0x10300, 0x1034F),
    (0x10400, 0x104FF), (0x10800, 0x10FFF), (0x11000, 0x11FFF), (0x12000, 0x1254F),
    (0x13000, 0x1342F), (0x16800, 0x16FFF), (0x17000, 0x18AFF), (0x1B000, 0x1B2FF),
    (0x1D400, 0x1D7FF), (0x1E000, 0x1EFFF), (0x20000, 0x2A6DF), (0x2A700, 0x2EBEF),
    (0x30000, 0x3134F),
]

MARKS = [cp for cp in range(0x110000)
         if not 0xD800 <= cp < 0xE000 and unicodedata.category(chr(cp)).startswith("M")]
NORMALIZING = [cp for cp in range(0x110000)
               if not 0xD800 <= cp < 0xE000
               and (unicodedata.combining(chr(cp)) or unicodedata.decomposition(chr(cp)))]


def code_files():
    files = []
    for root, patterns in CODE_GLOBS:
        for pattern in patterns:
            files.extend(p for p in glob.glob(root + pattern) if os.path.isfile(p))
    out = []
    for path in sorted(set(files)):
        try:
            with open(path, "rb") as f:
                data = f.read(200_000)
        except OSError:
            continue
        if b"\0" in data[:4096] or not data:
            continue
        out.append(data.decode("utf-8", "replace"))
    return out


def section_code(rng, budget):
    files = code_files()
    rng.shuffle(files)
    records, used = [], 0
    for text in files:
        pos = 0
        while pos < len(text) and used < budget:
            size = rng.randint(1000, 8000)
            chunk = text[pos:pos + size]
            pos += size
            records.append(chunk)
            used += len(chunk.encode())
        if used >= budget:
            break
    return records


def words_of(text):
    return [w for w in text.replace("。", " ").replace("，", " ").split(" ") if w]


def section_prose(rng, budget):
    langs = sorted(PROSE)
    records, used = [], 0
    while used < budget:
        parts = []
        for _ in range(rng.randint(3, 30)):
            lang = rng.choice(langs)
            text = PROSE[lang]
            mode = rng.random()
            if mode < 0.3:
                sentence = text
            else:
                words = words_of(text)
                sentence = " ".join(rng.choice(words) for _ in range(rng.randint(2, 14)))
            r = rng.random()
            if r < 0.1:
                sentence = sentence.upper()
            elif r < 0.2:
                sentence = sentence.title()
            if rng.random() < 0.15:
                sentence = unicodedata.normalize("NFD", sentence)
            elif rng.random() < 0.05:
                sentence = unicodedata.normalize("NFKD", sentence)
            if rng.random() < 0.2:
                sentence += " " + str(rng.randint(0, 10 ** rng.randint(1, 12)))
            if rng.random() < 0.2:
                sentence = rng.choice(CONTRACTIONS).join(sentence.split(" ", 1))
            parts.append(sentence)
            parts.append(rng.choice([" ", "\n", "\n\n", "  ", " ", " ", "\t", "\r\n"]))
        text = "".join(parts)
        records.append(text)
        used += len(text.encode())
    return records


def block_letters(rng, block):
    lo, hi = block
    letters = [cp for cp in range(lo, hi + 1)
               if unicodedata.category(chr(cp))[0] in "LMN"]
    return letters


def section_scripts(rng, budget):
    pools = [p for p in (block_letters(rng, b) for b in BLOCKS) if p]
    records, used = [], 0
    while used < budget:
        pool = rng.choice(pools)
        words = []
        for _ in range(rng.randint(5, 60)):
            word = "".join(chr(rng.choice(pool)) for _ in range(rng.randint(1, 9)))
            if rng.random() < 0.1:
                word += rng.choice(PUNCT)
            words.append(word)
        text = rng.choice([" ", " ", "", "\n", "-"]).join(words)
        records.append(text)
        used += len(text.encode())
    return records


def section_emoji(rng, budget):
    records, used = [], 0
    while used < budget:
        parts = []
        for _ in range(rng.randint(5, 60)):
            r = rng.random()
            if r < 0.5:
                parts.append(rng.choice(EMOJI))
            elif r < 0.7:
                parts.append(rng.choice(words_of(PROSE[rng.choice(sorted(PROSE))])))
            elif r < 0.8:
                parts.append(rng.choice(PUNCT))
            else:
                parts.append(chr(rng.choice([0x1F1E6 + rng.randrange(26), 0xFE0F, 0x200D,
                                             0x1F3FB + rng.randrange(5), 0xE0067, 0x20E3])))
            parts.append(rng.choice(["", "", " ", "\n"]))
        text = "".join(parts)
        records.append(text)
        used += len(text.encode())
    return records


def section_whitespace(rng, budget):
    records, used = [], 0
    words = words_of(PROSE["en"]) + words_of(PROSE["ru"]) + ["x", "1", "!", "'s", "def", "{"]
    while used < budget:
        parts = []
        for _ in range(rng.randint(5, 80)):
            run = "".join(rng.choice(SPACES) for _ in range(rng.choice([1, 1, 1, 2, 3, 5, 12])))
            parts.append(run)
            parts.append(rng.choice(words))
        text = "".join(parts)
        if rng.random() < 0.3:
            text = text.strip(" ")
        records.append(text)
        used += len(text.encode())
    return records


def digits_in(rng, zero, count):
    return "".join(chr(zero + rng.randrange(10)) for _ in range(count))


def section_digits(rng, budget):
    records, used = [], 0
    while used < budget:
        parts = []
        for _ in range(rng.randint(5, 50)):
            zero = 0x30 if rng.random() < 0.7 else rng.choice(DIGIT_ZEROS)
            n = rng.choice([1, 2, 3, 4, 5, 6, 7, 9, 10, 16, 33])
            num = digits_in(rng, zero, n)
            r = rng.random()
            if r < 0.2:
                num = f"{int(digits_in(rng, 0x30, n)):,}"
            elif r < 0.3:
                num = num + "." + digits_in(rng, zero, rng.randint(1, 6))
            elif r < 0.4:
                num = rng.choice(["v", "x", "0x", "#", "$", "-", "+", "½", "a"]) + num
            elif r < 0.5:
                num = num + rng.choice(["px", "ms", "%", "th", "rd", "ª", "²", "e-9"])
            parts.append(num)
            parts.append(rng.choice([" ", "", "\n", ",", ", ", "-", ":", "/"]))
        text = "".join(parts)
        records.append(text)
        used += len(text.encode())
    return records


def section_nfc(rng, budget):
    records, used = [], 0
    # Every code point NFC may touch, once, after a base letter and a mark.
    for start in range(0, len(NORMALIZING), 200):
        text = " ".join("a" + chr(cp) + "\u0301" + chr(cp) + "\u0316"
                        for cp in NORMALIZING[start:start + 200])
        records.append(text)
        used += len(text.encode())
    bases = "aeiouAEOUcnsyzgkACNSZ" + "αεηιοΑωυ" + "иеуЕИ" + "가나다" + "각"
    while used < budget:
        parts = []
        for _ in range(rng.randint(5, 60)):
            word = rng.choice(bases)
            for _ in range(rng.choice([0, 1, 1, 2, 3, 5])):
                word += chr(rng.choice(MARKS) if rng.random() < 0.5 else
                            rng.choice([0x301, 0x300, 0x302, 0x303, 0x308, 0x323, 0x327, 0x328,
                                        0x331, 0x345, 0x334, 0x35C, 0x1AB0, 0x1DC0]))
            if rng.random() < 0.2:  # Hangul jamo: L V [T]
                word += chr(0x1100 + rng.randrange(19)) + chr(0x1161 + rng.randrange(21))
                if rng.random() < 0.5:
                    word += chr(0x11A8 + rng.randrange(27))
            if rng.random() < 0.1:
                word = unicodedata.normalize("NFD", word)
            parts.append(word)
            parts.append(rng.choice([" ", "", "\n", "-"]))
        text = "".join(parts)
        records.append(text)
        used += len(text.encode())
    return records


def section_special(rng, budget):
    records, used = [], 0
    words = words_of(PROSE["en"]) + words_of(PROSE["zh"]) + ["\n", " ", "  ", "x", "é", "e\u0301"]
    while used < budget:
        parts = []
        for _ in range(rng.randint(3, 40)):
            parts.append(rng.choice(SPECIAL) if rng.random() < 0.4 else rng.choice(words))
            parts.append(rng.choice(["", "", " ", "\n", "\u0301"]))
        text = "".join(parts)
        records.append(text)
        used += len(text.encode())
    return records


def random_scalar(rng):
    plane = rng.choice([0, 0, 0, 0, 1, 1, 2, 3, 14, 15, 16])
    while True:
        cp = plane * 0x10000 + rng.randrange(0x10000)
        if not 0xD800 <= cp < 0xE000:
            return cp


def section_soup(rng, budget):
    records, used = [], 0
    while used < budget:
        parts = []
        for _ in range(rng.randint(10, 200)):
            r = rng.random()
            if r < 0.5:
                parts.append(chr(random_scalar(rng)))
            elif r < 0.7:
                parts.append(chr(rng.randrange(0x20, 0x7F)))
            elif r < 0.8:
                parts.append(chr(rng.randrange(0, 0x20)))
            elif r < 0.9:
                parts.append(rng.choice(SPACES))
            else:
                parts.append(rng.choice(CONTRACTIONS))
        text = "".join(parts)
        records.append(text)
        used += len(text.encode())
    return records


def section_long(rng, budget):
    records, used = [], 0
    makers = [
        lambda: "a" * rng.randint(100, 20000),
        lambda: "".join(rng.choice("abcdefghij") for _ in range(rng.randint(100, 5000))),
        lambda: "=" * rng.randint(50, 5000) + "\n",
        lambda: " " * rng.randint(50, 20000) + "x",
        lambda: "\n" * rng.randint(50, 3000),
        lambda: "\t \u3000" * rng.randint(10, 2000) + "!",
        lambda: "".join(rng.choice("!@#$%^&*()") for _ in range(rng.randint(100, 5000))),
        lambda: "ab" * rng.randint(100, 5000),
        lambda: digits_in(rng, 0x30, rng.randint(100, 5000)),
        lambda: "Ġ" * rng.randint(10, 2000),
        lambda: "😀" * rng.randint(10, 2000),
        lambda: "中文" * rng.randint(10, 2000),
        lambda: "e\u0301" * rng.randint(10, 2000),
    ]
    while used < budget:
        text = rng.choice(makers)()
        records.append(text)
        used += len(text.encode())
    return records


def section_sweep(rng, mode):
    if mode == "none":
        return []
    if mode == "full":
        cps = [cp for cp in range(0x110000) if not 0xD800 <= cp < 0xE000]
    else:
        cps = [cp for cp in range(0, 0x10000, 2) if not 0xD800 <= cp < 0xE000]
        cps += [cp for cp in range(0x10001, 0x110000, 61)]
    records = []
    for start in range(0, len(cps), 256):
        chunk = cps[start:start + 256]
        records.append("".join(f"a{chr(cp)}b {chr(cp)}1 !{chr(cp)} {chr(cp)}'s{chr(cp)}\n"
                               for cp in chunk))
    return records


SECTIONS = [  # name, share of --size-mb
    ("code", 0.38), ("prose", 0.16), ("scripts", 0.08), ("emoji", 0.05), ("whitespace", 0.06),
    ("digits", 0.05), ("nfc", 0.07), ("special", 0.05), ("soup", 0.06), ("long", 0.04),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size-mb", type=float, default=5.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sweep", choices=["full", "sample", "none"], default="none")
    args = ap.parse_args()
    total = int(args.size_mb * 1_000_000)
    out = sys.stdout
    for name, share in SECTIONS:
        rng = random.Random(f"{args.seed}/{name}")
        for text in globals()["section_" + name](rng, int(total * share)):
            out.write(json.dumps({"text": text}, ensure_ascii=False) + "\n")
    for text in section_sweep(random.Random(args.seed), args.sweep):
        out.write(json.dumps({"text": text}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
