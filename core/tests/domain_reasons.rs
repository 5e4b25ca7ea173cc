//! The site's reasons (issue 16, item 8): where a site has reasons of a
//! kind, each movement of that kind names one of them; free text beside
//! it where the reason asks; a removed unit under warranty takes a
//! warranty replacement reason.

mod common;

use common::*;
use sparescan_core::document::*;
use sparescan_core::model::*;
use sparescan_core::reason::ReasonCode;
use sparescan_core::rules::reasons::kind_for;

fn reason(code: &str, kind: ReasonKind, free_text: bool) -> SiteReason {
    SiteReason {
        code: code.into(),
        kind,
        text_en: format!("{code} in English"),
        text_ru: format!("{code} по-русски"),
        free_text,
        active: true,
    }
}

fn with_code(d: D, code: &str) -> D {
    let mut doc = d.build();
    doc.reason_code = Some(code.into());
    D(doc)
}

/// The UPS module job on a site with reasons for write-offs, returns,
/// defects and warranty replacements; the removed module is under
/// warranty until the end of next year.
fn site_with_reasons() -> Book {
    let mut site = site();
    site.reasons = vec![
        reason("USED", ReasonKind::WriteOff, false),
        reason("LEFT-OVER", ReasonKind::Return, false),
        reason("WORN", ReasonKind::Defect, false),
        reason("OTHER", ReasonKind::Defect, true),
        reason("WARRANTY", ReasonKind::WarrantyReplacement, false),
        SiteReason {
            active: false,
            ..reason("OLD", ReasonKind::WriteOff, false)
        },
    ];
    site.warranties = vec![(
        SerialKey {
            item: BATTERY.into(),
            serial: "BM-0001".into(),
        },
        chrono::NaiveDate::from_ymd_opt(2099, 12, 31).expect("day"),
    )];
    work_order(&mut site, "WO-UPS", UPS)
        .line("L-BATT", BATTERY, 1)
        .line("L-TERM", TERMINALS, 10)
        .add();
    Book::new(site)
}

#[test]
fn a_site_with_reasons_asks_for_one_of_them() {
    let mut book = site_with_reasons();
    book.accept(
        doc(
            CLERK,
            Body::Issue {
                pick: pick_serials(BATTERY, SHELF, &["BM-0101"]),
                holder: Some(TECH.into()),
            },
        )
        .on("WO-UPS", "L-BATT"),
    );
    let terminals =
        book.accept(doc(CLERK, issue(pick(TERMINALS, SHELF, 10))).on("WO-UPS", "L-TERM"));
    // An issue takes no reason code.
    book.refuse(
        with_code(
            doc(CLERK, issue(pick(TERMINALS, SHELF, 1))).on("WO-UPS", "L-TERM"),
            "USED",
        ),
        ReasonCode::ReasonCodeInvalid,
    );

    let module = || Body::WriteOff {
        item: BATTERY.into(),
        batch: None,
        qty: q(1),
        installed: vec!["BM-0101".into()],
        position: None,
        removed: vec![RemovedUnit {
            item: BATTERY.into(),
            serial: "BM-0001".into(),
        }],
    };
    // Without a reason, with another kind's, with a withdrawn one, with
    // one the site does not have: each refused, saying why.
    let none = book.refuse(
        doc(TECH, module()).on("WO-UPS", "L-BATT"),
        ReasonCode::ReasonCodeRequired,
    );
    assert!(none.message.contains("write-off"), "{}", none.message);
    let wrong = book.refuse(
        with_code(doc(TECH, module()).on("WO-UPS", "L-BATT"), "WORN"),
        ReasonCode::ReasonCodeInvalid,
    );
    assert!(wrong.message.contains("defect"), "{}", wrong.message);
    book.refuse(
        with_code(doc(TECH, module()).on("WO-UPS", "L-BATT"), "OLD"),
        ReasonCode::ReasonCodeInvalid,
    );
    book.refuse(
        with_code(doc(TECH, module()).on("WO-UPS", "L-BATT"), "NOPE"),
        ReasonCode::ReasonCodeInvalid,
    );
    book.accept(with_code(
        doc(TECH, module()).on("WO-UPS", "L-BATT").at(10),
        "USED",
    ));
    book.accept(with_code(
        doc(TECH, write_off(TERMINALS, 6, &[]))
            .on("WO-UPS", "L-TERM")
            .at(11),
        "USED",
    ));
    // Left-overs back with a return reason.
    let back = || {
        doc(CLERK, ret(TERMINALS, 4, Condition::New, SHELF))
            .wo("WO-UPS")
            .follows(terminals)
            .at(20)
    };
    book.refuse(back(), ReasonCode::ReasonCodeRequired);
    book.accept(with_code(back(), "LEFT-OVER"));

    // The removed module is under warranty: a defect reason is refused,
    // the warranty replacement taken.
    let removed = || {
        doc(
            CLERK,
            Body::RemovedUnitReturn {
                item: BATTERY.into(),
                serial: "BM-0001".into(),
                condition: Condition::UnderInspection,
                to_bin: QUARANTINE.into(),
            },
        )
        .wo("WO-UPS")
        .at(30)
    };
    assert_eq!(
        kind_for(&book.ledger, &removed().build()).expect("view"),
        Some(ReasonKind::WarrantyReplacement)
    );
    let defect = book.refuse(with_code(removed(), "WORN"), ReasonCode::ReasonCodeInvalid);
    assert!(
        defect.message.contains("under warranty"),
        "{}",
        defect.message
    );
    book.accept(with_code(removed(), "WARRANTY"));
}

