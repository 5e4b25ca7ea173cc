use super::*;
use crate::reports::testkit::{Kit, pick, q};

fn line<'r>(r: &'r Consumption, wo: &str, line: &str) -> &'r LineConsumption {
    r.orders
        .iter()
        .find(|o| o.work_order.as_str() == wo)
        .and_then(|o| o.lines.iter().find(|l| l.line.as_str() == line))
        .unwrap_or_else(|| panic!("{wo} {line} in the report"))
}

fn csv_rows(text: &str) -> Vec<csv::StringRecord> {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    r.records().map(|x| x.expect("a CSV record")).collect()
}

#[test]
fn consumption_drills_down_to_document_and_serial() {
    let kit = Kit::seeded();
    let r = consumption(&kit.ledger, &kit.docs(), &Params::default());
    let orders: Vec<&str> = r.orders.iter().map(|o| o.work_order.as_str()).collect();
    assert_eq!(orders, ["WO-1003", "WO-1005"], "orders with movements");

    let battery = line(&r, "WO-1003", "WO-1003-L1");
    assert_eq!((battery.planned, battery.issued), (q(1), q(1)));
    assert_eq!(battery.movements.len(), 1);
    let m = &battery.movements[0];
    assert_eq!(m.kind, DocKind::Issue);
    assert_eq!(m.serials, vec![SerialNo::from("BM-0101")]);
    assert_eq!(m.holder.as_ref().map(UserId::as_str), Some("tech-1"));
    assert_eq!(m.bin.as_ref().map(BinId::as_str), Some("A-01"));
    // A planned line with nothing issued is still shown.
    let zip = line(&r, "WO-1003", "WO-1003-L3");
    assert_eq!((zip.planned, zip.issued), (q(20), Qty::ZERO));

    let ctrl = line(&r, "WO-1005", "WO-1005-L1");
    assert_eq!((ctrl.issued, ctrl.written_off), (q(1), q(1)));
    let w = &ctrl.movements[1];
    assert_eq!(w.kind, DocKind::WriteOff);
    assert_eq!(w.serials, vec![SerialNo::from("PC-NEW-1")]);
    assert_eq!(w.removed[0].serial.as_str(), "PC-OLD-1");
    let term = line(&r, "WO-1005", "WO-1005-L2");
    assert_eq!(
        (term.issued, term.written_off, term.net_issued),
        (q(4), q(2), q(4))
    );
}

/// A substitution is a replacement with a reason (issue 16, item 11): the
/// report shows the line's item, the substitute, the reason and who
/// approved it, in JSON and CSV.
#[test]
fn a_substitution_shows_the_line_item_the_substitute_the_reason_and_the_approver() {
    let mut kit = Kit::seeded();
    let mut sub = kit.doc(
        "clerk-1",
        Some("WO-1004"),
        Some("WO-1004-L1"),
        Body::SubstitutionIssue {
            pick: pick("FAN-120-B", "A-02", 1, &["FANB-1"]),
            holder: Some("tech-1".into()),
            approval: None,
        },
    );
    sub.reason = Some("FAN-120 failed its test on the bench".into());
    sub.approver = Some("eng-1".into());
    kit.ok(sub);
    let r = consumption(&kit.ledger, &kit.docs(), &Params::default());
    let fan = line(&r, "WO-1004", "WO-1004-L1");
    assert_eq!(fan.item.as_str(), "FAN-120");
    let m = &fan.movements[0];
    assert_eq!(
        (
            m.kind,
            m.item.as_str(),
            m.reason.as_deref(),
            m.approver.as_ref().map(UserId::as_str)
        ),
        (
            DocKind::SubstitutionIssue,
            "FAN-120-B",
            Some("FAN-120 failed its test on the bench"),
            Some("eng-1")
        )
    );
    let text = r.csv().expect("csv");
    let row = csv_rows(&text)
        .into_iter()
        .find(|row| row.iter().any(|c| c == "substitution_issue"))
        .expect("the substitution's row");
    let cell = |name: &str| {
        let at = ConsumptionRow::HEADER
            .iter()
            .position(|h| *h == name)
            .expect("column");
        row.get(at).unwrap_or_default().to_owned()
    };
    assert_eq!(
        [
            cell("line_item"),
            cell("item"),
            cell("reason"),
            cell("approver")
        ],
        [
            "FAN-120",
            "FAN-120-B",
            "FAN-120 failed its test on the bench",
            "eng-1"
        ]
    );
}

