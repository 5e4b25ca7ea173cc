//! The console's words in the reader's language. Pages and messages are
//! written in English; `server/lang/ru/console.tsv` holds each text's
//! Russian (English TAB Russian). A text with `{name}` placeholders is
//! translated whole, then filled, so word order can follow the language.
//!
//! Core's own words (refusals by reason code, roles, document kinds,
//! closure blockers) come from `sparescan_core::lang`, shared with the
//! handheld. A text with no Russian shows in English and is logged once,
//! and `untranslated()` lists it: the browser test fails on any.

use crate::api::ApiError;
use sparescan_core::lang;
pub use sparescan_core::lang::Lang;
use sparescan_core::model::Role;
use sparescan_core::reason::ReasonCode;
use std::collections::{BTreeSet, HashMap};
use std::fmt::Display;
use std::sync::{Mutex, OnceLock};

/// Translates into one language; every page carries one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tr(pub Lang);

fn ru() -> &'static HashMap<&'static str, &'static str> {
    static RU: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    RU.get_or_init(|| {
        include_str!("../../lang/ru/console.tsv")
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once('\t'))
            .collect()
    })
}

fn missing() -> &'static Mutex<BTreeSet<String>> {
    static MISSING: OnceLock<Mutex<BTreeSet<String>>> = OnceLock::new();
    MISSING.get_or_init(|| Mutex::new(BTreeSet::new()))
}

/// The texts a page asked for in a language that has no words for them
/// (since the process started).
pub fn untranslated() -> Vec<String> {
    missing()
        .lock()
        .map(|m| m.iter().cloned().collect())
        .unwrap_or_default()
}

/// Whether the catalog has Russian for `english` (for tests of texts
/// chosen at run time).
pub fn has_russian(english: &str) -> bool {
    ru().contains_key(english)
}

impl Tr {
    pub fn lang(self) -> Lang {
        self.0
    }

    /// `english` in this language; English (logged once) if it has none.
    pub fn t(self, english: &'static str) -> &'static str {
        self.lookup(english).unwrap_or(english)
    }

    /// The text in this language for any English text (a report's column,
    /// an API message); `None` in English, or when the catalog has none.
    fn lookup(self, english: &str) -> Option<&'static str> {
        match self.0 {
            Lang::En => None,
            Lang::Ru => {
                let found = ru().get(english).copied();
                if found.is_none() {
                    note_missing(english);
                }
                found
            }
        }
    }

    /// A text read from data (a report's column) in this language.
    pub fn word(self, english: &str) -> String {
        self.lookup(english)
            .map(str::to_owned)
            .unwrap_or_else(|| english.to_owned())
    }

    /// `english` translated, then its `{name}`s filled from `args`.
    pub fn f(self, english: &'static str, args: &[(&str, &dyn Display)]) -> String {
        fill(self.t(english), args)
    }

    pub fn role(self, r: Role) -> &'static str {
        lang::role(self.0, r)
    }

    pub fn doc_kind(self, k: sparescan_core::document::DocKind) -> &'static str {
        lang::doc_kind(self.0, k)
    }

    pub fn blocker(self, b: &sparescan_core::reason::Blocker) -> String {
        lang::blocker(self.0, b)
    }

    /// A reason's message and what to do, in this language.
    pub fn reason(self, code: ReasonCode, message: &str, what_to_do: &str) -> (String, String) {
        lang::reason(self.0, code, message, what_to_do)
    }

    /// A refusal as one sentence pair: what happened, what to do.
    pub fn refusal(self, r: &sparescan_core::reason::Refusal) -> String {
        let (message, what_to_do) = lang::refusal(self.0, r);
        format!("{message} {what_to_do}")
    }

    /// An API error's message in this language: a rule's refusal by its
    /// reason code; the API's own messages from the catalog, whole or by
    /// pattern; else a sentence for its kind with the message after it.
    pub fn api_error(self, e: &ApiError) -> String {
        if self.0 == Lang::En {
            return e.message.clone();
        }
        if let Some(code) = ReasonCode::from_code(e.code) {
            let (message, what_to_do) = lang::reason(self.0, code, &e.message, code.what_to_do());
            return format!("{message} {what_to_do}");
        }
        // The API names roles as the role matrix spells them ("admin"):
        // here they are the reader's words for them.
        if let Some(roles) = e.message.strip_prefix("this needs the role ") {
            let words: Vec<&str> = roles
                .split(" or ")
                .map(|r| {
                    Role::ALL
                        .into_iter()
                        .find(|x| format!("{x:?}").eq_ignore_ascii_case(r))
                        .map_or(r, |x| self.role(x))
                })
                .collect();
            return self.f(
                "this needs the role {roles}",
                &[("roles", &words.join(self.t(" or ")))],
            );
        }
        if let Some(whole) = ru().get(e.message.as_str()) {
            return (*whole).to_owned();
        }
        if let Some(by_pattern) = by_pattern(&e.message) {
            return by_pattern;
        }
        note_missing(&e.message);
        let kind = match e.status.as_u16() {
            401 => "Войдите снова.",
            403 => "Это действие вам не разрешено.",
            404 => "Не найдено.",
            409 => "Не сделано: это противоречит тому, что уже записано.",
            400 | 422 => "Не сделано: проверьте введённое.",
            _ => "Не сделано.",
        };
        format!("{kind} ({})", e.message)
    }
}

