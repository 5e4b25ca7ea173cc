//! Approval asked for later: a technician with no approver at hand asks;
//! an approver decides in the back office; the issue that follows cites
//! the approved request in place of a PIN, up to what was approved.

mod common;

use common::*;
use sparescan_core::document::*;
use sparescan_core::ids::DocId;
use sparescan_core::model::*;
use sparescan_core::reason::ReasonCode;
use sparescan_core::rules::approval;

fn ask(author: &str, what: ApprovalKind, item: &str, qty: i64) -> D {
    doc(
        author,
        Body::ApprovalRequest {
            what,
            item: item.into(),
            qty: q(qty),
        },
    )
}

fn decide(author: &str, request: DocId, approve: bool) -> D {
    doc(author, Body::ApprovalDecision { request, approve })
}

fn additional(p: Pick, new_line: &str, approval: DocId) -> Body {
    Body::AdditionalIssue {
        pick: p,
        new_line: new_line.into(),
        task: None,
        holder: None,
        approval: Some(approval),
    }
}

fn substitute(p: Pick, approval: DocId) -> Body {
    Body::SubstitutionIssue {
        pick: p,
        holder: None,
        approval: Some(approval),
    }
}

fn approval_of(book: &Book, id: DocId) -> Approval {
    book.ledger.approval(&id).expect("the request is kept")
}

/// Two cables more than planned, asked for by the technician; issued only
/// once an engineer approved, never beyond what was approved, and a
/// corrected issue gives its quantity back to the approval.
#[test]
fn an_additional_issue_waits_for_the_approval_then_draws_on_it() {
    let mut site = site();
    work_order(&mut site, "WO-CBL", CABINET)
        .line("L-CBL", CABLE, 2)
        .add();
    let mut book = Book::new(site);
    book.refuse(
        ask(TECH, ApprovalKind::Additional, CABLE, 2).wo("WO-CBL"),
        ReasonCode::ReasonRequired,
    );
    let request = book.accept(
        ask(TECH, ApprovalKind::Additional, CABLE, 2)
            .wo("WO-CBL")
            .reason("second power feed found during the job"),
    );
    assert_eq!(
        approval_of(&book, request).status(),
        ApprovalStatus::Waiting
    );
    let cite = |qty: i64, line: &str| {
        doc(CLERK, additional(pick(CABLE, SHELF2, qty), line, request))
            .wo("WO-CBL")
            .reason("second power feed found during the job")
    };
    // Not before it is decided.
    book.refuse(cite(1, "L-ADD-1"), ReasonCode::ApprovalNotGranted);

    // Deciding is an approver's; refusing takes a reason; once.
    book.refuse(
        decide(CLERK, request, true).wo("WO-CBL"),
        ReasonCode::RoleNotAllowed,
    );
    book.refuse(decide(ENGINEER, request, false), ReasonCode::ReasonRequired);
    book.refuse(
        decide(ENGINEER, DocId::new_v7(), true),
        ReasonCode::UnknownApproval,
    );
    book.accept(decide(ENGINEER, request, true).wo("WO-CBL"));
    let approved = approval_of(&book, request);
    assert_eq!(approved.status(), ApprovalStatus::Approved);
    assert_eq!(approved.left(), q(2));
    let again = book.refuse(
        decide(SUPERVISOR, request, false).reason("no"),
        ReasonCode::ApprovalDecided,
    );
    assert!(again.message.contains(ENGINEER), "{}", again.message);

    // Never another item, never beyond what is left.
    book.refuse(
        doc(
            CLERK,
            additional(pick(TERMINALS, SHELF, 1), "L-ADD-X", request),
        )
        .wo("WO-CBL")
        .reason("r"),
        ReasonCode::ApprovalMismatch,
    );
    book.refuse(cite(3, "L-ADD-1"), ReasonCode::ApprovalUsedUp);
    // The approval is the approver: naming another beside it is refused.
    book.refuse(
        cite(1, "L-ADD-1").approver(SUPERVISOR),
        ReasonCode::ApprovalMismatch,
    );
    book.accept(cite(1, "L-ADD-1"));
    let second = book.accept(cite(1, "L-ADD-2"));
    assert_eq!(approval_of(&book, request).left(), q(0));
    book.refuse(cite(1, "L-ADD-3"), ReasonCode::ApprovalUsedUp);
    let line = book.ledger.line(&"L-ADD-1".into()).expect("line created");
    assert!(line.additional);
    assert_eq!(book.counts("L-ADD-2").issued, q(1));

    // Undoing the second issue gives its cable back to the approval.
    book.accept(
        doc(SUPERVISOR, Body::Correction)
            .follows(second)
            .reason("issued twice by mistake")
            .approver(CONTROLLER),
    );
    assert_eq!(approval_of(&book, request).left(), q(1));
    book.accept(cite(1, "L-ADD-3"));
}

