//! The `decode` command for people setting up scanners: prints the verdict
//! for each scan as JSON. Shared by `sparescan-decode` and, later, the server
//! and handheld binaries.

use std::io::{BufRead, Write};

use serde::Serialize;

use super::{Scan, ScanConfig, ScanError, classify};

const HELP: &str = "\
Usage: sparescan-decode [OPTIONS] [SCAN...]

Decodes scans (GS1 element strings, GS1 Digital Link, HIBC, MH10.8.2 /
ECIA supplier labels, site labels) and prints one JSON verdict per scan:
pretty-printed for each SCAN argument, or one line per line of standard
input when no SCAN is given. A refused scan is a verdict (\"ok\": false),
not a failure: the exit code is non-zero only for usage errors.

Options:
  --gs-substitute C     character the scanner sends instead of GS (FNC1)
  --rs-substitute C     character sent instead of RS (supplier labels)
  --eot-substitute C    character sent instead of EOT (supplier labels)
      C is one character, or \\xNN, 0xNN or U+NNNN.
  --prefix-work-order P site label prefix (default WO:)
  --prefix-bin P        (default BIN:)
  --prefix-asset P      (default AST:)
  --prefix-user P       (default USR:)
  --prefix-document P   (default DOC:)
  --reference-year Y    year two-digit GS1 years are read against (default: now)
  --escapes             read \\xNN, \\\\, <GS>, <RS> and <EOT> in scans as bytes
  --compact             one JSON line per SCAN argument too
  -h, --help            this help
";

#[derive(Serialize)]
struct Verdict<'a> {
    input: &'a str,
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    scan: Option<Scan>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ScanError>,
}

struct Options {
    config: ScanConfig,
    escapes: bool,
    compact: bool,
    scans: Vec<String>,
}

fn parse_char(s: &str) -> Option<char> {
    let hex = s
        .strip_prefix("\\x")
        .or_else(|| s.strip_prefix("0x"))
        .or_else(|| s.strip_prefix("U+"))
        .or_else(|| s.strip_prefix("u+"));
    match hex {
        Some(h) => u32::from_str_radix(h, 16).ok().and_then(char::from_u32),
        None => {
            let mut it = s.chars();
            let c = it.next()?;
            it.next().is_none().then_some(c)
        }
    }
}

fn parse_args(args: &[String]) -> Result<Option<Options>, String> {
    let mut o = Options {
        config: ScanConfig::default(),
        escapes: false,
        compact: false,
        scans: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match a.as_str() {
            "-h" | "--help" => return Ok(None),
            "--escapes" => o.escapes = true,
            "--compact" => o.compact = true,
            "--gs-substitute" | "--rs-substitute" | "--eot-substitute" => {
                let v = value(a)?;
                let c = parse_char(&v).ok_or_else(|| format!("{a}: {v:?} is not one character"))?;
                match a.as_str() {
                    "--gs-substitute" => o.config.gs_substitute = Some(c),
                    "--rs-substitute" => o.config.rs_substitute = Some(c),
                    _ => o.config.eot_substitute = Some(c),
                }
            }
            "--prefix-work-order" => o.config.prefixes.work_order = value(a)?,
            "--prefix-bin" => o.config.prefixes.bin = value(a)?,
            "--prefix-asset" => o.config.prefixes.asset = value(a)?,
            "--prefix-user" => o.config.prefixes.user = value(a)?,
            "--prefix-document" => o.config.prefixes.document = value(a)?,
            "--reference-year" => {
                let v = value(a)?;
                let y = v.parse().map_err(|_| format!("{a}: {v:?} is not a year"))?;
                o.config.reference_year = Some(y);
            }
            "--" => {
                o.scans.extend(it.by_ref().cloned());
            }
            s if s.starts_with('-') && s.len() > 1 => return Err(format!("unknown option {s}")),
            s => o.scans.push(s.to_string()),
        }
    }
    Ok(Some(o))
}

