//! The YAML subset HSJ writes in frontmatter, read and written byte-compatibly.
//!
//! Reading uses `yaml-rust2`, which understands HSJ's escaped double-quoted scalars (`"caf\xE9"`, `\u2014`,
//! `\U0001F33F`). Writing is our own emitter that follows PyYAML's `safe_dump(sort_keys=False, width=100000)`
//! choices of scalar style, so that an ASCII frontmatter written by Soundmind is byte-identical to HSJ's. The one
//! deliberate difference is `allow_unicode`: we write UTF-8 instead of escapes (HSJ reads both).

use std::fmt::Write as _;

use yaml_rust2::{Yaml, YamlLoader};

/// A YAML value as it appears in session frontmatter. Maps keep their key order.
#[derive(Debug, Clone, PartialEq)]
pub enum YamlValue {
    /// `null`, `~` or an empty value.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float; kept as its source text when read so that `4.25` writes back as `4.25`.
    Float(Float),
    /// A string (already unescaped).
    Str(String),
    /// A block or flow sequence.
    List(Vec<YamlValue>),
    /// A mapping with string keys, in document order.
    Map(YamlMap),
}

/// A float together with the text it was read from (if any), so round trips are exact.
#[derive(Debug, Clone)]
pub struct Float {
    value: f64,
    text: Option<String>,
}

impl Float {
    /// A float with no source text; written the way Python's `repr` would write it.
    pub fn new(value: f64) -> Self {
        Self { value, text: None }
    }

    /// The numeric value.
    pub fn value(&self) -> f64 {
        self.value
    }
}

impl PartialEq for Float {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

/// An ordered mapping with string keys.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct YamlMap {
    entries: Vec<(String, YamlValue)>,
}

impl YamlMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<&YamlValue> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Sets `key`, keeping its position if it exists and appending it otherwise.
    pub fn insert(&mut self, key: impl Into<String>, value: YamlValue) {
        let key = key.into();
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.entries.push((key, value)),
        }
    }

    /// Removes `key` and returns its value.
    pub fn remove(&mut self, key: &str) -> Option<YamlValue> {
        let index = self.entries.iter().position(|(k, _)| k == key)?;
        Some(self.entries.remove(index).1)
    }

    /// Entries in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &YamlValue)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl FromIterator<(String, YamlValue)> for YamlMap {
    fn from_iter<T: IntoIterator<Item = (String, YamlValue)>>(iter: T) -> Self {
        let mut map = YamlMap::new();
        for (k, v) in iter {
            map.insert(k, v);
        }
        map
    }
}

impl YamlValue {
    /// The string inside, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            YamlValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The number inside, for ints and floats.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            YamlValue::Int(i) => Some(*i as f64),
            YamlValue::Float(f) => Some(f.value),
            _ => None,
        }
    }

    /// A float value written like Python's `repr`.
    pub fn float(value: f64) -> Self {
        YamlValue::Float(Float::new(value))
    }

    /// A string value.
    pub fn str(value: impl Into<String>) -> Self {
        YamlValue::Str(value.into())
    }
}

/// Why a YAML document could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct YamlError {
    /// 1-based line within the YAML text.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What the parser said.
    pub message: String,
}

/// Parses a YAML document whose root must be a mapping.
pub fn parse_map(text: &str) -> Result<YamlMap, YamlError> {
    let docs = YamlLoader::load_from_str(text).map_err(|e| YamlError {
        line: e.marker().line(),
        column: e.marker().col() + 1,
        message: e.info().to_string(),
    })?;
    let Some(doc) = docs.into_iter().next() else {
        return Ok(YamlMap::new());
    };
    match convert(doc)? {
        YamlValue::Map(map) => Ok(map),
        YamlValue::Null => Ok(YamlMap::new()),
        _ => Err(YamlError {
            line: 1,
            column: 1,
            message: "expected a mapping of keys to values".into(),
        }),
    }
}