/// A substitute the plan does not list: only an engineer decides it, the
/// requester never approves their own, a refusal is final and says why,
/// and an approval holds for its own line only.
#[test]
fn a_substitute_is_decided_by_an_engineer_for_its_own_line() {
    let mut site = site();
    work_order(&mut site, "WO-F", CABINET)
        .line("L-FAN", FAN, 1)
        .add();
    work_order(&mut site, "WO-F2", CABINET)
        .line("L-FAN2", FAN, 1)
        .line("L-FAN3", FAN, 1)
        .add();
    let mut book = Book::new(site);
    book.refuse(
        ask(TECH, ApprovalKind::Substitution, FAN, 1)
            .on("WO-F2", "L-FAN2")
            .reason("r"),
        ReasonCode::SubstituteNotAllowed,
    );
    book.refuse(
        ask(TECH, ApprovalKind::Substitution, PUMP_CTRL, 1)
            .wo("WO-F2")
            .reason("r"),
        ReasonCode::LineRequired,
    );
    let refused = book.accept(
        ask(TECH, ApprovalKind::Substitution, PUMP_CTRL, 1)
            .on("WO-F2", "L-FAN2")
            .reason("FAN-120 and FAN-120-B out of stock"),
    );
    // A dispatcher approves additional issues, not substitutes.
    book.refuse(
        decide(DISPATCHER, refused, true),
        ReasonCode::ApproverNotAllowed,
    );
    book.accept(decide(ENGINEER, refused, false).reason("the controller does not fit the rack"));
    let no = book.refuse(
        doc(
            TECH,
            substitute(pick_serials(PUMP_CTRL, SHELF, &["PC-NEW-2"]), refused),
        )
        .on("WO-F2", "L-FAN2")
        .reason("r"),
        ReasonCode::ApprovalNotGranted,
    );
    assert!(no.message.contains("does not fit"), "{}", no.message);

    let asked = book.accept(
        ask(SUPERVISOR, ApprovalKind::Additional, CABLE, 1)
            .wo("WO-F2")
            .reason("r"),
    );
    book.refuse(
        decide(SUPERVISOR, asked, true),
        ReasonCode::ApproverIsAuthor,
    );

    let request = book.accept(
        ask(TECH, ApprovalKind::Substitution, PUMP_CTRL, 1)
            .on("WO-F2", "L-FAN2")
            .reason("rack fan bracket takes the controller's fan"),
    );
    book.accept(decide(ENGINEER, request, true));
    let found = approval::usable(
        &book.ledger,
        ApprovalKind::Substitution,
        &"WO-F2".into(),
        Some(&"L-FAN2".into()),
        &PUMP_CTRL.into(),
        q(1),
        &TECH.into(),
    )
    .expect("view");
    assert_eq!(found.map(|a| a.request), Some(request));
    let elsewhere = approval::usable(
        &book.ledger,
        ApprovalKind::Substitution,
        &"WO-F2".into(),
        Some(&"L-FAN3".into()),
        &PUMP_CTRL.into(),
        q(1),
        &TECH.into(),
    )
    .expect("view");
    assert_eq!(elsewhere, None);
    for (wo, line) in [("WO-F2", "L-FAN3"), ("WO-F", "L-FAN")] {
        book.refuse(
            doc(
                TECH,
                substitute(pick_serials(PUMP_CTRL, SHELF, &["PC-NEW-2"]), request),
            )
            .on(wo, line)
            .reason("r"),
            ReasonCode::ApprovalMismatch,
        );
    }
    book.accept(
        doc(
            TECH,
            substitute(pick_serials(PUMP_CTRL, SHELF, &["PC-NEW-2"]), request),
        )
        .on("WO-F2", "L-FAN2")
        .reason("rack fan bracket takes the controller's fan"),
    );
    assert_eq!(book.counts("L-FAN2").issued, q(1));
}

/// Deciding is the back office's: a device never pushes a decision.
#[test]
fn a_decision_never_comes_from_a_device() {
    let body = Body::ApprovalDecision {
        request: DocId::new_v7(),
        approve: true,
    };
    let refusal = sparescan_core::rules::roles::check_from_device(&body).expect_err("device");
    assert_eq!(refusal.code, ReasonCode::BackOfficeOnly);
    let ask = Body::ApprovalRequest {
        what: ApprovalKind::Additional,
        item: CABLE.into(),
        qty: q(1),
    };
    assert!(sparescan_core::rules::roles::check_from_device(&ask).is_ok());
}
