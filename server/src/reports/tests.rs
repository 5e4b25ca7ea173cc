use super::testkit::{Kit, seed_time};
use super::*;

fn pairs<'a>(kind: ReportKind, p: &[(&'a str, &'a str)]) -> Result<(Params, Format), ReportError> {
    Params::from_pairs(kind, p.iter().copied())
}

#[test]
fn parameters_are_checked_against_the_report() {
    let (p, f) = pairs(
        ReportKind::Consumption,
        &[("wo", "WO-1003"), ("from", "2026-03-01"), ("format", "CSV")],
    )
    .expect("valid");
    assert_eq!(f, Format::Csv);
    assert_eq!(p.wo, Some("WO-1003".into()));
    assert_eq!(p.from, chrono::NaiveDate::from_ymd_opt(2026, 3, 1));
    let refuse = |kind, p: &[(&str, &str)]| match pairs(kind, p) {
        Err(ReportError::Params(m)) => m,
        other => panic!("accepted {p:?}: {other:?}"),
    };
    assert!(refuse(ReportKind::Consumption, &[("serial", "X")]).contains("does not take `serial`"));
    assert!(refuse(ReportKind::Consumption, &[("from", "1.3.2026")]).contains("2026-03-31"));
    assert!(
        refuse(
            ReportKind::Kpis,
            &[("from", "2026-03-02"), ("to", "2026-03-01")]
        )
        .contains("backwards")
    );
    assert!(refuse(ReportKind::Kpis, &[("format", "xml")]).contains("json or csv"));
    assert!(refuse(ReportKind::Kpis, &[("top", "0")]).contains("from 1 to 1000"));
    assert!(refuse(ReportKind::ToolsOut, &[("overdue", "maybe")]).contains("true or false"));
    assert!(refuse(ReportKind::InstalledBase, &[("asset", " ")]).contains("empty"));
}

#[test]
fn report_names_parse_with_dashes_or_underscores() {
    use clap::ValueEnum;
    assert_eq!(ReportKind::value_variants(), ReportKind::ALL);
    for k in ReportKind::ALL {
        let cli = k.to_possible_value().map(|v| v.get_name().to_owned());
        assert_eq!(
            cli.as_deref(),
            Some(k.name()),
            "the CLI spells it as the API"
        );
        assert_eq!(ReportKind::parse(k.name()).ok(), Some(k));
        assert_eq!(ReportKind::parse(&k.name().replace('-', "_")).ok(), Some(k));
    }
    assert!(
        matches!(ReportKind::parse("profit"), Err(ReportError::NotFound(m)) if m.contains("kpis"))
    );
}

#[test]
fn required_and_unknown_names_are_refused_before_any_work() {
    let kit = Kit::seeded();
    let check = |kind, p: Params| p.check(kind, &kit.ledger);
    assert!(matches!(
        check(ReportKind::SerialHistory, Params { item: Some("PUMP-CTRL".into()), ..Params::default() }),
        Err(ReportError::Params(m)) if m.contains("needs `serial`")
    ));
    assert!(matches!(
        check(ReportKind::AssetHistory, Params::default()),
        Err(ReportError::Params(m)) if m.contains("needs `asset`")
    ));
    assert!(matches!(
        check(ReportKind::Consumption, Params { wo: Some("WO-9".into()), ..Params::default() }),
        Err(ReportError::NotFound(m)) if m.contains("WO-9")
    ));
    assert!(check(ReportKind::Kpis, Params::default()).is_ok());
}

#[test]
fn every_report_renders_as_json_and_csv() {
    let kit = Kit::seeded();
    let docs = kit.docs();
    let site = SiteId::from("PLANT-1");
    for kind in ReportKind::ALL {
        let params = Params {
            item: (kind == ReportKind::SerialHistory).then(|| "PUMP-CTRL".into()),
            serial: (kind == ReportKind::SerialHistory).then(|| "PC-OLD-1".into()),
            asset: (kind == ReportKind::AssetHistory).then(|| "INV-PUMP-03".into()),
            ..Params::default()
        };
        params.check(kind, &kit.ledger).expect("valid params");
        let report = generate(&kit.ledger, &docs, seed_time(), kind, &params);
        assert_eq!(report.kind(), kind);
        let json: serde_json::Value =
            serde_json::from_str(&report.to_json(&site, &params, seed_time()).expect("json"))
                .expect("valid JSON");
        assert_eq!(json["report"], kind.name());
        assert_eq!(json["site"], "PLANT-1");
        let csv = report.to_csv().expect("csv");
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let width = reader.headers().expect("header").len();
        assert!(width >= 5, "{kind:?}: {csv}");
        for rec in reader.records() {
            assert_eq!(rec.expect("record").len(), width, "{kind:?}");
        }
    }
}