fn convert(yaml: Yaml) -> Result<YamlValue, YamlError> {
    Ok(match yaml {
        Yaml::Null | Yaml::BadValue => YamlValue::Null,
        Yaml::Boolean(b) => YamlValue::Bool(b),
        Yaml::Integer(i) => YamlValue::Int(i),
        Yaml::Real(text) => {
            let value = parse_yaml_float(&text).ok_or_else(|| YamlError {
                line: 1,
                column: 1,
                message: format!("not a number: {text}"),
            })?;
            YamlValue::Float(Float {
                value,
                text: Some(text),
            })
        }
        Yaml::String(s) => YamlValue::Str(s),
        Yaml::Array(items) => YamlValue::List(items.into_iter().map(convert).collect::<Result<_, _>>()?),
        Yaml::Hash(hash) => {
            let mut map = YamlMap::new();
            for (k, v) in hash {
                let key = match k {
                    Yaml::String(s) => s,
                    Yaml::Integer(i) => i.to_string(),
                    Yaml::Real(r) => r,
                    Yaml::Boolean(b) => b.to_string(),
                    other => {
                        return Err(YamlError {
                            line: 1,
                            column: 1,
                            message: format!("unsupported mapping key {other:?}"),
                        });
                    }
                };
                map.insert(key, convert(v)?);
            }
            YamlValue::Map(map)
        }
        Yaml::Alias(_) => {
            return Err(YamlError {
                line: 1,
                column: 1,
                message: "YAML aliases are not supported".into(),
            });
        }
    })
}

fn parse_yaml_float(text: &str) -> Option<f64> {
    match text {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => Some(f64::NAN),
        _ => text.replace('_', "").parse().ok(),
    }
}

/// Writes a mapping as a YAML document body (no `---` markers), the way PyYAML's `safe_dump` lays it out.
pub fn emit_map(map: &YamlMap) -> String {
    let mut out = String::new();
    if map.is_empty() {
        out.push_str("{}\n");
        return out;
    }
    write_map(&mut out, map, 0);
    out
}

fn write_map(out: &mut String, map: &YamlMap, indent: usize) {
    let mut first = true;
    for (key, value) in map.iter() {
        if !first {
            push_indent(out, indent);
        }
        first = false;
        out.push_str(&scalar(key));
        out.push(':');
        write_nested(out, value, indent, true);
    }
}

/// Writes `value` after `key:` (in a map) or after `- ` (in a list).
fn write_nested(out: &mut String, value: &YamlValue, indent: usize, in_map: bool) {
    match value {
        YamlValue::List(items) if !items.is_empty() => {
            out.push('\n');
            // PyYAML writes sequences inside mappings without extra indentation.
            let item_indent = if in_map { indent } else { indent + 2 };
            write_list(out, items, item_indent);
        }
        YamlValue::Map(map) if !map.is_empty() => {
            out.push('\n');
            push_indent(out, indent + 2);
            write_map(out, map, indent + 2);
        }
        other => {
            out.push(' ');
            out.push_str(&flow(other));
            out.push('\n');
        }
    }
}

fn write_list(out: &mut String, items: &[YamlValue], indent: usize) {
    for item in items {
        push_indent(out, indent);
        out.push_str("- ");
        match item {
            YamlValue::Map(map) if !map.is_empty() => write_map(out, map, indent + 2),
            YamlValue::List(inner) if !inner.is_empty() => {
                // A list directly inside a list: PyYAML puts the first item on the same line.
                let mut nested = String::new();
                write_list(&mut nested, inner, indent + 2);
                out.push_str(nested.trim_start());
            }
            other => {
                out.push_str(&flow(other));
                out.push('\n');
            }
        }
    }
}

