//! Real-looking labels and the refusals a technician meets.

// In a `scan` module so that `cargo test -p sparescan-core scan` selects it.
mod scan {
    use chrono::NaiveDate;
    use sparescan_core::scan::{
        DiValue, Gs1, Gs1Form, HibcForm, Scan, ScanConfig, ScanError, ScanErrorCode, SiteLabelKind,
        Value, classify, encode_gs1_at, encode_gs1_bracketed, encode_site_label,
        hibc_check_character,
    };

    fn config() -> ScanConfig {
        ScanConfig {
            reference_year: Some(2026),
            ..ScanConfig::default()
        }
    }

    fn gs1(input: &str) -> Gs1 {
        gs1_with(input, &config())
    }

    fn gs1_with(input: &str, config: &ScanConfig) -> Gs1 {
        match classify(input, config) {
            Ok(Scan::Gs1(g)) => g,
            other => panic!("{input:?}: expected GS1, got {other:?}"),
        }
    }

    fn refused(input: &str) -> ScanError {
        refused_with(input, &config())
    }

    fn refused_with(input: &str, config: &ScanConfig) -> ScanError {
        match classify(input, config) {
            Err(e) => {
                assert!(e.position <= input.len(), "{e:?}");
                e
            }
            Ok(s) => panic!("{input:?}: expected a refusal, got {s:?}"),
        }
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    const BATTERY: &str = "]d201095060001343521727123110BM24-0815\x1d21SN0012345";

    #[test]
    fn battery_module_datamatrix() {
        let g = gs1(BATTERY);
        assert_eq!(g.symbology.as_deref(), Some("]d2"));
        assert_eq!(g.form, Gs1Form::ElementString);
        assert_eq!(g.gtin(), Some("09506000134352"));
        assert_eq!(g.expiry(), Some(date(2027, 12, 31)));
        assert_eq!(g.batch(), Some("BM24-0815"));
        assert_eq!(g.serial(), Some("SN0012345"));
        let ais: Vec<&str> = g.elements.iter().map(|e| e.ai.as_ref()).collect();
        assert_eq!(ais, ["01", "17", "10", "21"]);
        assert_eq!(g.get("17").unwrap().title, "USE BY or EXPIRY");
        assert_eq!(
            g.get("01").unwrap().value,
            Value::Gtin("09506000134352".into())
        );
    }

    #[test]
    fn battery_module_keyboard_wedge_forms() {
        let want = gs1(BATTERY).elements;
        // GS as a configured substitute character.
        let piped = ScanConfig {
            gs_substitute: Some('|'),
            ..config()
        };
        let g = gs1_with(&BATTERY[3..].replace('\x1d', "|"), &piped);
        assert_eq!(g.elements, want);
        assert_eq!(g.symbology, None);
        // Leading FNC1 transmitted as GS.
        assert_eq!(gs1(&format!("\x1d{}", &BATTERY[3..])).elements, want);
        // GS shown as its Unicode control picture.
        assert_eq!(gs1(&BATTERY.replace('\x1d', "\u{241d}")).elements, want);
        // Trailing CR/LF from the scanner.
        assert_eq!(gs1(&format!("{BATTERY}\r\n")).elements, want);
        // Bracketed human-readable form.
        let b = gs1("(01)09506000134352(17)271231(10)BM24-0815(21)SN0012345");
        assert_eq!(b.form, Gs1Form::Bracketed);
        assert_eq!(b.elements, want);
    }

    #[test]
    fn missing_separator_is_decoded_when_unambiguous() {
        // Pre-defined lengths first, one variable field last: no GS needed.
        let g = gs1("01095060001343521727123110BATCH");
        assert_eq!(g.batch(), Some("BATCH"));
        // Numeric batch that would only split before a pre-defined-length AI.
        assert_eq!(gs1("]d20109506000134352102024").batch(), Some("2024"));
    }

    #[test]
    fn dropped_separator_is_refused_not_guessed() {
        // Bare wedge data: a split at (21) gives another valid message.
        let e = refused("010950600013435210BATCH21SER");
        assert_eq!(e.code, ScanErrorCode::AmbiguousWithoutSeparator);
        assert_eq!(e.position, 16 + 7);
        assert!(e.message.contains("GS separator"), "{}", e.message);
        assert!(e.message.contains("substitute"), "{}", e.message);
        // A scanner that sends a symbology identifier is trusted to send GS.
        assert_eq!(
            gs1("]d2010950600013435210BATCH21SER").batch(),
            Some("BATCH21SER")
        );
        // Invalid as read, valid with the separator: reported as missing GS.
        let e = refused("]C1010950600013435242227670032703311530");
        assert_eq!(
            (e.code, e.position),
            (ScanErrorCode::AmbiguousWithoutSeparator, 25)
        );
        assert!(e.message.contains("only valid if"), "{}", e.message);
        // Once a substitute is configured, its absence means there was no GS.
        let piped = ScanConfig {
            gs_substitute: Some('|'),
            ..config()
        };
        assert_eq!(
            gs1_with("010950600013435210BATCH21SER", &piped).batch(),
            Some("BATCH21SER")
        );
        assert_eq!(
            gs1_with("010950600013435210BATCH|21SER", &piped).serial(),
            Some("SER")
        );
    }

    #[test]
    fn sscc_pallet_label() {
        let g = gs1("]C1001061414112345678970210614141000019370048\x1d3302001250");
        assert_eq!(g.sscc(), Some("106141411234567897"));
        assert_eq!(
            g.get("02").unwrap().value,
            Value::Gtin("10614141000019".into())
        );
        assert_eq!(g.quantity(), Some(48));
        assert_eq!(
            g.get("3302").unwrap().value,
            Value::Decimal {
                units: 1250,
                scale: 2
            }
        );
    }

    #[test]
    fn net_weight_310n() {
        let g = gs1("]C10109506000134352310300125015271231");
        assert_eq!(
            g.get("3103").unwrap().value,
            Value::Decimal {
                units: 1250,
                scale: 3
            }
        );
        assert_eq!(g.get("15").unwrap().value, Value::Date(date(2027, 12, 31)));
        let e = refused("]C101095060001343523103001250\x1d3102000125");
        assert_eq!(e.code, ScanErrorCode::ExcludedAiPair);
    }

    #[test]
    fn gs1_general_specifications_examples() {
        // Day 00 of a YYMMD0 date is the last day of the month (leap year too).
        let g = gs1("]d2010950600013435217240200");
        assert_eq!(g.expiry(), Some(date(2024, 2, 29)));
        // Amount payable with ISO currency.
        let g = gs1("]C10109506000134352\x1d302\x1d39329781999");
        assert_eq!(
            g.get("3932").unwrap().value,
            Value::Money {
                currency: "978".into(),
                units: 1999,
                scale: 2
            }
        );
        // Country of origin and expiry date with time.
        let g = gs1("]C10109506000134352422276\x1d70032703311530");
        assert_eq!(g.get("422").unwrap().raw, "276");
        assert!(matches!(g.get("7003").unwrap().value, Value::DateTime(_)));
        // Piece of total (ITIP).
        assert_eq!(
            gs1("]C18006095060001343520102\x1d21X")
                .get("8006")
                .unwrap()
                .raw,
            "095060001343520102"
        );
    }

    #[test]
    fn digital_link_qr() {
        let g = gs1(
            "https://id.gs1.org/01/09506000134352/10/ABC%2F1/21/XYZ?17=271231&linkType=gs1:pip",
        );
        assert_eq!(g.form, Gs1Form::DigitalLink);
        assert_eq!(g.gtin(), Some("09506000134352"));
        assert_eq!(g.batch(), Some("ABC/1"));
        assert_eq!(g.serial(), Some("XYZ"));
        assert_eq!(g.expiry(), Some(date(2027, 12, 31)));
        // Any domain, a path prefix, an unpadded GTIN-13, QR symbology id.
        let g = gs1("]Q1HTTPS://parts.example.com/qr/v1/01/9506000134352/21/S1?3103=000125");
        assert_eq!(g.gtin(), Some("09506000134352"));
        assert_eq!(g.symbology.as_deref(), Some("]Q1"));
        assert_eq!(g.serial(), Some("S1"));
        let g = gs1("]Q3https://id.gs1.org/01/09506000134352");
        assert_eq!(
            (g.form, g.gtin()),
            (Gs1Form::DigitalLink, Some("09506000134352"))
        );
        // Wrong qualifier order and a bad check digit.
        let e = refused("https://id.gs1.org/01/09506000134352/21/XYZ/10/ABC");
        assert_eq!(e.code, ScanErrorCode::DigitalLink);
        assert_eq!(e.position, 44);
        let e = refused("https://id.gs1.org/01/09506000134357");
        assert_eq!(e.code, ScanErrorCode::CheckDigit);
        // A web link that is not a Digital Link is a plain code.
        assert_eq!(
            classify("https://example.com/manual.pdf", &config()),
            Ok(Scan::Plain("https://example.com/manual.pdf".into()))
        );
    }

    #[test]
    fn digikey_format_06_label() {
        let label = "[)>\x1e06\x1dPCUST-123\x1d1P296-1234-1-ND\x1d30P296-1234-1-ND\x1dK\x1d1K12345678\
                 \x1d10K23456789\x1d9D2412\x1d1TLOT123\x1d11K1\x1d4LCN\x1dQ250\x1d11ZPICK\
                 \x1d12Z1234567\x1d13Z123456\x1d20Z0000\x1e\x04";
        let Ok(Scan::Supplier(s)) = classify(label, &config()) else {
            panic!("not a supplier label");
        };
        assert_eq!(s.format, "06");
        assert_eq!(s.customer_part(), Some("CUST-123"));
        assert_eq!(s.supplier_part(), Some("296-1234-1-ND"));
        assert_eq!(s.quantity(), Some(250));
        assert_eq!(s.lot(), Some("LOT123"));
        assert_eq!(s.country_of_origin(), Some("CN"));
        assert_eq!(s.purchase_order(), Some(""));
        assert_eq!(s.date_code(), Some("2412"));
        assert_eq!(
            s.get("9D").unwrap().value,
            DiValue::DateCode {
                year: 2024,
                week: 12
            }
        );
        assert_eq!(s.get("1P").unwrap().name, "supplier part number");
        // Delivered by a wedge with substitutes.
        let wedge = ScanConfig {
            gs_substitute: Some('~'),
            rs_substitute: Some('^'),
            eot_substitute: Some('@'),
            ..config()
        };
        let sub = label
            .replace('\x1d', "~")
            .replace('\x1e', "^")
            .replace('\x04', "@");
        assert_eq!(classify(&sub, &wedge), Ok(Scan::Supplier(s.clone())));
        // Control pictures, as pasted from a scanner test tool.
        let pics = label
            .replace('\x1d', "\u{241d}")
            .replace('\x1e', "\u{241e}")
            .replace('\x04', "\u{2404}");
        assert_eq!(classify(&pics, &config()), Ok(Scan::Supplier(s)));
        // Separators dropped altogether; bad quantity.
        let e = refused("[)>06PCUST-1231P296-1234");
        assert_eq!(e.code, ScanErrorCode::SupplierFormat);
        assert!(e.message.contains("separators"));
        let e = refused("[)>\x1e06\x1dQ12X\x1e\x04");
        assert_eq!((e.code, e.position), (ScanErrorCode::SupplierFormat, 8));
    }

    #[test]
    fn hibc_labels() {
        let primary = "+A123BJC5D6E71G";
        let Ok(Scan::Hibc(h)) = classify(primary, &config()) else {
            panic!()
        };
        assert_eq!(h.form, HibcForm::Primary);
        assert_eq!(h.lic.as_deref(), Some("A123"));
        assert_eq!(h.product.as_deref(), Some("BJC5D6E7"));
        assert_eq!(h.unit_of_measure, Some(1));
        assert_eq!(h.check, 'G');

        // Secondary with link character G (the primary's check character).
        let sec = format!(
            "+$$52001510X3G{}",
            hibc_check_character(b"+$$52001510X3G").unwrap()
        );
        assert_eq!(sec, "+$$52001510X3GD");
        let Ok(Scan::Hibc(h)) = classify(&sec, &config()) else {
            panic!()
        };
        assert_eq!(h.form, HibcForm::Secondary);
        assert_eq!(h.link, Some('G'));
        assert_eq!(h.expiry, Some(date(2020, 1, 15)));
        assert_eq!(h.lot.as_deref(), Some("10X3"));

        // Combined, with quantity and MMYY expiry, and with serial.
        let Ok(Scan::Hibc(h)) = classify("+A123BJC5D6E71/$$52001510X3C", &config()) else {
            panic!()
        };
        assert_eq!(h.form, HibcForm::Combined);
        assert_eq!(h.product.as_deref(), Some("BJC5D6E7"));
        assert_eq!(h.lot.as_deref(), Some("10X3"));
        let with = |body: &str| format!("{body}{}", hibc_check_character(body.as_bytes()).unwrap());
        let Ok(Scan::Hibc(h)) = classify(with("+A99912345/$$8050825LOT123"), &config()) else {
            panic!()
        };
        assert_eq!(h.quantity, Some(5));
        assert_eq!(h.expiry, Some(date(2025, 8, 31)));
        assert_eq!(h.lot.as_deref(), Some("LOT123"));
        let Ok(Scan::Hibc(h)) = classify(with("+A99912345/$$+3251231SN42/16D20240115"), &config())
        else {
            panic!()
        };
        assert_eq!(h.serial.as_deref(), Some("SN42"));
        assert_eq!(h.expiry, Some(date(2025, 12, 31)));
        assert_eq!(h.manufactured, Some(date(2024, 1, 15)));

        // Refusals: check character, 13th month.
        let e = refused("+A123BJC5D6E71H");
        assert_eq!(
            (e.code, e.position),
            (ScanErrorCode::HibcCheckCharacter, 14)
        );
        assert!(e.message.contains("should be 'G'"));
        let e = refused(&with("+A99912345/$$3251331LOT"));
        assert_eq!(e.code, ScanErrorCode::InvalidDate);
    }

    #[test]
    fn site_labels_and_plain_codes() {
        let site = |s: &str| match classify(s, &config()) {
            Ok(Scan::Site(l)) => (l.kind, l.value),
            other => panic!("{s}: {other:?}"),
        };
        assert_eq!(site("WO:4711"), (SiteLabelKind::WorkOrder, "4711".into()));
        assert_eq!(site("bin:A-01-02"), (SiteLabelKind::Bin, "A-01-02".into()));
        assert_eq!(
            site("AST: PUMP-7 "),
            (SiteLabelKind::Asset, "PUMP-7".into())
        );
        assert_eq!(site("USR:jdoe"), (SiteLabelKind::User, "jdoe".into()));
        assert_eq!(
            site("]Q1DOC:GR-2024-17"),
            (SiteLabelKind::Document, "GR-2024-17".into())
        );
        assert_eq!(refused("WO:").code, ScanErrorCode::SiteLabel);
        let mut custom = config();
        custom.prefixes.bin = "LOC-".into();
        assert_eq!(
            classify("LOC-12", &custom),
            Ok(Scan::Site(sparescan_core::scan::SiteLabel {
                kind: SiteLabelKind::Bin,
                value: "12".into()
            }))
        );
        let printed = encode_site_label(SiteLabelKind::Bin, "A-01-02", &config().prefixes).unwrap();
        assert_eq!(printed, "BIN:A-01-02");
        assert!(encode_site_label(SiteLabelKind::Bin, "", &config().prefixes).is_err());

        for plain in ["4006381333931", "ABC-123", "10-4456-A", "3103000125"] {
            assert_eq!(
                classify(plain, &config()),
                Ok(Scan::Plain(plain.into())),
                "{plain}"
            );
        }
        let g = gs1("]E04006381333931");
        assert_eq!((g.form, g.gtin()), (Gs1Form::Ean, Some("04006381333931")));
        assert_eq!(refused("]E04006381333932").code, ScanErrorCode::CheckDigit);
    }

    #[test]
    fn refusals_say_what_and_where() {
        let e = refused("]d20109506000134357");
        assert_eq!((e.code, e.position), (ScanErrorCode::CheckDigit, 18));
        assert_eq!(
            e.message,
            "AI (01): check digit is 7, should be 2 — rescan or type the code"
        );
        let e = refused("]d2010950600013435217251301");
        assert_eq!((e.code, e.position), (ScanErrorCode::InvalidDate, 23));
        assert!(e.message.contains("month 13"), "{}", e.message);
        let e = refused("]d2010950600013435217250230");
        assert_eq!((e.code, e.position), (ScanErrorCode::InvalidDate, 25));
        assert!(e.message.contains("day 30 does not exist in February 2025"));
        let e = refused("]d221SER123");
        assert_eq!((e.code, e.position), (ScanErrorCode::MissingRequiredAi, 3));
        assert!(e.message.contains("(01)"), "{}", e.message);
        let e = refused("]d20109506000134352021061414100001937010");
        assert_eq!(e.code, ScanErrorCode::ExcludedAiPair);
        let e = refused("]d2010950600013435210AB#C");
        assert_eq!((e.code, e.position), (ScanErrorCode::InvalidCharacter, 23));
        let e = refused("]d201095060001343522399");
        assert_eq!((e.code, e.position), (ScanErrorCode::UnknownAi, 19));
        let e = refused("]d2010950600013435");
        assert_eq!((e.code, e.position), (ScanErrorCode::Truncated, 18));
        let e = refused("]d201095060001343521725\x1d");
        assert_eq!(e.code, ScanErrorCode::Truncated);
        let e = refused("]d20109506000134352\x1d10A\x1d10B");
        assert_eq!(e.code, ScanErrorCode::DuplicateAi);
        let e = refused("(01)09506000134352(10)");
        assert_eq!(e.code, ScanErrorCode::Truncated);
        let e = classify(b"]d2\xff\xfe", &config()).unwrap_err();
        assert_eq!((e.code, e.position), (ScanErrorCode::InvalidEncoding, 3));
        assert_eq!(refused("  \r\n").code, ScanErrorCode::Empty);
    }

    #[test]
    fn encoder_uses_minimal_separators() {
        let s = encode_gs1_at(
            &[
                ("10", "BM24-0815"),
                ("21", "SN0012345"),
                ("01", "09506000134352"),
                ("17", "271231"),
            ],
            2026,
        )
        .unwrap();
        assert_eq!(
            s,
            "010950600013435217271231".to_string() + "10BM24-0815\x1d21SN0012345"
        );
        assert_eq!(gs1(&format!("]d2{s}")).elements, gs1(BATTERY).elements);
        let b = encode_gs1_bracketed(&[("01", "09506000134352"), ("10", "A(1)")]).unwrap();
        assert_eq!(b, "(01)09506000134352(10)A\\(1)");
        assert_eq!(gs1(&b).batch(), Some("A(1)"));
        assert!(encode_gs1_at(&[("21", "X")], 2026).is_err());
        assert!(encode_gs1_at(&[("01", "09506000134353")], 2026).is_err());
    }
}
