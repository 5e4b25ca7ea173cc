//! Properties of the scan decoder: round-trips through the encoder, no
//! panics, refusals that point inside the input.

// In a `scan` module so that `cargo test -p sparescan-core scan` selects it.
mod scan {
    use proptest::prelude::*;
    use sparescan_core::scan::{
        Gs1, Scan, ScanConfig, ScanErrorCode, classify, encode_gs1_at, encode_gs1_bracketed,
        gs1_check_digit,
    };

    const CSET82: &str =
        "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";

    fn config() -> ScanConfig {
        ScanConfig {
            reference_year: Some(2026),
            ..ScanConfig::default()
        }
    }

    fn digits(n: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = String> {
        proptest::collection::vec(0u8..10, n)
            .prop_map(|v| v.iter().map(|d| (b'0' + d) as char).collect())
    }

    fn x(max: usize) -> impl Strategy<Value = String> {
        let chars: Vec<char> = CSET82.chars().collect();
        proptest::collection::vec(proptest::sample::select(chars), 1..=max)
            .prop_map(|v| v.into_iter().collect())
    }

    fn gtin() -> impl Strategy<Value = String> {
        digits(13..=13).prop_map(|p| {
            let c = gs1_check_digit(p.as_bytes()) as char;
            format!("{p}{c}")
        })
    }

    fn yymmdd(day_zero: bool) -> impl Strategy<Value = String> {
        (
            0u32..100,
            1u32..13,
            if day_zero { 0u32..29 } else { 1u32..29 },
        )
            .prop_map(|(y, m, d)| format!("{y:02}{m:02}{d:02}"))
    }

    /// One optional element per AI, each valid on its own and, with (01)
    /// always present, valid together.
    fn element_set() -> impl Strategy<Value = Vec<(String, String)>> {
        let optional = (
            proptest::option::of(yymmdd(true).prop_map(|v| ("17".to_string(), v))),
            proptest::option::of(yymmdd(true).prop_map(|v| ("11".to_string(), v))),
            proptest::option::of(x(20).prop_map(|v| ("10".to_string(), v))),
            proptest::option::of(x(20).prop_map(|v| ("21".to_string(), v))),
            proptest::option::of(x(30).prop_map(|v| ("240".to_string(), v))),
            proptest::option::of(digits(1..=8).prop_map(|v| ("30".to_string(), v))),
            proptest::option::of((0u8..6, digits(6..=6)).prop_map(|(n, v)| (format!("310{n}"), v))),
            proptest::option::of(digits(6..=6).prop_map(|v| ("3302".to_string(), v))),
            proptest::option::of(
                proptest::sample::select(vec!["276", "250", "840", "392"])
                    .prop_map(|v| ("422".to_string(), v.to_string())),
            ),
            proptest::option::of(
                (yymmdd(false), 0u32..24, 0u32..60)
                    .prop_map(|(d, h, m)| ("7003".to_string(), format!("{d}{h:02}{m:02}"))),
            ),
            proptest::option::of(x(30).prop_map(|v| ("92".to_string(), v))),
        );
        (gtin(), optional).prop_map(|(g, o)| {
            let mut v = vec![("01".to_string(), g)];
            v.extend(
                [o.0, o.1, o.2, o.3, o.4, o.5, o.6, o.7, o.8, o.9, o.10]
                    .into_iter()
                    .flatten(),
            );
            v
        })
    }

    fn pairs(v: &[(String, String)]) -> Vec<(&str, &str)> {
        v.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect()
    }

    fn sorted(g: &Gs1) -> Vec<(String, String)> {
        let mut v: Vec<_> = g
            .elements
            .iter()
            .map(|e| (e.ai.to_string(), e.raw.clone()))
            .collect();
        v.sort();
        v
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn encode_then_decode_round_trips(mut set in element_set(), shuffle in any::<u64>()) {
            // Element order in should not matter to the encoder.
            let n = set.len();
            set.rotate_left((shuffle as usize) % n);
            let encoded = encode_gs1_at(&pairs(&set), 2026).unwrap();
            let mut want = set.clone();
            want.sort();

            // Leading FNC1 transmitted as GS: separators are trusted.
            match classify(format!("\x1d{encoded}"), &config()) {
                Ok(Scan::Gs1(g)) => prop_assert_eq!(sorted(&g), want.clone()),
                other => prop_assert!(false, "{:?}", other),
            }
            // With a symbology identifier the scanner is trusted to send GS.
            match classify(format!("]d2{encoded}"), &config()) {
                Ok(Scan::Gs1(g)) => prop_assert_eq!(sorted(&g), want.clone()),
                other => prop_assert!(false, "{:?}", other),
            }
            // Bare wedge data (GS1 when it opens with its key): exact, or refused
            // because a dropped GS cannot be ruled out — never a wrong value.
            let bare = encode_gs1_at(&pairs(&{ let mut s = set.clone(); s.sort(); s }), 2026).unwrap();
            prop_assert!(bare.starts_with("01"));
            match classify(&bare, &config()) {
                Ok(Scan::Gs1(g)) => prop_assert_eq!(sorted(&g), want.clone()),
                Err(e) => prop_assert_eq!(e.code, ScanErrorCode::AmbiguousWithoutSeparator),
                other => prop_assert!(false, "{:?}", other),
            }
            // Bracketed human-readable form keeps the order.
            let hri = encode_gs1_bracketed(&pairs(&set)).unwrap();
            match classify(&hri, &config()) {
                Ok(Scan::Gs1(g)) => {
                    let got: Vec<_> = g.elements.iter().map(|e| (e.ai.to_string(), e.raw.clone())).collect();
                    prop_assert_eq!(got, set);
                }
                other => prop_assert!(false, "{:?}", other),
            }
        }

        #[test]
        fn a_changed_gtin_digit_is_always_refused(set in element_set(), at in 0usize..14, delta in 1u8..10) {
            let encoded = encode_gs1_at(&pairs(&set), 2026).unwrap();
            let mut bytes = encoded.into_bytes();
            let i = 2 + at; // (01) comes first: pre-defined length.
            bytes[i] = b'0' + (bytes[i] - b'0' + delta) % 10;
            let mut scan = b"\x1d".to_vec();
            scan.extend_from_slice(&bytes);
            let e = classify(&scan, &config()).unwrap_err();
            prop_assert_eq!(e.code, ScanErrorCode::CheckDigit);
            prop_assert!(e.position <= scan.len());
        }

        #[test]
        fn corrupted_scans_are_refused_in_range(set in element_set(), at in any::<prop::sample::Index>(), c in any::<u8>(), cut in any::<bool>()) {
            let encoded = encode_gs1_at(&pairs(&set), 2026).unwrap();
            let mut bytes = format!("]d2{encoded}").into_bytes();
            let i = at.index(bytes.len());
            if cut { bytes.truncate(i) } else { bytes[i] = c }
            if let Err(e) = classify(&bytes, &config()) {
                prop_assert!(e.position <= bytes.len(), "{:?}", e);
                prop_assert!(!e.message.is_empty());
            }
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200), sub in proptest::option::of(any::<char>())) {
            let cfg = ScanConfig { gs_substitute: sub, ..config() };
            if let Err(e) = classify(&bytes, &cfg) {
                prop_assert!(e.position <= bytes.len(), "{:?}", e);
            }
        }

        #[test]
        fn label_shaped_noise_never_panics(
            head in proptest::sample::select(vec!["", "]d2", "]C1", "]Q1", "]E0", "[)>\x1e06\x1d", "+", "+$$", "https://x.y/01/", "(01)", "WO:", "\x1d"]),
            body in "[0-9A-Z$+/%.\\-\x1d\x1e\x04()?&=#:~ ]{0,80}",
        ) {
            let input = format!("{head}{body}");
            let cfg = ScanConfig { gs_substitute: Some('~'), ..config() };
            for c in [&config(), &cfg] {
                if let Err(e) = classify(&input, c) {
                    prop_assert!(e.position <= input.len(), "{:?}", e);
                }
            }
        }
    }
}