fn push_indent(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// A value written inline: scalars, and `[]` / `{}` for empty collections.
fn flow(value: &YamlValue) -> String {
    match value {
        YamlValue::Null => "null".into(),
        YamlValue::Bool(true) => "true".into(),
        YamlValue::Bool(false) => "false".into(),
        YamlValue::Int(i) => i.to_string(),
        YamlValue::Float(f) => match &f.text {
            Some(text) => text.clone(),
            None => python_float_repr(f.value),
        },
        YamlValue::Str(s) => scalar(s),
        YamlValue::List(items) => {
            let inner: Vec<String> = items.iter().map(flow).collect();
            format!("[{}]", inner.join(", "))
        }
        YamlValue::Map(map) => {
            let inner: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", scalar(k), flow(v)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
    }
}

/// Python's `repr(float)` as PyYAML writes it (`5.0`, `1.45`, `1.0e-05`, `.inf`).
fn python_float_repr(value: f64) -> String {
    if value.is_nan() {
        return ".nan".into();
    }
    if value.is_infinite() {
        return if value > 0.0 {
            ".inf".into()
        } else {
            "-.inf".into()
        };
    }
    let abs = value.abs();
    if abs != 0.0 && !(1e-4..1e16).contains(&abs) {
        // Python switches to exponent notation here; PyYAML then inserts ".0" if the mantissa has no dot.
        let text = format!("{value:e}");
        let (mantissa, exponent) = text.split_once('e').expect("exponent form");
        let exponent: i32 = exponent.parse().expect("integer exponent");
        let mantissa = if mantissa.contains('.') {
            mantissa.to_string()
        } else {
            format!("{mantissa}.0")
        };
        let sign = if exponent < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exponent.abs());
    }
    let text = format!("{value}");
    if text.contains('.') {
        text
    } else {
        format!("{text}.0")
    }
}

/// A string scalar in the style PyYAML would choose: plain, then single-quoted, then double-quoted.
fn scalar(s: &str) -> String {
    let analysis = analyze(s);
    let plain_allowed = analysis.allow_block_plain && !resolves_to_non_string(s);
    if plain_allowed && !s.is_empty() {
        return s.to_string();
    }
    if analysis.allow_single_quoted && !analysis.multiline {
        return format!("'{}'", s.replace('\'', "''"));
    }
    double_quoted(s)
}

struct Analysis {
    multiline: bool,
    allow_block_plain: bool,
    allow_single_quoted: bool,
}

fn is_space_or_break(c: char) -> bool {
    matches!(
        c,
        '\0' | ' ' | '\t' | '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

fn is_break(c: char) -> bool {
    matches!(c, '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// Printable for YAML with `allow_unicode=True`.
fn is_printable(c: char) -> bool {
    c == '\n'
        || ('\x20'..='\x7e').contains(&c)
        || c == '\u{85}'
        || (('\u{a0}'..='\u{d7ff}').contains(&c)
            || ('\u{e000}'..='\u{fffd}').contains(&c)
            || c >= '\u{10000}')
            && c != '\u{feff}'
}

/// PyYAML's `Emitter.analyze_scalar`, reduced to what block-context emission needs.
fn analyze(s: &str) -> Analysis {
    let chars: Vec<char> = s.chars().collect();
    if chars.is_empty() {
        return Analysis {
            multiline: false,
            allow_block_plain: true,
            allow_single_quoted: true,
        };
    }
    let mut block_indicators = s.starts_with("---") || s.starts_with("...");
    let mut line_breaks = false;
    let mut special = false;
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) =
        (false, false, false, false);
    let (mut break_space, mut space_break) = (false, false);
    let mut preceded_by_whitespace = true;
    let mut previous_space = false;
    let mut previous_break = false;
    let last = chars.len() - 1;
    for (i, &ch) in chars.iter().enumerate() {
        let followed_by_whitespace = i + 1 > last || is_space_or_break(chars[i + 1]);
        if i == 0 {
            if "#,[]{}&*!|>'\"%@`".contains(ch) {
                block_indicators = true;
            }
            if (ch == '?' || ch == ':' || ch == '-') && followed_by_whitespace {
                block_indicators = true;
            }
        } else if (ch == ':' && followed_by_whitespace) || (ch == '#' && preceded_by_whitespace) {
            block_indicators = true;
        }
        if is_break(ch) {
            line_breaks = true;
        }
        if !is_printable(ch) {
            special = true;
        }
        if ch == ' ' {
            leading_space |= i == 0;
            trailing_space |= i == last;
            break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if is_break(ch) {
            leading_break |= i == 0;
            trailing_break |= i == last;
            space_break |= previous_space;
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = is_space_or_break(ch);
    }
    let mut allow_block_plain = true;
    let mut allow_single_quoted = true;
    if leading_space || leading_break || trailing_space || trailing_break {
        allow_block_plain = false;
    }
    if break_space {
        allow_block_plain = false;
        allow_single_quoted = false;
    }
    if space_break || special {
        allow_block_plain = false;
        allow_single_quoted = false;
    }
    if line_breaks || block_indicators {
        allow_block_plain = false;
    }
    Analysis {
        multiline: line_breaks,
        allow_block_plain,
        allow_single_quoted,
    }
}

/// True when a YAML reader would take this plain text as something other than a string: PyYAML's YAML 1.1
/// resolver (HSJ) or the YAML 1.2 core schema (our reader, and most others). Such strings get quoted.
fn resolves_to_non_string(s: &str) -> bool {
    !matches!(Yaml::from_str(s), Yaml::String(_)) || resolves_in_yaml_1_1(s)
}

fn resolves_in_yaml_1_1(s: &str) -> bool {
    matches!(
        s,
        "" | "~"
            | "null"
            | "Null"
            | "NULL"
            | "yes"
            | "Yes"
            | "YES"
            | "no"
            | "No"
            | "NO"
            | "true"
            | "True"
            | "TRUE"
            | "false"
            | "False"
            | "FALSE"
            | "on"
            | "On"
            | "ON"
            | "off"
            | "Off"
            | "OFF"
            | "<<"
            | "="
    ) || looks_like_int(s)
        || looks_like_float(s)
        || looks_like_timestamp(s)
}

fn strip_sign(s: &str) -> &str {
    s.strip_prefix(['-', '+']).unwrap_or(s)
}

fn all(s: &str, f: impl Fn(char) -> bool) -> bool {
    !s.is_empty() && s.chars().all(f)
}

fn is_sexagesimal_tail(s: &str) -> bool {
    // (:[0-5]?[0-9])+
    !s.is_empty()
        && s.split(':').skip(1).all(|part| {
            let b = part.as_bytes();
            match b.len() {
                1 => b[0].is_ascii_digit(),
                2 => (b'0'..=b'5').contains(&b[0]) && b[1].is_ascii_digit(),
                _ => false,
            }
        })
        && s.starts_with(':')
}

fn looks_like_int(s: &str) -> bool {
    let body = strip_sign(s);
    if let Some(bin) = body.strip_prefix("0b") {
        return all(bin, |c| c == '0' || c == '1' || c == '_');
    }
    if let Some(hex) = body.strip_prefix("0x") {
        return all(hex, |c| c.is_ascii_hexdigit() || c == '_');
    }
    if body == "0" {
        return true;
    }
    if let Some(oct) = body.strip_prefix('0') {
        return all(oct, |c| ('0'..='7').contains(&c) || c == '_');
    }
    if let Some((head, tail)) = body.split_once(':') {
        let tail = format!(":{tail}");
        return body.starts_with(|c: char| ('1'..='9').contains(&c))
            && all(head, |c| c.is_ascii_digit() || c == '_')
            && is_sexagesimal_tail(&tail);
    }
    body.starts_with(|c: char| ('1'..='9').contains(&c)) && all(body, |c| c.is_ascii_digit() || c == '_')
}

fn looks_like_float(s: &str) -> bool {
    if matches!(s, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    let body = strip_sign(s);
    if matches!(body, ".inf" | ".Inf" | ".INF") {
        return true;
    }
    // [0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*
    if let Some((int_part, frac)) = body.split_once('.')
        && let Some((head, tail)) = int_part.split_once(':')
    {
        return body.starts_with(|c: char| c.is_ascii_digit())
            && all(head, |c| c.is_ascii_digit() || c == '_')
            && is_sexagesimal_tail(&format!(":{tail}"))
            && frac.chars().all(|c| c.is_ascii_digit() || c == '_');
    }
    // mantissa with an optional exponent that must carry a sign: [eE][-+][0-9]+
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    if let Some(exp) = exponent {
        let Some(digits) = exp.strip_prefix(['-', '+']) else {
            return false;
        };
        if !all(digits, |c| c.is_ascii_digit()) {
            return false;
        }
    }
    let Some((int_part, frac)) = mantissa.split_once('.') else {
        return false;
    };
    let frac_ok = frac.chars().all(|c| c.is_ascii_digit() || c == '_');
    if int_part.is_empty() {
        // \.[0-9][0-9_]* (no sign allowed in this branch)
        return s == body && frac.starts_with(|c: char| c.is_ascii_digit()) && frac_ok;
    }
    int_part.starts_with(|c: char| c.is_ascii_digit())
        && all(int_part, |c| c.is_ascii_digit() || c == '_')
        && frac_ok
}

fn looks_like_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| r.clone().all(|i| b.get(i).is_some_and(u8::is_ascii_digit));
    // yyyy-mm-dd exactly, or yyyy-m(m)-d(d) followed by a time part.
    if b.len() == 10 && digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10) {
        return true;
    }
    if b.len() < 10 || !digits(0..4) || b[4] != b'-' {
        return false;
    }
    // The long form needs a 'T', 't' or whitespace between date and time; that is enough to call it a
    // timestamp for quoting purposes (quoting a string that would not resolve is harmless; the reverse is not).
    let rest = &s[5..];
    rest.contains(['T', 't', ' ', '\t'])
        && rest.contains(':')
        && rest.starts_with(|c: char| c.is_ascii_digit())
}

/// PyYAML's double-quoted style with `allow_unicode=True`.
fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        let escape = match ch {
            '\0' => Some("0"),
            '\x07' => Some("a"),
            '\x08' => Some("b"),
            '\t' => Some("t"),
            '\n' => Some("n"),
            '\x0b' => Some("v"),
            '\x0c' => Some("f"),
            '\r' => Some("r"),
            '\x1b' => Some("e"),
            '"' => Some("\""),
            '\\' => Some("\\"),
            '\u{85}' => Some("N"),
            '\u{a0}' => Some("_"),
            '\u{2028}' => Some("L"),
            '\u{2029}' => Some("P"),
            _ => None,
        };
        match escape {
            Some(e) => {
                out.push('\\');
                out.push_str(e);
            }
            None if is_printable(ch) => out.push(ch),
            None => {
                let code = ch as u32;
                let _ = match code {
                    0..=0xff => write!(out, "\\x{code:02X}"),
                    0x100..=0xffff => write!(out, "\\u{code:04X}"),
                    _ => write!(out, "\\U{code:08X}"),
                };
            }
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalar_styles_follow_pyyaml() {
        assert_eq!(scalar("251103_0714.md"), "251103_0714.md");
        assert_eq!(scalar(""), "''");
        assert_eq!(
            scalar("2025-11-03T07:14:09.821648"),
            "'2025-11-03T07:14:09.821648'"
        );
        assert_eq!(scalar("0.2.9"), "0.2.9");
        assert_eq!(
            scalar("anthropic:claude-sonnet-4:20250514:thinking"),
            "anthropic:claude-sonnet-4:20250514:thinking"
        );
        assert_eq!(scalar("Mum's cake"), "Mum's cake");
        assert_eq!(
            scalar("Sunday lunch at Mum's: fine"),
            "'Sunday lunch at Mum''s: fine'"
        );
        assert_eq!(scalar("- a - b"), "'- a - b'");
        assert_eq!(scalar("yes"), "'yes'");
        assert_eq!(scalar("12"), "'12'");
        assert_eq!(scalar("1.5"), "'1.5'");
        assert_eq!(scalar("café"), "café");
        assert_eq!(scalar("line\nbreak"), "\"line\\nbreak\"");
        assert_eq!(scalar("bell\x07"), "\"bell\\a\"");
        assert_eq!(scalar(" leading"), "' leading'");
        assert_eq!(scalar("a #comment"), "'a #comment'");
        assert_eq!(scalar("a#b"), "a#b");
    }

    #[test]
    fn floats_follow_python_repr() {
        assert_eq!(python_float_repr(4.25), "4.25");
        assert_eq!(python_float_repr(5.0), "5.0");
        assert_eq!(python_float_repr(0.0), "0.0");
        assert_eq!(python_float_repr(1e-5), "1.0e-05");
        assert_eq!(python_float_repr(1.5e20), "1.5e+20");
    }

    #[test]
    fn escapes_come_back_as_characters() {
        let map = parse_map("summary: \"caf\\xE9 \\u2014 \\U0001F33F\"\n").unwrap();
        assert_eq!(map.get("summary").unwrap().as_str(), Some("café — 🌿"));
    }

    #[test]
    fn nested_layout_round_trips() {
        let text =
            "a: 1\nb: []\nc:\n- wav: x.wav\n  mp3: null\n  duration_seconds: 1.45\nd:\n  text: hi\ne: null\n";
        let map = parse_map(text).unwrap();
        assert_eq!(emit_map(&map), text);
    }

    #[test]
    fn syntax_errors_report_a_line() {
        let err = parse_map("a: 1\nb: [unclosed\nc: 2\n").unwrap_err();
        assert!(err.line >= 2, "{err}");
    }

    /// Any string, written by our emitter, must read back as the same string (a seeded, deterministic sweep
    /// over the characters that change YAML's meaning).
    #[test]
    fn every_string_round_trips() {
        let alphabet: Vec<char> = "ab Z09:-#'\"\\?,[]{}&*!|>%@`~.\n\t\r\u{7}\u{85}\u{a0}\u{2028}\u{feff}é—🌿"
            .chars()
            .collect();
        let mut seed = 0x5eed_u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize
        };
        let fixed = [
            "yes",
            "No",
            "null",
            "~",
            "0x1F",
            "0o7",
            "1_000",
            "1:30",
            "2025-11-03",
            ".5",
            "-.inf",
            "=",
            "<<",
        ];
        let mut cases: Vec<String> = fixed.iter().map(|s| s.to_string()).collect();
        for _ in 0..20_000 {
            let len = next() % 8;
            cases.push((0..len).map(|_| alphabet[next() % alphabet.len()]).collect());
        }
        for case in cases {
            let mut map = YamlMap::new();
            map.insert("k", YamlValue::Str(case.clone()));
            map.insert("list", YamlValue::List(vec![YamlValue::Str(case.clone())]));
            let text = emit_map(&map);
            let back = parse_map(&text).unwrap_or_else(|e| panic!("{case:?} wrote {text:?}: {e}"));
            assert_eq!(back, map, "{case:?} wrote {text:?}");
        }
    }
}