fn note_missing(english: &str) {
    if let Ok(mut m) = missing().lock()
        && m.insert(english.to_owned())
    {
        log::warn!("console: no Russian for {english:?}");
    }
}

/// Fills `{name}` placeholders.
pub(super) fn fill(text: &str, args: &[(&str, &dyn Display)]) -> String {
    let mut out = text.to_owned();
    for (name, value) in args {
        out = out.replace(&format!("{{{name}}}"), &value.to_string());
    }
    out
}

/// A message the API wrote from a pattern in the catalog (`{…}` stands
/// for the particulars: ids, quantities, dates), in Russian with the same
/// particulars.
fn by_pattern(message: &str) -> Option<String> {
    // Of the patterns that fit, the one with the most words of its own:
    // "{what}: {record}" fits nearly anything and says least.
    let (ru, values) = ru()
        .iter()
        .filter(|(en, _)| en.contains('{'))
        .filter_map(|(en, ru)| Some((en, ru, captures(en, message)?)))
        .max_by_key(|(en, _, values)| {
            let placeholders: usize = values.iter().map(|(n, _)| n.len() + 2).sum();
            (en.len() - placeholders, *en)
        })
        .map(|(_, ru, values)| (ru, values))?;
    let mut out = (*ru).to_owned();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    Some(out)
}

/// The values of `pattern`'s `{name}`s if `text` is that pattern filled.
pub(super) fn captures<'a>(pattern: &'a str, text: &'a str) -> Option<Vec<(&'a str, &'a str)>> {
    let mut values = Vec::new();
    // The literal before the first placeholder.
    let lead = pattern.find('{').unwrap_or(pattern.len());
    let mut rest = text.strip_prefix(&pattern[..lead])?;
    let mut pat = &pattern[lead..];
    while let Some(open) = pat.strip_prefix('{') {
        let close = open.find('}')?;
        let name = &open[..close];
        let after = &open[close + 1..];
        let literal_end = after.find('{').unwrap_or(after.len());
        let literal = &after[..literal_end];
        let value_end = if literal.is_empty() {
            // Two placeholders side by side cannot be told apart.
            if literal_end < after.len() {
                return None;
            }
            // A placeholder at the end takes the rest.
            rest.len()
        } else {
            rest.find(literal)?
        };
        let value = &rest[..value_end];
        if value.is_empty() {
            return None;
        }
        values.push((name, value));
        rest = &rest[value_end + literal.len()..];
        pat = &after[literal_end..];
    }
    rest.is_empty().then_some(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalog_line_is_a_pair_with_the_same_placeholders() {
        for line in include_str!("../../lang/ru/console.tsv").lines() {
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            let (en, ru) = line
                .split_once('\t')
                .unwrap_or_else(|| panic!("no tab: {line}"));
            assert!(
                !en.is_empty() && !ru.is_empty() && !ru.contains('\t'),
                "{line}"
            );
            let names = |s: &str| {
                let mut n: Vec<String> = s
                    .split('{')
                    .skip(1)
                    .filter_map(|p| p.split_once('}').map(|(n, _)| n.to_owned()))
                    .collect();
                n.sort();
                n
            };
            assert_eq!(names(en), names(ru), "placeholders differ: {line}");
        }
    }

    #[test]
    fn no_text_is_in_the_catalog_twice() {
        let mut seen = std::collections::HashSet::new();
        for line in include_str!("../../lang/ru/console.tsv").lines() {
            if let Some((en, _)) = line.split_once('\t').filter(|_| !line.starts_with('#')) {
                assert!(seen.insert(en), "twice: {en}");
            }
        }
    }

    #[test]
    fn patterns_take_the_particulars_back() {
        assert_eq!(
            captures("this needs the role {roles}", "this needs the role admin"),
            Some(vec![("roles", "admin")])
        );
        assert_eq!(
            captures("line {line} of {order} is gone", "line L1 of WO-1 is gone"),
            Some(vec![("line", "L1"), ("order", "WO-1")])
        );
        assert_eq!(captures("line {line} is gone", "line L1 is here"), None);
        assert_eq!(captures("no {x}", "no "), None);
        assert_eq!(captures("plain", "plain"), Some(vec![]));
    }

    #[test]
    fn filled_in_the_language_chosen() {
        let ru = Tr(Lang::Ru);
        assert_eq!(ru.t("Work orders"), "Наряды");
        assert_eq!(
            Tr(Lang::En).f("Work order {id}", &[("id", &"WO-1")]),
            "Work order WO-1"
        );
        assert_eq!(ru.f("Work order {id}", &[("id", &"WO-1")]), "Наряд WO-1");
    }

    #[test]
    fn api_errors_in_russian() {
        let ru = Tr(Lang::Ru);
        let e = ApiError::forbidden("this needs the role admin");
        assert_eq!(ru.api_error(&e), "Для этого нужна роль: администратор.");
        let e = ApiError::forbidden("this needs the role clerk or controller");
        assert_eq!(
            ru.api_error(&e),
            "Для этого нужна роль: кладовщик или контролёр."
        );
        let e = ApiError::bad_request(
            "weak_password",
            "a password has at least 12 characters: choose a longer one (a phrase of a few words is easy to remember)",
        );
        assert!(
            ru.api_error(&e)
                .starts_with("В пароле не меньше 12 символов")
        );
        let e = ApiError::bad_request("odd", "something nobody translated");
        assert_eq!(
            ru.api_error(&e),
            "Не сделано: проверьте введённое. (something nobody translated)"
        );
        assert_eq!(Tr(Lang::En).api_error(&e), "something nobody translated");
    }
}

