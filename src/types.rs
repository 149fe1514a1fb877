//! Data shared by every stage: records in, tokens and analyses out.

use std::ops::Range;

use serde::{Deserialize, Serialize};

/// `Display` for enums by their `as_str` name (the name the output and configuration use).
macro_rules! display_as_str {
    ($($ty:ty),+ $(,)?) => {
        $(
            impl std::fmt::Display for $ty {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str(self.as_str())
                }
            }
        )+
    };
}
pub(crate) use display_as_str;

display_as_str!(Lang, ChineseScript, Script, TokenKind);

/// The language of a record, as PRODUCT.md defines it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Chinese, Simplified or Traditional.
    Zh,
    /// English.
    En,
    /// Chinese and English, both substantial.
    Mixed,
    /// Anything else, including text with no letters at all.
    Other,
}

impl Lang {
    /// The contract's name: `zh`, `en`, `mixed` or `other`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
            Lang::Mixed => "mixed",
            Lang::Other => "other",
        }
    }
}

/// Which Chinese script a record is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChineseScript {
    /// Simplified characters.
    Hans,
    /// Traditional characters.
    Hant,
}

impl ChineseScript {
    /// `hans` or `hant`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ChineseScript::Hans => "hans",
            ChineseScript::Hant => "hant",
        }
    }
}

/// The script of one token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Script {
    /// Han characters (possibly with embedded ASCII, as in `T恤`).
    Han,
    /// Latin letters.
    Latin,
    /// Digits only.
    Digit,
    /// Japanese kana.
    Kana,
    /// Korean Hangul.
    Hangul,
    /// Any other script (Cyrillic, Arabic, …).
    Other,
    /// No script: punctuation, symbols, emoji.
    Common,
}

impl Script {
    /// `han`, `latin`, `digit`, `kana`, `hangul`, `other` or `common`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Script::Han => "han",
            Script::Latin => "latin",
            Script::Digit => "digit",
            Script::Kana => "kana",
            Script::Hangul => "hangul",
            Script::Other => "other",
            Script::Common => "common",
        }
    }
}

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    /// A word (including numbers written with letters, like `iPhone13`).
    Word,
    /// A number.
    Number,
    /// Punctuation.
    Punct,
    /// An emoji or pictographic symbol (a whole grapheme cluster).
    Emoji,
    /// An emoticon such as `:)`, `^_^` or a bracketed tag like `[哈哈]`.
    Emoticon,
    /// Any other symbol.
    Symbol,
}

impl TokenKind {
    /// `word`, `number`, `punct`, `emoji`, `emoticon` or `symbol`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Word => "word",
            TokenKind::Number => "number",
            TokenKind::Punct => "punct",
            TokenKind::Emoji => "emoji",
            TokenKind::Emoticon => "emoticon",
            TokenKind::Symbol => "symbol",
        }
    }
}

/// One token: a span of the original text and its normalised form.
///
/// Spans are byte offsets into the original text of the record and lie on character
/// boundaries; the tokens of a text never overlap and cover every character that is not
/// whitespace. The normalised form (Simplified, half-width, lower-case, stemmed when asked)
/// is kept in the owning [`Tokens`]; [`crate::segment::is_stopword`] tells stopwords.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Token {
    /// Byte offset of the first byte in the original text.
    pub start: usize,
    /// Byte offset one past the last byte in the original text.
    pub end: usize,
    form: (u32, u32),
    /// What the token is.
    pub kind: TokenKind,
    /// Its script.
    pub script: Script,
}

impl Token {
    /// The span in the original text.
    #[must_use]
    pub fn span(&self) -> Range<usize> {
        self.start..self.end
    }
}

/// The tokens of one text, with their normalised forms stored once.
///
/// # Examples
///
/// ```
/// let engine = fankui::Engine::builder().build()?;
/// let text = "物流太慢了！";
/// let tokens = engine.segment(text);
/// let words: Vec<&str> = tokens.iter().map(|t| &text[t.span()]).collect();
/// assert_eq!(words, ["物流", "太慢", "了", "！"]);
/// assert_eq!(tokens.form(&tokens.as_slice()[3]), "!");
/// # Ok::<(), fankui::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tokens {
    list: Vec<Token>,
    forms: String,
}

impl Tokens {
    /// No tokens.
    #[must_use]
    pub fn new() -> Self {
        Tokens::default()
    }

    /// Adds a token covering `span` of the original text, with normalised form `form`.
    pub fn push(&mut self, span: Range<usize>, form: &str, kind: TokenKind, script: Script) {
        let from = self.forms.len() as u32;
        self.forms.push_str(form);
        self.push_stored(span, from..self.forms.len() as u32, kind, script);
    }

    /// Stores a normalised text whose slices later tokens take as their forms (most forms are
    /// the normalised text itself), so each such token costs no copy; returns where it starts.
    /// Also reserves room for the tokens of a text of this length.
    pub(crate) fn add_source(&mut self, text: &str) -> u32 {
        // About one token per 4 bytes of Chinese or English; jieba caps its own guess too.
        self.list.reserve((text.len() / 4 + 4).min(4096));
        self.forms.reserve(text.len() + text.len() / 4 + 8);
        let from = self.forms.len() as u32;
        self.forms.push_str(text);
        from
    }

    /// Adds a token whose form is bytes `form` of the stored forms (a slice of a text given
    /// to [`add_source`](Self::add_source), or what [`push_with`](Self::push_with) wrote).
    pub(crate) fn push_stored(
        &mut self,
        span: Range<usize>,
        form: Range<u32>,
        kind: TokenKind,
        script: Script,
    ) {
        debug_assert!(self.forms.is_char_boundary(form.start as usize));
        debug_assert!(self.forms.is_char_boundary(form.end as usize));
        self.list.push(Token {
            start: span.start,
            end: span.end,
            form: (form.start, form.end),
            kind,
            script,
        });
    }

