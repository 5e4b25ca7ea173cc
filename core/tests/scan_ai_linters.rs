//! Element strings exercising the dictionary's linters end to end.

// In a `scan` module so that `cargo test -p sparescan-core scan` selects it.
mod scan {
    use sparescan_core::scan::{Scan, ScanConfig, ScanErrorCode, Value, classify};

    fn config() -> ScanConfig {
        ScanConfig {
            reference_year: Some(2026),
            ..ScanConfig::default()
        }
    }

    fn accepts(input: &str) {
        match classify(input, &config()) {
            Ok(Scan::Gs1(_)) => {}
            other => panic!("{input:?}: {other:?}"),
        }
    }

    fn refuses(input: &str, code: ScanErrorCode) {
        match classify(input, &config()) {
            Err(e) => assert_eq!(e.code, code, "{input:?}: {e:?}"),
            other => panic!("{input:?}: {other:?}"),
        }
    }

    #[test]
    fn keys_and_check_characters() {
        // GMN with its alphanumeric check character pair (csumalpha).
        accepts("]d280131987654Ad4X4bL5ttr2310c2K");
        refuses(
            "]d280131987654Ad4X4bL5ttr2310cXK",
            ScanErrorCode::CheckDigit,
        );
        // GRAI: a leading zero (zero), a GS1 key (csum), optional serial.
        accepts("]d28003095060001343524711");
        refuses("]d28003195060001343524711", ScanErrorCode::InvalidValue);
        // GIAI must start with a company prefix (gcppos1).
        accepts("]d28004950600012345");
        refuses("]d28004AB12", ScanErrorCode::InvalidValue);
        // GLN (414) and its extension (254).
        accepts("]d24149506000134352\x1d254X1");
        // MUDI carries a check character pair too.
        refuses(
            "]d20109506000134352\x1d80141234567890128",
            ScanErrorCode::CheckDigit,
        );
    }

    #[test]
    fn codes_and_flags() {
        accepts("]d20010614141123456789743211");
        refuses("]d20010614141123456789743212", ScanErrorCode::InvalidValue); // yesno
        accepts("]d2001061414112345678974307DE");
        refuses("]d2001061414112345678974307XX", ScanErrorCode::InvalidValue); // iso3166alpha2
        refuses(
            "]d20109506000134352\x1d302\x1d3932000100",
            ScanErrorCode::InvalidValue,
        ); // iso4217
        // Dimensions: nonzero parts and winding direction 0, 1 or 9.
        accepts("]d20109506000134352800102500120000511");
        refuses(
            "]d20109506000134352800102500120000521",
            ScanErrorCode::InvalidValue,
        );
        refuses(
            "]d20109506000134352800100000120000511",
            ScanErrorCode::InvalidValue,
        );
        // Ship-to geolocation: latitude ≤ 180°, longitude ≤ 360° (offset).
        accepts("]d200106141411234567897430918000000003600000000");
        refuses(
            "]d200106141411234567897430918000000013600000000",
            ScanErrorCode::InvalidValue,
        );
        // Percent-encoded name.
        accepts("]d200106141411234567897430138Rue%20Dupont");
        refuses(
            "]d200106141411234567897430138Rue%2GDupont",
            ScanErrorCode::InvalidValue,
        );
        // Piece of total in ITIP.
        refuses("]d28006095060001343520302", ScanErrorCode::InvalidValue);
    }

    #[test]
    fn dates_and_times() {
        // Expiry time: YYMMDD (no day 00) and HHMI.
        accepts("]d2010950600013435270032712312359");
        refuses(
            "]d2010950600013435270032712002359",
            ScanErrorCode::InvalidDate,
        );
        refuses(
            "]d2010950600013435270032712312400",
            ScanErrorCode::InvalidTime,
        );
        // Production time with optional minutes and seconds.
        accepts("]d20109506000134352800827123123");
        accepts("]d2010950600013435280082712312359");
        refuses(
            "]d20109506000134352800827123123596",
            ScanErrorCode::Truncated,
        );
        // Harvest date range.
        let Ok(Scan::Gs1(g)) = classify("]d201095060001343527007270101270131", &config()) else {
            panic!()
        };
        assert!(matches!(
            g.get("7007").unwrap().value,
            Value::DateRange { .. }
        ));
        // 29 February only in leap years.
        accepts("]d2010950600013435217280229");
        refuses("]d2010950600013435217270229", ScanErrorCode::InvalidDate);
    }

    #[test]
    fn character_sets() {
        // CSET 39 (CPID) has no lower case.
        accepts("]d280101234AB-12/3#\x1d80111");
        refuses("]d280101234ab\x1d80111", ScanErrorCode::InvalidCharacter);
        // base64url digital signature.
        accepts("]d2001061414112345678978030AZaz09-_==");
        refuses(
            "]d2001061414112345678978030AZ+/",
            ScanErrorCode::InvalidCharacter,
        );
    }
}