#[test]
fn csv_rows_sum_to_the_json_totals() {
    let kit = Kit::seeded();
    let r = consumption(&kit.ledger, &kit.docs(), &Params::default());
    let text = r.csv().expect("csv");
    let rows = csv_rows(&text);
    let col = |name: &str| {
        ConsumptionRow::HEADER
            .iter()
            .position(|h| *h == name)
            .expect("column")
    };
    let (line_c, serial_c, role_c, qty_c) =
        (col("line"), col("serial"), col("serial_role"), col("qty"));
    let sum = |line: &str, role: &str| -> Qty {
        rows.iter()
            .filter(|r| &r[line_c] == line && &r[role_c] == role)
            .map(|r| r[qty_c].parse::<Qty>().expect("qty"))
            .sum()
    };
    for o in &r.orders {
        for l in &o.lines {
            assert_eq!(sum(l.line.as_str(), "issued"), l.issued, "{}", l.line);
            assert_eq!(sum(l.line.as_str(), "installed"), l.written_off);
            assert_eq!(sum(l.line.as_str(), "returned"), l.returned);
        }
    }
    let serial_row = |s: &str| rows.iter().find(|r| &r[serial_c] == s);
    assert!(serial_row("BM-0101").is_some_and(|r| &r[role_c] == "issued" && &r[qty_c] == "1"));
    assert!(serial_row("PC-OLD-1").is_some_and(|r| &r[role_c] == "removed" && &r[qty_c] == "0"));
}

#[test]
fn filters_by_order_and_item() {
    let kit = Kit::seeded();
    let docs = kit.docs();
    let only = |p: Params| consumption(&kit.ledger, &docs, &p);
    let r = only(Params {
        wo: Some("WO-1005".into()),
        ..Params::default()
    });
    assert_eq!(r.orders.len(), 1);
    assert_eq!(r.orders[0].work_order.as_str(), "WO-1005");
    let r = only(Params {
        item: Some("TERM-6MM".into()),
        ..Params::default()
    });
    let lines: Vec<&str> = r
        .orders
        .iter()
        .flat_map(|o| o.lines.iter().map(|l| l.line.as_str()))
        .collect();
    assert_eq!(lines, ["WO-1003-L2", "WO-1005-L2"]);
    // A period before the seed has nothing; an order asked for is still
    // listed, with its plan.
    let r = only(Params {
        wo: Some("WO-1003".into()),
        to: chrono::NaiveDate::from_ymd_opt(2026, 3, 1),
        ..Params::default()
    });
    assert_eq!(r.orders.len(), 1);
    assert!(r.orders[0].lines.iter().all(|l| l.movements.is_empty()));
}

#[test]
fn returns_follow_their_issue_and_reversed_documents_do_not_count() {
    let mut kit = Kit::seeded();
    let term_issue = kit.find(DocKind::Issue, "\"qty\":\"4\"");
    let mut ret = kit.doc(
        "clerk-1",
        Some("WO-1005"),
        None,
        Body::Return {
            item: "TERM-6MM".into(),
            batch: None,
            serials: vec![],
            qty: q(2),
            condition: Condition::New,
            to_bin: "R-01".into(),
        },
    );
    ret.follows = Some(term_issue);
    kit.ok(ret);
    // The terminals issued to WO-1003 were a mistake: corrected.
    let wrong = kit.find(DocKind::Issue, "\"qty\":\"10\"");
    let mut fix = kit.doc("clerk-1", None, None, Body::Correction);
    fix.follows = Some(wrong);
    fix.reason = Some("issued to the wrong order".into());
    fix.approver = Some("sup-1".into());
    kit.ok(fix);

    let r = consumption(&kit.ledger, &kit.docs(), &Params::default());
    let term = line(&r, "WO-1005", "WO-1005-L2");
    assert_eq!((term.returned, term.net_issued), (q(2), q(2)));
    assert_eq!(term.movements[2].condition, Some(Condition::New));
    assert_eq!(term.movements[2].follows, Some(term_issue));
    let gone = line(&r, "WO-1003", "WO-1003-L2");
    assert!(gone.movements.is_empty(), "{gone:?}");
    assert_eq!(gone.issued, Qty::ZERO);
}

