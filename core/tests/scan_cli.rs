//! The `sparescan-decode` binary: JSON verdicts, exit codes.

// In a `scan` module so that `cargo test -p sparescan-core scan` selects it.
mod scan {
    use std::io::Write;
    use std::process::{Command, Stdio};

    fn decode(args: &[&str], stdin: &[u8]) -> (i32, String, String) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_sparescan-decode"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin).unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    }

    #[test]
    fn one_json_line_per_stdin_line() {
        let input =
        b"]d20109506000134352172712311012345\x1d21ABC\r\n]d20109506000134357\nBIN:A-1\n\xff\xfe\n";
        let (code, out, _) = decode(&["--reference-year", "2026"], input);
        assert_eq!(code, 0);
        let v: Vec<serde_json::Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(v.len(), 4);
        assert_eq!(v[0]["ok"], true);
        assert_eq!(v[0]["scan"]["kind"], "gs1");
        assert_eq!(v[0]["scan"]["data"]["elements"][1]["value"]["type"], "date");
        assert_eq!(
            v[0]["scan"]["data"]["elements"][1]["value"]["value"],
            "2027-12-31"
        );
        assert_eq!(v[1]["ok"], false);
        assert_eq!(v[1]["error"]["code"], "check_digit");
        assert_eq!(v[1]["error"]["position"], 18);
        assert_eq!(v[2]["scan"]["data"]["kind"], "bin");
        assert_eq!(v[3]["error"]["code"], "invalid_encoding");
    }

    #[test]
    fn arguments_substitutes_and_usage_errors() {
        let (code, out, _) = decode(
            &["--gs-substitute", "\\x7c", "0109506000134352|10A|21B"],
            b"",
        );
        assert_eq!(code, 0);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["scan"]["data"]["elements"][2]["raw"], "B");
        let (code, out, _) = decode(&["--help"], b"");
        assert_eq!(code, 0);
        assert!(out.contains("--gs-substitute"));
        let (code, _, err) = decode(&["--nope"], b"");
        assert_eq!(code, 2);
        assert!(err.contains("unknown option"));
        let (code, _, _) = decode(&["--reference-year", "soon"], b"");
        assert_eq!(code, 2);
    }
}
