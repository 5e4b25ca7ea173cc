//! Generates the GS1 Application Identifier table of `scan::ai_table` from the
//! vendored GS1 Barcode Syntax Dictionary (`gs1/gs1-syntax-dictionary.txt`).
//!
//! The table is generated rather than copied so that a dictionary update is a
//! file replacement. Linter names become `Linter::<Name>` variants: a linter
//! the decoder does not implement is a compile error, never a silent pass.

use std::fmt::Write as _;
use std::{env, fs, path::Path};

const DICTIONARY: &str = "gs1/gs1-syntax-dictionary.txt";

struct Component {
    cset: char,
    min: u8,
    max: u8,
    optional: bool,
    linters: Vec<String>,
}

struct Entry {
    ai: String,
    predefined: bool,
    dl_attribute: bool,
    components: Vec<Component>,
    req: Vec<Vec<Vec<String>>>,
    ex: Vec<String>,
    dlpkey: Option<Vec<Vec<String>>>,
    title: String,
}

fn main() {
    println!("cargo:rerun-if-changed={DICTIONARY}");
    println!("cargo:rerun-if-changed=build.rs");
    let text = fs::read_to_string(DICTIONARY).expect("read the GS1 syntax dictionary");
    let mut entries = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        parse_line(line, &mut entries)
            .unwrap_or_else(|e| panic!("{DICTIONARY}:{}: {e}: {line}", n + 1));
    }
    entries.sort_by(|a, b| a.ai.cmp(&b.ai));
    check_prefix_free(&entries);
    let out = Path::new(&env::var("OUT_DIR").expect("OUT_DIR")).join("ai_table.rs");
    fs::write(out, render(&entries)).expect("write ai_table.rs");
}

fn parse_line(line: &str, entries: &mut Vec<Entry>) -> Result<(), String> {
    let (body, title) = match line.split_once('#') {
        Some((b, t)) => (b, t.trim().to_string()),
        None => (line, String::new()),
    };
    let mut tokens = body.split_whitespace().peekable();
    let ais = tokens.next().ok_or("no AI")?;
    let mut flags = "";
    if let Some(t) = tokens.peek()
        && !t.starts_with(['N', 'X', 'Y', 'Z', '['])
    {
        flags = t;
        tokens.next();
    }
    let mut components = Vec::new();
    let mut req = Vec::new();
    let mut ex = Vec::new();
    let mut dlpkey = None;
    for t in tokens {
        if t.starts_with(['N', 'X', 'Y', 'Z', '[']) {
            components.push(parse_component(t)?);
        } else if let Some(v) = t.strip_prefix("req=") {
            req.push(
                v.split(',')
                    .map(|alt| alt.split('+').map(str::to_string).collect())
                    .collect(),
            );
        } else if let Some(v) = t.strip_prefix("ex=") {
            ex.extend(v.split(',').map(str::to_string));
        } else if t == "dlpkey" {
            dlpkey = Some(Vec::new());
        } else if let Some(v) = t.strip_prefix("dlpkey=") {
            dlpkey = Some(
                v.split('|')
                    .map(|seq| seq.split(',').map(str::to_string).collect())
                    .collect(),
            );
        } else {
            return Err(format!("unknown attribute {t:?}"));
        }
    }
    if components.is_empty() {
        return Err("no specification".into());
    }
    let (first, last) = match ais.split_once('-') {
        Some((a, b)) => (a, b),
        None => (ais, ais),
    };
    if first.len() != last.len() || !first.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("bad AI range {ais:?}"));
    }
    let lo: u32 = first.parse().map_err(|_| "bad AI")?;
    let hi: u32 = last.parse().map_err(|_| "bad AI")?;
    for n in lo..=hi {
        entries.push(Entry {
            ai: format!("{n:0width$}", width = first.len()),
            predefined: flags.contains('*'),
            dl_attribute: flags.contains('?'),
            components: components
                .iter()
                .map(|c| Component {
                    cset: c.cset,
                    min: c.min,
                    max: c.max,
                    optional: c.optional,
                    linters: c.linters.clone(),
                })
                .collect(),
            req: req.clone(),
            ex: ex.clone(),
            dlpkey: dlpkey.clone(),
            title: title.clone(),
        });
    }
    Ok(())
}

/// `N6,yymmd0`, `X..20`, `[N3],iso3166`, `[X..17]`.
fn parse_component(t: &str) -> Result<Component, String> {
    let (spec, linters) = match t.split_once(',') {
        Some((s, l)) if !s.starts_with('[') || s.ends_with(']') => (s, l),
        _ => (t, ""),
    };
    let (spec, optional) = match spec.strip_prefix('[') {
        Some(inner) => (inner.strip_suffix(']').ok_or("unclosed [")?, true),
        None => (spec, false),
    };
    let cset = spec.chars().next().ok_or("empty component")?;
    let len = &spec[1..];
    let (min, max) = match len.strip_prefix("..") {
        Some(m) => (1, m.parse().map_err(|_| format!("bad length {len:?}"))?),
        None => {
            let n = len.parse().map_err(|_| format!("bad length {len:?}"))?;
            (n, n)
        }
    };
    let linters = linters
        .split(',')
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    Ok(Component {
        cset,
        min,
        max,
        optional,
        linters,
    })
}

/// The decoder finds an AI by trying 2, 3 and 4 leading digits; that is only
/// sound while no AI is a prefix of another.
fn check_prefix_free(entries: &[Entry]) {
    for a in entries {
        for b in entries {
            assert!(
                a.ai == b.ai || !b.ai.starts_with(&a.ai),
                "AI {} is a prefix of AI {}",
                a.ai,
                b.ai
            );
        }
    }
}

fn camel(linter: &str) -> String {
    let mut c = linter.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

fn strs(v: &[String]) -> String {
    let items: Vec<String> = v.iter().map(|s| format!("{s:?}")).collect();
    format!("&[{}]", items.join(", "))
}

fn render(entries: &[Entry]) -> String {
    let mut s = String::from(
        "// @generated by core/build.rs from core/gs1/gs1-syntax-dictionary.txt; do not edit.\n\
         pub(crate) static AI_TABLE: &[AiDef] = &[\n",
    );
    for e in entries {
        let comps: Vec<String> = e
            .components
            .iter()
            .map(|c| {
                let linters: Vec<String> = c
                    .linters
                    .iter()
                    .map(|l| format!("Linter::{}", camel(l)))
                    .collect();
                format!(
                    "Component {{ cset: Cset::{}, min: {}, max: {}, optional: {}, linters: &[{}] }}",
                    c.cset,
                    c.min,
                    c.max,
                    c.optional,
                    linters.join(", ")
                )
            })
            .collect();
        let req: Vec<String> = e
            .req
            .iter()
            .map(|alts| {
                let alts: Vec<String> = alts.iter().map(|a| strs(a)).collect();
                format!("&[{}]", alts.join(", "))
            })
            .collect();
        let dlpkey = match &e.dlpkey {
            None => "None".to_string(),
            Some(seqs) => {
                let seqs: Vec<String> = seqs.iter().map(|q| strs(q)).collect();
                format!("Some(&[{}])", seqs.join(", "))
            }
        };
        let _ = writeln!(
            s,
            "    AiDef {{ ai: {:?}, predefined: {}, dl_attribute: {}, components: &[{}], req: &[{}], ex: {}, dlpkey: {}, title: {:?} }},",
            e.ai,
            e.predefined,
            e.dl_attribute,
            comps.join(", "),
            req.join(", "),
            strs(&e.ex),
            dlpkey,
            e.title
        );
    }
    s.push_str("];\n");
    s
}