    /// Adds a token whose form `write` appends to the given string (and only appends).
    pub(crate) fn push_with(
        &mut self,
        span: Range<usize>,
        kind: TokenKind,
        script: Script,
        write: impl FnOnce(&mut String),
    ) {
        let from = self.forms.len() as u32;
        write(&mut self.forms);
        self.push_stored(span, from..self.forms.len() as u32, kind, script);
    }

    /// The normalised form of `token`, which must belong to these tokens.
    #[must_use]
    pub fn form(&self, token: &Token) -> &str {
        &self.forms[token.form.0 as usize..token.form.1 as usize]
    }

    /// A copy of the tokens `range` (indices), with their forms; a range past the end is
    /// cut at the end.
    #[must_use]
    pub fn slice(&self, range: Range<usize>) -> Tokens {
        let mut out = Tokens::new();
        out.extend_from(self, range);
        out
    }

    /// Replaces these tokens with the tokens `range` (indices) of `other`; a range past the
    /// end is cut at the end. The forms are `other`'s, copied only when they differ from
    /// what these tokens hold, so one clause after another of the same record costs a copy
    /// of its token list and no copy of forms.
    pub(crate) fn set_to_range_of(&mut self, other: &Tokens, range: Range<usize>) {
        if self.forms != other.forms {
            self.forms.clone_from(&other.forms);
        }
        self.list.clear();
        self.list.extend_from_slice(other.range(range));
    }

    /// The tokens `range` (indices), cut at the end.
    fn range(&self, range: Range<usize>) -> &[Token] {
        let end = range.end.min(self.list.len());
        self.list.get(range.start.min(end)..end).unwrap_or_default()
    }

    /// Appends copies of the tokens `range` (indices) of `other`, with their forms; a range
    /// past the end is cut at the end.
    pub fn extend_from(&mut self, other: &Tokens, range: Range<usize>) {
        let list = other.range(range);
        self.list.reserve(list.len());
        for t in list {
            self.push(t.span(), other.form(t), t.kind, t.script);
        }
    }

    /// The tokens in text order.
    pub fn iter(&self) -> std::slice::Iter<'_, Token> {
        self.list.iter()
    }

    /// The tokens as a slice.
    #[must_use]
    pub fn as_slice(&self) -> &[Token] {
        &self.list
    }

    /// Number of tokens.
    #[must_use]
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Removes every token.
    pub fn clear(&mut self) {
        self.list.clear();
        self.forms.clear();
    }

    /// Adds a `Symbol` token for every stretch of non-whitespace characters of `original` that
    /// no token covers (invisible characters with only whitespace around them, say), so the
    /// tokens always account for the whole text.
    pub fn fill_gaps(&mut self, original: &str) {
        let has_gap = |from: usize, to: usize| {
            // One space, between English words, is the usual gap.
            !(to == from + 1 && original.as_bytes()[from] == b' '
                || original[from..to].chars().all(char::is_whitespace))
        };
        let mut last = 0;
        let mut any = false;
        for t in &self.list {
            if t.start != last && has_gap(last, t.start) {
                any = true;
                break;
            }
            last = t.end;
        }
        if !any && !has_gap(last, original.len()) {
            return;
        }
        let old = std::mem::take(self);
        let mut last = 0;
        let gap = |from: usize, to: usize, out: &mut Tokens| {
            let mut run: Option<usize> = None;
            for (i, c) in original[from..to].char_indices() {
                let i = from + i;
                match (c.is_whitespace(), run) {
                    (false, None) => run = Some(i),
                    (true, Some(s)) => {
                        out.push(s..i, &original[s..i], TokenKind::Symbol, Script::Common);
                        run = None;
                    }
                    _ => {}
                }
            }
            if let Some(s) = run {
                out.push(s..to, &original[s..to], TokenKind::Symbol, Script::Common);
            }
        };
        for t in &old.list {
            gap(last, t.start, self);
            self.push(t.span(), old.form(t), t.kind, t.script);
            last = t.end;
        }
        gap(last, original.len(), self);
    }

    /// Makes spans non-overlapping and in order: a token whose span starts inside the previous
    /// one (possible when one original character became several normalised ones) is merged
    /// into it. Segmenters call it when [`Normalized::reshaped`] says so.
    ///
    /// [`Normalized::reshaped`]: crate::segment::Normalized::reshaped
    pub fn repair_overlaps(&mut self) {
        let mut out = 0;
        for i in 0..self.list.len() {
            let tok = self.list[i];
            if out > 0 && tok.start < self.list[out - 1].end {
                let prev = self.list[out - 1];
                // The merged form is the two forms one after the other; when they are not
                // already adjacent in the store, store the pair.
                let form = if prev.form.1 == tok.form.0 {
                    (prev.form.0, tok.form.1)
                } else {
                    let from = self.forms.len();
                    let pair = [prev.form, tok.form]
                        .map(|(a, b)| &self.forms[a as usize..b as usize])
                        .concat();
                    self.forms.push_str(&pair);
                    (from as u32, self.forms.len() as u32)
                };
                let prev = &mut self.list[out - 1];
                prev.end = prev.end.max(tok.end);
                prev.form = form;
                continue;
            }
            self.list[out] = tok;
            out += 1;
        }
        self.list.truncate(out);
    }
}

impl<'a> IntoIterator for &'a Tokens {
    type Item = &'a Token;
    type IntoIter = std::slice::Iter<'a, Token>;
    fn into_iter(self) -> Self::IntoIter {
        self.list.iter()
    }
}