#[test]
fn emergency_issues_wait_without_order_until_linked() {
    let mut kit = Kit::seeded();
    let mut em = kit.doc(
        "clerk-1",
        None,
        None,
        Body::EmergencyIssue {
            pick: pick("ZIP-200", "A-01", 5, &[]),
            asset: Some("INV-UPS-01".into()),
            holder: Some("tech-1".into()),
        },
    );
    em.reason = Some("battery strap broke".into());
    em.approver = Some("sup-1".into());
    let em = kit.ok(em);
    let r = consumption(&kit.ledger, &kit.docs(), &Params::default());
    assert_eq!(r.without_order.len(), 1);
    assert_eq!(r.without_order[0].doc, em);
    let text = r.csv().expect("csv");
    assert!(
        text.lines()
            .any(|l| l.starts_with(",,,,,,") && l.contains("emergency_issue")),
        "{text}"
    );
    let asset_filtered = consumption(
        &kit.ledger,
        &kit.docs(),
        &Params {
            asset: Some("INV-PUMP-03".into()),
            ..Params::default()
        },
    );
    assert!(asset_filtered.without_order.is_empty());

    let link = kit.doc(
        "clerk-1",
        Some("WO-1003"),
        Some("WO-1003-L3"),
        Body::EmergencyLink { emergency: em },
    );
    kit.ok(link);
    let r = consumption(&kit.ledger, &kit.docs(), &Params::default());
    assert!(r.without_order.is_empty());
    let zip = line(&r, "WO-1003", "WO-1003-L3");
    assert_eq!(zip.issued, q(5));
    assert_eq!(zip.movements[0].kind, DocKind::EmergencyIssue);
}

fn order<'r>(r: &'r Deviations, wo: &str) -> Option<&'r OrderDeviation> {
    r.orders.iter().find(|o| o.work_order.as_str() == wo)
}

#[test]
fn deviations_are_issued_minus_planned() {
    let mut kit = Kit::seeded();
    let r = deviations(&kit.ledger, &Params::default());
    let listed: Vec<&str> = r.orders.iter().map(|o| o.work_order.as_str()).collect();
    // Created and approved orders cannot have issued anything yet; WO-1005
    // was issued exactly as planned.
    assert_eq!(
        listed,
        ["WO-1003", "WO-1004", "WO-1006", "WO-1007", "WO-1008"]
    );
    let wo3 = order(&r, "WO-1003").expect("WO-1003");
    assert_eq!(wo3.lines.len(), 1);
    assert_eq!(
        (wo3.lines_on_plan, wo3.lines_under, wo3.lines_over),
        (2, 1, 0)
    );
    assert_eq!(wo3.lines[0].deviation, -q(20));
    assert_eq!(wo3.lines[0].deviation_percent.as_deref(), Some("-100.0"));

    // Up to the tolerance on the plan, and beyond it by an additional issue.
    let more = kit_issue(&mut kit, "WO-1003-L3", 22);
    kit.ok(more);
    let mut add = kit.doc(
        "clerk-1",
        Some("WO-1003"),
        None,
        Body::AdditionalIssue {
            pick: pick("BRG-6204", "A-02", 3, &[]),
            new_line: "WO-1003-L9".into(),
            task: None,
            holder: Some("tech-1".into()),
            approval: None,
        },
    );
    add.reason = Some("bearings worn too".into());
    add.approver = Some("eng-1".into());
    kit.ok(add);
    let r = deviations(&kit.ledger, &Params::default());
    let wo3 = order(&r, "WO-1003").expect("WO-1003");
    let l3 = &wo3.lines[0];
    assert_eq!(
        (
            l3.line.as_str(),
            l3.deviation,
            l3.deviation_percent.as_deref()
        ),
        ("WO-1003-L3", q(2), Some("10.0"))
    );
    let l9 = &wo3.lines[1];
    assert!(l9.additional);
    assert_eq!(
        (l9.planned, l9.issued, l9.deviation),
        (Qty::ZERO, q(3), q(3))
    );
    assert_eq!(l9.deviation_percent, None);
    assert_eq!((wo3.lines_over, wo3.additional_lines), (2, 1));

    // all=true lists lines on plan too; the CSV has a row per listed line.
    let all = deviations(
        &kit.ledger,
        &Params {
            all: Some(true),
            ..Params::default()
        },
    );
    assert_eq!(order(&all, "WO-1003").map(|o| o.lines.len()), Some(4));
    let lines: usize = all.orders.iter().map(|o| o.lines.len()).sum();
    assert_eq!(csv_rows(&all.csv().expect("csv")).len(), lines);
    // An order asked for is listed even in a status that cannot deviate.
    let asked = deviations(
        &kit.ledger,
        &Params {
            wo: Some("WO-1001".into()),
            ..Params::default()
        },
    );
    assert_eq!(asked.orders.len(), 1);
}

fn kit_issue(kit: &mut Kit, line: &str, n: i64) -> sparescan_core::document::Document {
    let wo = line
        .rsplit_once('-')
        .map(|(w, _)| w.to_owned())
        .unwrap_or_default();
    kit.doc(
        "clerk-1",
        Some(&wo),
        Some(line),
        Body::Issue {
            pick: pick("ZIP-200", "A-01", n, &[]),
            holder: Some("tech-1".into()),
        },
    )
}