/// `\xNN`, `\\`, `<GS>`, `<RS>`, `<EOT>` to bytes.
fn unescape(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let rest = &s[i..];
        let named = [
            (&b"<GS>"[..], 0x1D),
            (&b"<RS>"[..], 0x1E),
            (&b"<EOT>"[..], 0x04),
        ]
        .into_iter()
        .find(|(n, _)| rest.starts_with(n));
        if let Some((n, b)) = named {
            out.push(b);
            i += n.len();
        } else if rest.starts_with(b"\\\\") {
            out.push(b'\\');
            i += 2;
        } else if let Some(b) = rest
            .strip_prefix(b"\\x")
            .and_then(|h| h.get(..2))
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 4;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    out
}

fn verdict(raw: &[u8], o: &Options) -> (String, Result<Scan, ScanError>) {
    let bytes = if o.escapes {
        unescape(raw)
    } else {
        raw.to_vec()
    };
    let shown = String::from_utf8_lossy(&bytes).into_owned();
    (shown, classify(&bytes, &o.config))
}

fn write_verdict(
    out: &mut dyn Write,
    raw: &[u8],
    o: &Options,
    pretty: bool,
) -> std::io::Result<()> {
    let (input, result) = verdict(raw, o);
    let (scan, error) = match result {
        Ok(s) => (Some(s), None),
        Err(e) => (None, Some(e)),
    };
    let v = Verdict {
        input: &input,
        ok: scan.is_some(),
        scan,
        error,
    };
    let json = if pretty {
        serde_json::to_string_pretty(&v)
    } else {
        serde_json::to_string(&v)
    }
    .map_err(std::io::Error::other)?;
    writeln!(out, "{json}")
}

fn decode_all(o: &Options, input: &mut dyn BufRead, out: &mut dyn Write) -> std::io::Result<()> {
    if !o.scans.is_empty() {
        for s in &o.scans {
            write_verdict(out, s.as_bytes(), o, !o.compact)?;
        }
        return out.flush();
    }
    let mut line = Vec::new();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        while matches!(line.last(), Some(b'\n' | b'\r')) {
            line.pop();
        }
        write_verdict(out, &line, o, false)?;
    }
    out.flush()
}

/// Runs the command: `args` without the program name. Returns the exit code:
/// 0, 2 for a usage error, 1 if writing the output failed.
pub fn run(
    args: &[String],
    input: &mut dyn BufRead,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let o = match parse_args(args) {
        Ok(Some(o)) => o,
        Ok(None) => {
            return if out.write_all(HELP.as_bytes()).is_ok() {
                0
            } else {
                1
            };
        }
        Err(e) => {
            let _ = writeln!(err, "sparescan-decode: {e}\nTry --help.");
            return 2;
        }
    };
    match decode_all(&o, input, out) {
        Ok(()) => 0,
        Err(e) => {
            let _ = writeln!(err, "sparescan-decode: {e}");
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_with(args: &[&str], stdin: &str) -> (i32, String) {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let mut out = Vec::new();
        let mut err = Vec::new();
        let code = run(&args, &mut stdin.as_bytes(), &mut out, &mut err);
        (code, String::from_utf8(out).unwrap())
    }

    #[test]
    fn usage_and_lines() {
        assert_eq!(run_with(&["--help"], "").0, 0);
        assert_eq!(run_with(&["--bogus"], "").0, 2);
        assert_eq!(run_with(&["--gs-substitute"], "").0, 2);
        let (code, out) = run_with(
            &["--gs-substitute", "|"],
            "0109506000134352|\n]d201095060001343571712310010X\nWO:4711\n",
        );
        assert_eq!(code, 0);
        let lines: Vec<serde_json::Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0]["ok"], true);
        assert_eq!(lines[1]["ok"], false);
        assert_eq!(lines[1]["error"]["code"], "check_digit");
        assert_eq!(lines[2]["scan"]["kind"], "site");
        let (_, out) = run_with(
            &["--escapes", "--compact", "]d2010950600013435210A<GS>21B"],
            "",
        );
        assert!(out.contains("\"ok\":true"), "{out}");
    }
}