/// The pages' own words are all in the catalog: every template's text
/// and label goes through `t`/`f1` (no bare English left between
/// the tags), and every text the templates and the console's code pass
/// to the catalog has its Russian.
#[cfg(test)]
mod completeness {
    use super::*;
    use std::path::Path;

    fn files(dir: &str, ext: &str) -> Vec<(String, String)> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        let mut found: Vec<(String, String)> = std::fs::read_dir(&dir)
            .expect("dir")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == ext))
            .map(|p| {
                let text = std::fs::read_to_string(&p).expect("read");
                (p.display().to_string(), text)
            })
            .collect();
        found.sort();
        found
    }

    /// `text` without the spans from each `open` to the next `close`.
    fn without(text: &str, open: &str, close: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(i) = rest.find(open) {
            out.push_str(&rest[..i]);
            out.push(' ');
            rest = rest[i..]
                .find(close)
                .map_or("", |j| &rest[i + j + close.len()..]);
        }
        out.push_str(rest);
        out
    }

    /// The string literals passed to the catalog in `text`.
    fn keys(text: &str) -> Vec<String> {
        let mut found = Vec::new();
        for call in ["t(\"", "f(\"", "f1(\""] {
            let mut rest = text;
            while let Some(i) = rest.find(call) {
                let before = rest[..i].chars().last();
                rest = &rest[i + call.len()..];
                // `tr.t("…")`, `layout.t("…")`: not `.get("…")` or a word ending in t.
                if before != Some('.') {
                    continue;
                }
                let mut literal = String::new();
                let mut chars = rest.chars();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => literal.extend(chars.next()),
                        '"' => break,
                        c => literal.push(c),
                    }
                }
                found.push(literal);
            }
        }
        found
    }

    #[test]
    fn no_template_has_words_outside_the_catalog() {
        let mut bare = Vec::new();
        for (name, html) in files("templates/console", "html") {
            let code_free = without(&without(&html, "{{", "}}"), "{%", "%}");
            // Labels read aloud or shown: aria-label, alt, title, placeholder.
            for attr in ["aria-label=\"", "alt=\"", "title=\"", "placeholder=\""] {
                for value in code_free.split(attr).skip(1) {
                    let value = value.split('"').next().unwrap_or("");
                    if value.chars().any(|c| c.is_alphabetic()) {
                        bare.push(format!("{name}: {attr}{value}\""));
                    }
                }
            }
            let text = without(&without(&code_free, "<title>", "</title>"), "<", ">");
            for word in text.split_whitespace() {
                if word.chars().any(|c| c.is_alphabetic()) && word != "sparescan" {
                    bare.push(format!("{name}: {word}"));
                }
            }
        }
        assert!(
            bare.is_empty(),
            "words not through the catalog:\n{}",
            bare.join("\n")
        );
    }

    #[test]
    fn every_text_given_to_the_catalog_has_its_russian() {
        let mut sources = files("templates/console", "html");
        // This file names the calls in its comments.
        sources.extend(
            files("src/console", "rs")
                .into_iter()
                .filter(|(name, _)| !name.ends_with("i18n.rs")),
        );
        let missing: Vec<String> = sources
            .iter()
            .flat_map(|(name, text)| keys(text).into_iter().map(move |k| (name, k)))
            .filter(|(_, k)| !has_russian(k))
            .map(|(name, k)| format!("{name}: {k}"))
            .collect();
        assert!(
            missing.is_empty(),
            "no Russian for:\n{}",
            missing.join("\n")
        );
    }
}
