use super::*;
use crate::demo;
use crate::reports::ReportKind;
use crate::reports::testkit::{Kit, pick, q};
use sparescan_core::document::{Body, Pick, Transition};

/// Two orders planned from the demo's AHU service template (filters 1–2,
/// grease 1, a bearing when worn), in progress, each with the template's
/// lines.
fn kit() -> Kit {
    let mut master = demo::site();
    let t = master
        .templates
        .iter()
        .find(|t| t.id.as_str() == "PM-AHU-Q")
        .cloned()
        .expect("the demo's template");
    for wo in ["WO-T1", "WO-T2"] {
        master.work_orders.push(WorkOrder {
            id: wo.into(),
            site: demo::SITE.into(),
            asset: "INV-AHU-02".into(),
            scope: t.scope.clone(),
            performer: Some("tech-1".into()),
            created_by: "disp-1".into(),
            approved_by: Some("eng-1".into()),
            planned_start: None,
            planned_end: None,
            tasks: t.tasks.clone(),
            state: WoState::new(WoStatus::InProgress),
            cost_account: None,
            request: None,
            template: Some(t.id.clone()),
            plan_changes: Vec::new(),
        });
        for (n, l) in t.lines.iter().enumerate() {
            master.lines.push(DemandLine {
                id: format!("{wo}-L{}", n + 1).into(),
                work_order: wo.into(),
                task: l.task.clone(),
                item: l.item.clone(),
                planned: l.planned,
                unit: "pcs".into(),
                mandatory: l.mandatory,
                substitutes: l.substitutes.clone(),
                tolerance_percent: None,
                requested_by: "disp-1".into(),
                additional: false,
                cost_account: None,
                planned_max: l.planned_max,
                clarified: None,
                approved: None,
            });
        }
    }
    Kit::seeded_with(master)
}

fn batch_pick(item: &str, bin: &str, batch: &str, n: i64) -> Pick {
    Pick {
        batch: Some(batch.into()),
        ..pick(item, bin, n, &[])
    }
}

/// Issues `pick` on `line` and writes it all off.
fn consume(kit: &mut Kit, wo: &str, line: &str, pick: Pick) {
    let (item, batch, qty) = (pick.item.clone(), pick.batch.clone(), pick.qty);
    let issue = kit.doc(
        "tech-1",
        Some(wo),
        Some(line),
        Body::Issue { pick, holder: None },
    );
    kit.ok(issue);
    let write_off = kit.doc(
        "tech-1",
        Some(wo),
        Some(line),
        Body::WriteOff {
            item,
            batch,
            qty,
            installed: vec![],
            position: None,
            removed: vec![],
        },
    );
    kit.ok(write_off);
}

fn complete(kit: &mut Kit, wo: &str) {
    let d = kit.doc(
        "sup-1",
        Some(wo),
        None,
        Body::WoStatusChange {
            transition: Transition::Complete,
        },
    );
    kit.ok(d);
}

fn item<'r>(r: &'r TemplateConsumption, item: &str) -> &'r StandardUse {
    r.templates[0]
        .items
        .iter()
        .find(|s| s.item.as_str() == item)
        .unwrap_or_else(|| panic!("{item} in {r:#?}"))
}

#[test]
fn orders_from_a_template_are_set_against_its_standards() {
    let mut kit = kit();
    // WO-T1 as the standard says: two filters (the range's most), grease;
    // no bearing (not mandatory).
    consume(
        &mut kit,
        "WO-T1",
        "WO-T1-L1",
        batch_pick("FLT-AIR-500", "A-02", "F-77", 2),
    );
    consume(
        &mut kit,
        "WO-T1",
        "WO-T1-L2",
        batch_pick("GREASE-EP2", "A-03", "G-2611", 1),
    );
    complete(&mut kit, "WO-T1");
    // WO-T2: one filter, no grease (below), and zip ties nobody planned.
    consume(
        &mut kit,
        "WO-T2",
        "WO-T2-L1",
        batch_pick("FLT-AIR-500", "N-01", "F-77", 1),
    );
    let mut add = kit.doc(
        "tech-1",
        Some("WO-T2"),
        None,
        Body::AdditionalIssue {
            pick: pick("ZIP-200", "A-01", 3, &[]),
            new_line: "WO-T2-L9".into(),
            task: None,
            holder: None,
            approval: None,
        },
    );
    add.reason = Some("loose duct cable".into());
    add.approver = Some("eng-1".into());
    kit.ok(add);
    consume_written(&mut kit, "WO-T2", "WO-T2-L9", "ZIP-200", 3);

    // Before WO-T2 is complete it is counted at work, not compared.
    let r = template_consumption(&kit.ledger, &Params::default());
    assert_eq!(r.templates.len(), 1, "{r:#?}");
    assert_eq!(
        (r.templates[0].orders, r.templates[0].orders_at_work),
        (1, 1)
    );

    complete(&mut kit, "WO-T2");
    let r = template_consumption(&kit.ledger, &Params::default());
    let t = &r.templates[0];
    assert_eq!((t.orders, t.orders_at_work), (2, 0));

    let filters = item(&r, "FLT-AIR-500");
    assert_eq!((filters.standard_min, filters.standard_max), (q(1), q(2)));
    assert_eq!(filters.actual_total, q(3));
    assert_eq!((filters.below, filters.within, filters.above), (0, 2, 0));
    assert_eq!(filters.within_percent.as_deref(), Some("100.0"));

    let grease = item(&r, "GREASE-EP2");
    assert_eq!((grease.below, grease.within, grease.above), (1, 1, 0));
    assert_eq!(grease.within_percent.as_deref(), Some("50.0"));
    let t2 = grease
        .work_orders
        .iter()
        .find(|o| o.work_order.as_str() == "WO-T2")
        .expect("WO-T2");
    assert_eq!((t2.actual, t2.conformity), (q(0), Conformity::Below));

    // The bearing may be left out: 0 is within 0–1.
    let bearing = item(&r, "BRG-6204");
    assert_eq!((bearing.standard_min, bearing.standard_max), (q(0), q(1)));
    assert_eq!(bearing.within, 2);

    let zips = item(&r, "ZIP-200");
    assert!(!zips.in_template);
    assert_eq!((zips.below, zips.within, zips.above), (0, 1, 1));
    assert_eq!(zips.actual_total, q(3));

    // CSV: a row per template, item and order.
    let csv = r.csv().expect("csv");
    assert_eq!(csv.lines().count(), 1 + 4 * 2, "{csv}");
    assert!(
        csv.contains("PM-AHU-Q,GREASE-EP2,") && csv.contains(",WO-T2,INV-AHU-02,"),
        "{csv}"
    );

    // A period that ends before the work was done counts nothing.
    let (early, _) = Params::from_pairs(
        ReportKind::TemplateConsumption,
        [("template", "PM-AHU-Q"), ("to", "2026-01-01")],
    )
    .expect("params");
    let r = template_consumption(&kit.ledger, &early);
    assert_eq!(r.templates[0].orders, 0);
    assert!(
        r.templates[0]
            .items
            .iter()
            .all(|s| s.work_orders.is_empty())
    );
}

/// Writes off what an additional issue handed out.
fn consume_written(kit: &mut Kit, wo: &str, line: &str, item: &str, n: i64) {
    let d = kit.doc(
        "tech-1",
        Some(wo),
        Some(line),
        Body::WriteOff {
            item: item.into(),
            batch: None,
            qty: q(n),
            installed: vec![],
            position: None,
            removed: vec![],
        },
    );
    kit.ok(d);
}