#[test]
fn a_reason_that_asks_for_words_needs_them_and_out_of_warranty_is_a_defect() {
    // PC-OLD-1 has no warranty: its removal takes a defect reason.
    let mut site = site();
    site.reasons = vec![
        reason("OTHER", ReasonKind::Defect, true),
        reason("WARRANTY", ReasonKind::WarrantyReplacement, false),
        reason("USED", ReasonKind::WriteOff, false),
    ];
    work_order(&mut site, "WO-P", PUMP)
        .line("L-CTRL", PUMP_CTRL, 1)
        .add();
    let mut book = Book::new(site);
    book.accept(
        doc(
            CLERK,
            Body::Issue {
                pick: pick_serials(PUMP_CTRL, SHELF, &["PC-NEW-1"]),
                holder: Some(TECH.into()),
            },
        )
        .on("WO-P", "L-CTRL"),
    );
    book.accept(with_code(
        doc(
            TECH,
            Body::WriteOff {
                item: PUMP_CTRL.into(),
                batch: None,
                qty: q(1),
                installed: vec!["PC-NEW-1".into()],
                position: None,
                removed: vec![RemovedUnit {
                    item: PUMP_CTRL.into(),
                    serial: "PC-OLD-1".into(),
                }],
            },
        )
        .on("WO-P", "L-CTRL")
        .at(5),
        "USED",
    ));
    let removed = || {
        doc(
            CLERK,
            Body::RemovedUnitReturn {
                item: PUMP_CTRL.into(),
                serial: "PC-OLD-1".into(),
                condition: Condition::Rejected,
                to_bin: REJECTED.into(),
            },
        )
        .wo("WO-P")
        .at(10)
    };
    let not_under = book.refuse(
        with_code(removed(), "WARRANTY"),
        ReasonCode::ReasonCodeInvalid,
    );
    assert!(
        not_under.message.contains("not under warranty"),
        "{}",
        not_under.message
    );
    book.refuse(with_code(removed(), "OTHER"), ReasonCode::ReasonRequired);
    book.accept(with_code(removed().reason("connector burnt"), "OTHER"));
}

/// A site without reasons keeps free text where the rules ask for a
/// reason, and a code where it has none of that kind is refused.
#[test]
fn a_site_without_reasons_keeps_free_text() {
    let mut site = site();
    site.reasons = vec![reason("USED", ReasonKind::WriteOff, false)];
    work_order(&mut site, "WO-F", CABINET)
        .line("L-FAN", FAN, 1)
        .add();
    let mut book = Book::new(site);
    let sub = || {
        doc(
            CLERK,
            Body::SubstitutionIssue {
                pick: pick_serials(FAN_ALT, SHELF2, &["FANB-1"]),
                holder: None,
                approval: None,
            },
        )
        .on("WO-F", "L-FAN")
    };
    book.refuse(sub(), ReasonCode::ReasonRequired);
    book.refuse(with_code(sub(), "USED"), ReasonCode::ReasonCodeInvalid);
    book.accept(sub().reason("FAN-120 out of stock"));
}
